"""``bastion demo --matrix``: Bastion live on a real Matrix homeserver, end to end, in under a minute.

A throwaway Synapse starts on 127.0.0.1 with the Bastion module, beside a Bastion service; a few synthetic
accounts are registered with shared-secret registration and act through plain Matrix client calls. The
demo shows, in plain words, what each party sees: a listed picture refused at upload, a code-word message
refused with the help message, a reported message becoming a Bastion case, and a lead's network takedown
carried out on the homeserver. Every picture is a generated gradient with shapes; the code word is invented.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from rich.console import Console

from bastion.connectors.synapse.devserver import require_synapse
from bastion.core.errors import UpstreamError
from bastion.core.model import EntityType, Signal
from bastion.core.roles import Role
from bastion.core.signals import named
from bastion.demo.matrix_world import LIST_NAME, MatrixWorld, matrix_world
from bastion.demo.media import picture

PLATFORM = "matrix-demo"
NETWORK = "matrix-demo-net-1"
MEMBER = named("network_member")  # the kind the graph capability declares and takedowns read
HELP = (
    "Not sent: this server does not allow that word. If you or a child are at risk, contact your local "
    "child-protection hotline."
)
#: the accounts and who they are in the story (all synthetic)
PEOPLE = {
    "alice": "an ordinary member",
    "bob": "an ordinary member who reports a message",
    "seller1": "an account the network detector would flag as a seller",
    "helper1": "an account that helps the seller (facilitator)",
}


@dataclass
class MatrixDemo:
    """What was shown: each step's title and whether the homeserver did what the step says."""

    checks: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(passed for _, passed in self.checks)


def png(seed: int) -> bytes:
    import io

    out = io.BytesIO()
    picture(seed).save(out, format="PNG")
    return out.getvalue()


def run_matrix_demo(workdir: Path, console: Console | None = None) -> MatrixDemo:
    """Run the walk-through in ``workdir`` (replaced); raises ``SynapseMissing`` if Synapse is not here."""
    python = require_synapse()
    console = console or Console()
    if workdir.exists():
        shutil.rmtree(workdir)
    started = time.perf_counter()
    console.rule("[bold]Bastion on a Matrix homeserver")
    console.print("starting Bastion and a throwaway Synapse on 127.0.0.1 with the Bastion module…")
    demo = MatrixDemo()
    listed = png(901)
    with matrix_world(
        python, workdir, platform=PLATFORM, listed_png=listed, module_config={"help_message": HELP}
    ) as world:
        version = httpx.get(f"{world.hs.url}/_synapse/admin/v1/server_version", timeout=10).json()
        console.print(
            f"homeserver {world.hs.url} (Synapse {version.get('server_version', '?')}), "
            f"Bastion {world.bastion_url}; state and logs in {workdir}"
        )
        for name, who in PEOPLE.items():
            world.register(name)
            console.print(f"  registered @{name}:localhost — {who}")
        steps: list[tuple[str, Callable[[MatrixWorld, Console, bytes], bool]]] = [
            ("1. a listed picture is refused at upload", _upload),
            ("2. a code word, disguised, is refused with the help message", _code_word),
            ("3. a reported message becomes a Bastion case", _report),
            ("4. a lead's network takedown is carried out on the homeserver", _takedown),
        ]
        for title, step in steps:
            console.rule(title)
            passed = step(world, console, listed)
            demo.checks.append((title, passed))
            console.print("[green]✓ done[/green]" if passed else "[red]✗ not as expected (see above)[/red]")
    console.rule(f"done in {time.perf_counter() - started:.0f}s; the homeserver is stopped")
    if not demo.ok:
        failed = [t for t, passed in demo.checks if not passed]
        raise UpstreamError(f"the Matrix demo did not go as expected in: {'; '.join(failed)}")
    return demo


