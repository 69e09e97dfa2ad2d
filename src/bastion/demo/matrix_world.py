"""A live Matrix world for the ``--matrix`` demo and the connector tests: a Bastion service on loopback (the
HTTP API with its triage workers, in a thread) and a throwaway Synapse beside it with the Bastion module
enabled (:mod:`bastion.connectors.synapse.devserver`), plus a Synapse admin whose token the module uses.

Bastion is seeded with what the guards need to show something: the invented code word "bluefinch" in a
lexicon and the PDQ of one benign generated picture on a hash list.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bastion.connectors.synapse.devserver import Homeserver, free_port, homeserver, wait_for
from bastion.connectors.synapse.hashing import hash_upload
from bastion.core.roles import Role
from bastion.system import Bastion

CODE_WORD = "bluefinch"  # invented; never a real term
LIST_NAME = "demo-list"


@contextmanager
def bastion_service(bastion: Bastion) -> Iterator[str]:
    """Bastion's service (with its triage workers) on a loopback port; yields its base URL."""
    from bastion.api.service import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(bastion), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="bastion-service", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/healthz", 30)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@dataclass
class MatrixWorld:
    hs: Homeserver
    bastion: Bastion
    bastion_url: str
    platform: str
    admin_token: str  # a Bastion admin token (decides actions)
    platform_token: str  # the module's Bastion token
    state_dir: Path  # the module's outbox, checkpoints and audit log
    users: dict[str, str] = field(default_factory=dict)  # Matrix localpart -> access token

    def matrix(self, who: str) -> httpx.Client:
        """A Matrix client session for ``who`` (registered with :meth:`register`)."""
        return self.hs.client(self.users[who])

    def register(self, localpart: str, *, admin: bool = False) -> str:
        self.users[localpart] = self.hs.register(localpart, admin=admin)
        return self.users[localpart]

    def bastion_http(self, token: str | None = None) -> httpx.Client:
        """Bastion's API as the platform (default) or as the holder of ``token``."""
        return httpx.Client(
            base_url=self.bastion_url,
            headers={"Authorization": f"Bearer {token or self.platform_token}"},
            timeout=30,
        )


@contextmanager
def matrix_world(
    python: Path,
    root: Path,
    *,
    platform: str,
    listed_png: bytes,
    module_config: dict[str, Any] | None = None,
) -> Iterator[MatrixWorld]:
    """Bastion (SQLite in ``root``) and Synapse running, the Synapse admin ``admin`` registered and its token
    handed to the module; ``listed_png``'s PDQ is on the hash list. Everything stops on exit."""
    from bastion.media.repository import BankRepository
    from bastion.terms import Lexicon, LexiconRepository

    root.mkdir(parents=True, exist_ok=True)
    bastion = Bastion.open(f"sqlite:///{(root / 'bastion.db').resolve()}")
    try:
        LexiconRepository(bastion.store).import_lexicon(
            Lexicon.of("codewords", [(CODE_WORD, "test_category", 4)]), by="demo"
        )
        pdq = hash_upload(listed_png).pdq  # as the module hashes uploads
        if pdq is None:
            raise ValueError("the listed picture has too little detail for PDQ")
        BankRepository(bastion.store).add("pdq", pdq, LIST_NAME, by="demo")
        platform_token = bastion.review.auth.create_token(platform)
        admin_token = bastion.review.auth.create_token("demo-admin", Role.ADMIN)
        with bastion_service(bastion) as url:
            _warm(url, platform_token, listed_png)
            state_dir = root / "connector"
            token_file = root / "synapse-admin.token"
            port = free_port()
            config = {
                "bastion_url": url,
                "bastion_token": platform_token,
                "platform": platform,
                "homeserver_url": f"http://127.0.0.1:{port}",
                "admin_token_file": str(token_file),
                "state_dir": str(state_dir),
                "report_poll_seconds": 0.3,
                "action_poll_seconds": 0.3,
                "timeout_seconds": 10.0,
            } | (module_config or {})
            with homeserver(python, root / "homeserver", port, config) as hs:
                world = MatrixWorld(hs, bastion, url, platform, admin_token, platform_token, state_dir)
                token_file.write_text(world.register("admin", admin=True), encoding="utf-8")
                yield world
    finally:
        bastion.close()


def _warm(url: str, token: str, png: bytes) -> None:
    """Load the hash index and the lexicons now, so the homeserver's first upload and message do not wait
    for them (its calls to Bastion have a timeout, past which it lets things through)."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        http.post("/v1/media/match", json={"items": [hash_upload(png).as_json()]}).raise_for_status()
        http.post("/v1/terms/match", json={"texts": ["warm"], "field": "text"}).raise_for_status()


__all__ = ["CODE_WORD", "LIST_NAME", "MatrixWorld", "bastion_service", "matrix_world"]
