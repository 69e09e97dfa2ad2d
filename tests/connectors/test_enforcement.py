"""Enforcement on retry, against a stand-in for Synapse's admin API (the real one is in test_synapse_live):
a shadow-ban interrupted by a failure is sent again until done and never after, a reversal lifts it, and a
redaction copies the messages before it starts one Synapse task that a retry looks at instead of starting
another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from bastion.connectors.synapse.admin import SynapseAdmin
from bastion.connectors.synapse.enforcement import Enforcer, Pending
from bastion.connectors.synapse.outbox import Outbox


class StandIn:
    """Answers the admin calls the enforcer makes; ``fail_next`` drops the next connection."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail_next = False
        self.task_status = ["active", "complete"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.fail_next:
            self.fail_next = False
            raise httpx.ConnectError("homeserver restarting", request=request)
        path = request.url.path
        self.calls.append(f"{request.method} {path}")
        if path.endswith("/joined_rooms"):
            return httpx.Response(200, json={"joined_rooms": ["!r:hs"]})
        if path.endswith("/messages"):
            chunk = [
                {"event_id": f"$m{i}", "room_id": "!r:hs", "sender": "@s:hs", "content": {"body": f"m{i}"}}
                for i in range(2)
            ]
            return httpx.Response(200, json={"chunk": chunk})
        if path.endswith("/redact"):
            return httpx.Response(200, json={"redact_id": "task-1"})
        if "/redact_status/" in path:
            return httpx.Response(200, json={"status": self.task_status.pop(0), "failed_redactions": {}})
        return httpx.Response(200, json={})


def enforcer(tmp_path: Path, stand_in: StandIn) -> tuple[Enforcer, Outbox]:
    outbox = Outbox(tmp_path)
    admin = SynapseAdmin("http://hs", "token", outbox)
    admin._http = httpx.Client(
        base_url="http://hs", transport=httpx.MockTransport(stand_in), auth=admin._auth
    )  # the stand-in instead of a homeserver
    return Enforcer(outbox, admin, task_wait=0), outbox


def event(event_id: int, action: str, account: str, change: str = "applied") -> dict[str, Any]:
    return {"event_id": event_id, "event": change, "action": action, "account_id": account}


def test_a_shadow_ban_is_retried_until_done_then_never_again_and_a_reversal_lifts_it(tmp_path: Path) -> None:
    stand_in = StandIn()
    enforce, outbox = enforcer(tmp_path, stand_in)
    stand_in.fail_next = True
    with pytest.raises(httpx.ConnectError):
        enforce.enforce(event(1, "shadow_ban", "@c:hs"))
    assert outbox.audited("bastion-action-1:shadow_ban") == "retry"
    enforce.enforce(event(1, "shadow_ban", "@c:hs"))
    enforce.enforce(event(1, "shadow_ban", "@c:hs"))  # delivered again (the cursor had not moved): no call
    enforce.enforce(event(2, "shadow_ban", "@c:hs", change="reversed"))
    path = "/_synapse/admin/v1/users/@c:hs/shadow_ban"
    assert stand_in.calls == [f"POST {path}", f"DELETE {path}"]
    assert outbox.audited("bastion-action-2:unshadow_ban") == "done"


def test_a_redaction_preserves_first_and_a_retry_waits_on_the_same_task(tmp_path: Path) -> None:
    stand_in = StandIn()
    enforce, outbox = enforcer(tmp_path, stand_in)
    with pytest.raises(Pending):  # the task is still running: retried later, the cursor stays
        enforce.enforce(event(3, "remove_content", "@s:hs") | {"target_type": "account"})
    preserved = outbox.preserved("$m1")
    assert preserved is not None and preserved["content"] == {"body": "m1"}
    assert stand_in.calls.index("GET /_synapse/admin/v1/rooms/!r:hs/messages") < stand_in.calls.index(
        "POST /_synapse/admin/v1/user/@s:hs/redact"
    )
    enforce.enforce(event(3, "remove_content", "@s:hs") | {"target_type": "account"})
    enforce.enforce(event(3, "remove_content", "@s:hs") | {"target_type": "account"})
    assert sum(c.endswith("/redact") for c in stand_in.calls) == 1  # one task, looked at again
    assert outbox.audited("bastion-action-3:redact_user") == "done"
    assert outbox.audited("bastion-action-3:preserve") == "done"
