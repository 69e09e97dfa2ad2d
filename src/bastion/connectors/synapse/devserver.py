"""A throwaway Synapse on loopback with the Bastion module enabled, for the connector's tests and the
``bastion demo --matrix`` walk-through. Not for production: the config is SQLite, a generated signing key,
a fixed shared registration secret, no federation, and rate limits lifted so a script is not throttled.

Synapse runs as its own process from its own environment (``scripts/setup-synapse.sh`` builds
``.venv-synapse``), with this source tree first on its path so it loads this very module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bastion.core.errors import ConfigError

#: the directory holding the ``bastion`` package (put first on Synapse's path)
SOURCE = Path(__file__).resolve().parents[3]
SERVER_NAME = "localhost"
SHARED_SECRET = "bastion-devserver-registration-secret"
SETUP_HINT = "scripts/setup-synapse.sh builds one in .venv-synapse, or set BASTION_SYNAPSE_PYTHON"


class SynapseMissing(ConfigError):
    """No Python environment with Synapse installed was found."""


def synapse_python() -> Path | None:
    """Synapse's interpreter: ``$BASTION_SYNAPSE_PYTHON``, else ``.venv-synapse`` beside the source tree or
    in the current directory; None unless it can import Synapse and httpx."""
    named = os.environ.get("BASTION_SYNAPSE_PYTHON")
    candidates = (
        [Path(named)]
        if named
        else [SOURCE.parent / ".venv-synapse" / "bin" / "python", Path(".venv-synapse/bin/python")]
    )
    for path in candidates:
        if not path.exists():
            continue
        probe = subprocess.run([str(path), "-c", "import synapse, httpx"], capture_output=True, check=False)
        if probe.returncode == 0:
            return path
    return None


def require_synapse() -> Path:
    """:func:`synapse_python`, or :class:`SynapseMissing` saying how to install it."""
    found = synapse_python()
    if found is None:
        where = os.environ.get("BASTION_SYNAPSE_PYTHON") or "no .venv-synapse"
        raise SynapseMissing(f"Matrix Synapse is not installed ({where} cannot import synapse): {SETUP_HINT}")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Until ``url`` answers below 500; fails early if ``proc`` exits."""
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


def homeserver_config(directory: Path, port: int, module_config: dict[str, Any]) -> dict[str, Any]:
    limits = {"per_second": 1000, "burst_count": 1000}
    return {
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
        "macaroon_secret_key": "bastion-devserver-macaroon-secret",
        "form_secret": "bastion-devserver-form-secret",
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
        """A Matrix client session (plain HTTP) for the account holding ``token``."""
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def log(self) -> str:
        """The end of Synapse's log (to show when something went wrong)."""
        path = self.directory / "synapse.log"
        return path.read_text(encoding="utf-8", errors="replace")[-5000:] if path.exists() else ""


def _mac(nonce: str, user: str, password: str, admin: bool) -> str:
    mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
    mac.update(nonce.encode() + b"\x00" + user.encode() + b"\x00" + password.encode() + b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()


@contextmanager
def homeserver(
    python: Path, directory: Path, port: int, module_config: dict[str, Any], *, start_seconds: float = 60
) -> Iterator[Homeserver]:
    """Synapse with the Bastion module configured by ``module_config``, stopped on exit."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "homeserver.yaml"
    text = json.dumps(homeserver_config(directory, port, module_config), indent=2)  # JSON is YAML
    config.write_text(text, encoding="utf-8")
    env = os.environ | {"PYTHONPATH": str(SOURCE)}  # Synapse's own environment plus this tree, nothing else
    subprocess.run(
        [str(python), "-m", "synapse.app.homeserver", "-c", str(config), "--generate-keys"],
        check=True,
        capture_output=True,
        env=env,
    )
    with (directory / "synapse.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(python), "-m", "synapse.app.homeserver", "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=directory,
        )
        hs = Homeserver(f"http://127.0.0.1:{port}", proc, directory)
        try:
            try:
                wait_for(f"{hs.url}/_matrix/client/versions", start_seconds, proc)
            except (RuntimeError, TimeoutError) as exc:
                raise RuntimeError(f"Synapse did not start: {exc}; its log ends:\n{hs.log()}") from None
            yield hs
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


__all__ = [
    "SERVER_NAME",
    "SETUP_HINT",
    "Homeserver",
    "SynapseMissing",
    "free_port",
    "homeserver",
    "homeserver_config",
    "require_synapse",
    "synapse_python",
    "wait_for",
]