def _upload(world: MatrixWorld, console: Console, listed: bytes) -> bool:
    console.print(f"Bastion's hash list {LIST_NAME!r} holds the PDQ hash of a generated picture (shapes).")
    with world.matrix("alice") as alice:
        refused = _upload_png(alice, listed, "listed.png")
        other = _upload_png(alice, png(902), "holiday.png")
    console.print(
        f"@alice uploads listed.png → HTTP {refused.status_code}: "
        f"{refused.json().get('error', refused.text)!r} (the homeserver hashed it and asked Bastion; "
        "no picture left the homeserver, only its hashes)"
    )
    stored = other.json().get("content_uri")
    console.print(f"@alice uploads another picture → HTTP {other.status_code}, stored as {stored}")
    return refused.status_code == 400 and other.status_code == 200


def _code_word(world: MatrixWorld, console: Console, _: bytes) -> bool:
    console.print('Bastion\'s lexicon holds the invented code word "bluefinch".')
    with world.matrix("alice") as alice:
        room_id = _room(alice, "alice's room")
        blocked = _send(alice, room_id, "meet me at the b1uef1nch place")
        fine = _send(alice, room_id, "meet me at the park")
    error = blocked.json().get("error", "")
    console.print(f'@alice sends "meet me at the b1uef1nch place" → HTTP {blocked.status_code}; she sees:')
    console.print(f"    [italic]{error}[/italic]")
    console.print(f'@alice sends "meet me at the park" → HTTP {fine.status_code} (delivered)')
    return blocked.status_code == 403 and error == HELP and fine.status_code == 200


def _report(world: MatrixWorld, console: Console, _: bytes) -> bool:
    with world.matrix("seller1") as seller, world.matrix("bob") as bob, world.matrix("admin") as admin:
        room_id = _room(seller, "market")
        bob.post(f"/_matrix/client/v3/join/{quote(room_id)}").raise_for_status()
        event_id = _send(seller, room_id, "ask me in private for the special album").json()["event_id"]
        started = time.monotonic()
        bob.post(
            f"/_matrix/client/v3/rooms/{quote(room_id)}/report/{quote(event_id)}",
            json={"reason": "this looks like someone selling something harmful"},
        ).raise_for_status()
        console.print("@bob reports a message of @seller1 with his Matrix client (Report → reason).")
        report_id = admin.get("/_synapse/admin/v1/event_reports").json()["event_reports"][0]["id"]

    def case() -> Any:
        with world.bastion_http() as http:
            answer = http.get(f"/v1/reports/{PLATFORM}/matrix-report-{report_id}")
        return answer.status_code == 200 and answer.json().get("case_id")

    case_id = _until(case, 30)
    took = time.monotonic() - started
    if not case_id:
        console.print("the report did not become a Bastion case within 30 s")
        return False
    target = "met" if took <= 5.0 else "missed: is the machine busy?"
    console.print(
        f"the module read Synapse's event reports and sent this one to Bastion: case #{case_id} is in the "
        f"review queue {took:.1f} s after Bob pressed Report (target within 5 s: {target})"
    )
    return True


