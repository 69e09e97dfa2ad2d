"""A real Synapse on loopback (its own venv, ``scripts/setup-synapse.sh``) with the Bastion module enabled,
and a real Bastion service beside it (uvicorn in a thread of the test process), for the connector tests.

The homeserver config is throwaway: SQLite, a generated signing key, shared-secret registration, no
federation, rate limits lifted so a test is not throttled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

REPO = Path(__file__).resolve().parents[2]
SERVER_NAME = "localhost"
SHARED_SECRET = "bastion-test-registration-secret"


def synapse_python() -> Path | None:
    """Synapse's interpreter: ``$BASTION_SYNAPSE_PYTHON`` or the repository's ``.venv-synapse``."""
    named = os.environ.get("BASTION_SYNAPSE_PYTHON")
    path = Path(named) if named else REPO / ".venv-synapse" / "bin" / "python"
    if not path.exists():
        return None
    probe = subprocess.run([str(path), "-c", "import synapse, httpx"], capture_output=True, check=False)
    return path if probe.returncode == 0 else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


@contextmanager
def bastion_service(bastion: Any) -> Iterator[str]:
    """Bastion's service (with its triage workers) on a loopback port; yields its base URL."""
    from bastion.api.service import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(bastion), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="bastion-test-service", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/healthz", 30)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def homeserver_yaml(directory: Path, port: int, module_config: dict[str, Any]) -> str:
    limits = {"per_second": 1000, "burst_count": 1000}
    config = {
        "server_name": SERVER_NAME,
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "media_store_path": str(directory / "media_store"),
        "signing_key_path": str(directory / "signing.key"),
        "registration_shared_secret": SHARED_SECRET,
        "macaroon_secret_key": "bastion-test-macaroon-secret",
        "form_secret": "bastion-test-form-secret",
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "enable_metrics": False,
        "federation_domain_whitelist": [],
        "user_directory": {"enabled": True, "search_all_users": True},
        "rc_message": limits,
        "rc_registration": limits,
        "rc_joins": {"local": limits, "remote": limits},
        "rc_invites": {"per_room": limits, "per_user": limits, "per_issuer": limits},
        "rc_login": {"address": limits, "account": limits, "failed_attempts": limits},
        "rc_admin_redaction": limits,
        "rc_media_create": limits,
        "modules": [{"module": "bastion.connectors.synapse.BastionModule", "config": module_config}],
    }
    return json.dumps(config, indent=2)  # JSON is YAML


@dataclass
class Homeserver:
    url: str
    proc: subprocess.Popen[bytes]
    directory: Path

    def register(self, localpart: str, *, admin: bool = False, displayname: str | None = None) -> str:
        """A new account through shared-secret registration; returns its access token."""
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        nonce = httpx.get(endpoint, timeout=10).json()["nonce"]
        password = f"pw-{localpart}-0123456789"
        body: dict[str, Any] = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": _mac(nonce, localpart, password, admin),
        }
        if displayname:
            body["displayname"] = displayname
        answer = httpx.post(endpoint, json=body, timeout=30)
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def log(self) -> str:
        path = self.directory / "synapse.log"
        return path.read_text(encoding="utf-8", errors="replace")[-5000:] if path.exists() else ""


def _mac(nonce: str, user: str, password: str, admin: bool) -> str:
    mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
    mac.update(nonce.encode() + b"\x00" + user.encode() + b"\x00" + password.encode() + b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()


@contextmanager
def homeserver(
    python: Path, directory: Path, port: int, module_config: dict[str, Any]
) -> Iterator[Homeserver]:
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "homeserver.yaml"
    config.write_text(homeserver_yaml(directory, port, module_config), encoding="utf-8")
    env = os.environ | {"PYTHONPATH": str(REPO / "src")}
    subprocess.run(
        [str(python), "-m", "synapse.app.homeserver", "-c", str(config), "--generate-keys"],
        check=True,
        capture_output=True,
        env=env,
    )
    log = (directory / "synapse.log").open("wb")
    proc = subprocess.Popen(
        [str(python), "-m", "synapse.app.homeserver", "-c", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=directory,
    )
    hs = Homeserver(f"http://127.0.0.1:{port}", proc, directory)
    try:
        wait_for(f"{hs.url}/_matrix/client/versions", 60, proc)
        yield hs
    except Exception:
        print(hs.log())
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