def _takedown(world: MatrixWorld, console: Console, _: bytes) -> bool:
    accounts = {"@seller1:localhost": "seller", "@helper1:localhost": "facilitator"}
    files: dict[str, str] = {}
    with world.matrix("seller1") as seller, world.matrix("helper1") as helper, world.matrix("bob") as bob:
        for name, client, seed in (("@seller1:localhost", seller, 903), ("@helper1:localhost", helper, 904)):
            files[name] = str(_upload_png(client, png(seed), "album.png").json()["content_uri"])
        room_id = _room(seller, "deals")
        for client in (helper, bob):
            client.post(f"/_matrix/client/v3/join/{quote(room_id)}").raise_for_status()
        _send(helper, room_id, "the seller is trustworthy, ask them")
        offer = _send(seller, room_id, "new albums tonight, message me").json()["event_id"]
        console.print("@seller1 and @helper1 each upload a picture and post in a room @bob is in.")
        _until(lambda: _remembered(world, offer), 10)  # the module has recorded where the messages are
    console.print(
        "Bastion's network detector finds networks in the events the module sends; in this one-minute demo "
        f"the network {NETWORK!r} is written to Bastion as the detector would write it:"
    )
    members = []
    for account, role in accounts.items():
        evidence = [{"signal": "demo", "text": f"{role} (given for the demo)"}]
        why = {"network_id": NETWORK, "role": role, "evidence": evidence}
        members.append(Signal(PLATFORM, EntityType.ACCOUNT, account, MEMBER, "graph", 0.9, why))
    world.bastion.store.signals.add(members)
    lead = world.bastion.review.auth.create_token("demo-lead", Role.LEAD)
    with world.bastion_http(lead) as http:
        preview = http.get("/v1/takedowns/preview", params={"network_id": NETWORK}).json()
        for member in preview["members"]:
            console.print(f"  {member['account_id']} as {member['role']}: {', '.join(member['actions'])}")
        body = {"network_id": NETWORK, "reason": "selling harmful material (demo)", "clause": "CS-1.2"}
        answer = http.post("/v1/takedowns", json=body)
    answer.raise_for_status()
    number = answer.json()["takedown_id"]
    console.print(f"a lead applies the takedown (#{number}); the module pulls its actions and acts…")
    with world.matrix("admin") as admin, world.matrix("bob") as bob:

        def carried_out() -> bool:
            users = [admin.get(f"/_synapse/admin/v2/users/{quote(a)}").json() for a in accounts]
            seen = bob.get(f"/_matrix/client/v3/rooms/{quote(room_id)}/event/{quote(offer)}").json()
            return all(u.get("deactivated") for u in users) and seen.get("content") == {}

        done = bool(_until(carried_out, 60))
        ok = done
        for account in accounts:
            user = admin.get(f"/_synapse/admin/v2/users/{quote(account)}").json()
            media = admin.get(f"/_synapse/admin/v1/users/{quote(account)}/media").json()["media"]
            held = [m for m in media if m.get("quarantined_by")]
            console.print(
                f"  {account}: {'deactivated' if user.get('deactivated') else 'still active'}, "
                f"{len(held)} of {len(media)} uploaded file(s) quarantined (kept as evidence, not served)"
            )
            ok = (
                ok
                and bool(user.get("deactivated"))
                and files[account].rsplit("/", 1)[-1] in {m["media_id"] for m in held}
            )
        seen = bob.get(f"/_matrix/client/v3/rooms/{quote(room_id)}/event/{quote(offer)}").json()
    console.print(
        "  @bob now sees @seller1's offer as "
        + ("[i]message deleted[/i] (redacted)" if seen.get("content") == {} else repr(seen.get("content")))
    )
    preserved = _count(world, "SELECT count(*) FROM preserved WHERE sender = ?", "@seller1:localhost")
    console.print(f"  the module kept {preserved} event(s) of @seller1 as evidence before redacting them")
    console.print("  the module's audit log (every admin call, under an idempotency key):")
    with sqlite3.connect(world.state_dir / "connector.db") as db:
        for action, target, status in db.execute("SELECT action, target, status FROM audit ORDER BY at"):
            console.print(f"    {action:<22} {target:<24} {status}")
    return ok and preserved > 0


# ---- small Matrix client helpers (plain HTTP) ------------------------------------------------------------
def _upload_png(client: httpx.Client, data: bytes, name: str) -> httpx.Response:
    headers = {"Content-Type": "image/png"}
    return client.post("/_matrix/media/v3/upload", params={"filename": name}, content=data, headers=headers)


def _room(client: httpx.Client, name: str) -> str:
    answer = client.post("/_matrix/client/v3/createRoom", json={"preset": "public_chat", "name": name})
    answer.raise_for_status()
    return str(answer.json()["room_id"])


def _send(client: httpx.Client, room_id: str, text: str) -> httpx.Response:
    path = f"/_matrix/client/v3/rooms/{quote(room_id)}/send/m.room.message/demo{time.monotonic_ns()}"
    return client.put(path, json={"msgtype": "m.text", "body": text})


def _until(check: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return None


def _count(world: MatrixWorld, sql: str, *args: str) -> int:
    with sqlite3.connect(world.state_dir / "connector.db") as db:
        return int(db.execute(sql, args).fetchone()[0])


def _remembered(world: MatrixWorld, event_id: str) -> bool:
    return _count(world, "SELECT count(*) FROM rooms WHERE event_id = ?", event_id) > 0


__all__ = ["HELP", "PLATFORM", "MatrixDemo", "run_matrix_demo"]
