"""The Matrix moderation policy list against the real Synapse of the connector tests: a Matrix account
disabled by a Bastion decision becomes an ``m.policy.rule.user`` ban another client reads from the room's
state; publishing again changes nothing; reversing the action (an upheld appeal) removes the rule. A lead's
ban of a whole server becomes an ``m.policy.rule.server`` rule the same way, and lifting it removes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.enforce import ActionKind, ActionService, Decision
from bastion.exchange import ExchangeSettings, PolicyListPublisher, PublishResult, ServerBans
from bastion.exchange.jobs import publish_policy_list
from bastion.system import Bastion
from connectors.test_synapse_live import PLATFORM, Live, live, pytestmark

__all__ = ["live", "pytestmark"]


def rules(
    live: Live, reader: str, room_id: str, kind: str = "m.policy.rule.user"
) -> dict[str, dict[str, Any]]:
    with live.hs.client(reader) as client:
        client.post(f"/_matrix/client/v3/join/{quote(room_id)}").raise_for_status()
        answer = client.get(f"/_matrix/client/v3/rooms/{quote(room_id)}/state")
    answer.raise_for_status()
    return {
        e["state_key"]: {"content": e["content"], "event_id": e["event_id"]}
        for e in answer.json()
        if e["type"] == kind
    }


def test_a_takedown_is_published_as_a_ban_rule_and_its_reversal_removes_it(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = live.hs.register("policybot")
    reader = live.hs.register("policyreader")
    token_file = tmp_path / "policy.token"
    token_file.write_text(owner + "\n", encoding="utf-8")
    actions = ActionService(live.bastion.store)
    decision = Decision("lead", "network takedown (test)", "SP-4.2")
    [action_id] = actions.apply(PLATFORM, "@trader:localhost", [ActionKind.DISABLE_ACCOUNT], decision)
    actions.apply(PLATFORM, "@buyer:localhost", [ActionKind.RESTRICT_SEARCH], decision)  # not a ban
    actions.apply("other-platform", "user-123", [ActionKind.DISABLE_ACCOUNT], decision)  # not Matrix

    monkeypatch.setenv("BASTION_EXCHANGE_POLICYLIST_HOMESERVER_URL", live.hs.url)
    monkeypatch.setenv("BASTION_EXCHANGE_POLICYLIST_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("BASTION_EXCHANGE_POLICYLIST_ROOM", "#bastion-bans")
    db = live.bastion.store.engine.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(app, ["policylist", "publish", "--db", db])
    assert out.exit_code == 0, out.output
    said = " ".join(out.output.split())
    assert "1 published, 0 removed, 0 unchanged, 1 non-Matrix accounts skipped" in said

    settings = ExchangeSettings(
        policylist_homeserver_url=live.hs.url,
        policylist_token_file=str(token_file),
        policylist_room="#bastion-bans:localhost",
    )
    publisher = PolicyListPublisher(live.bastion.store, settings)
    room_id = publisher.room_id()  # the alias resolves to the room the command created
    first = rules(live, reader, room_id)
    assert {k: v["content"] for k, v in first.items()} == {
        "rule:@trader:localhost": {
            "entity": "@trader:localhost",
            "reason": "SP-4.2",
            "recommendation": "m.ban",
        }
    }

    again = publisher.publish(PLATFORM)
    assert (again.published, again.removed, again.unchanged) == ([], [], 1)
    assert rules(live, reader, room_id) == first  # same event: nothing was sent

    actions.reverse(action_id, Decision("lead", "appeal upheld", "APPEAL-1"))
    reversal = publisher.publish(PLATFORM)
    assert reversal.removed == ["@trader:localhost"]
    assert rules(live, reader, room_id)["rule:@trader:localhost"]["content"] == {}
    assert publisher.publish(PLATFORM).removed == []  # an empty rule is not blanked twice


def test_a_leads_server_ban_is_published_as_a_server_rule_and_lifting_it_removes_it(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = live.hs.register("serverbot")
    reader = live.hs.register("serverreader")
    token_file = tmp_path / "policy.token"
    token_file.write_text(owner + "\n", encoding="utf-8")
    monkeypatch.setenv("BASTION_EXCHANGE_POLICYLIST_HOMESERVER_URL", live.hs.url)
    monkeypatch.setenv("BASTION_EXCHANGE_POLICYLIST_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("BASTION_EXCHANGE_POLICYLIST_ROOM", "#bastion-servers")
    db = live.bastion.store.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    ban = ["policylist", "ban-server", "Abuse.Example:8448", "--by", "lead-1", "--reason",
           "the server exists to trade the listed material (test)", "--clause", "SP-9.1",
           "--platform", PLATFORM, "--db", db]  # fmt: skip
    out = runner.invoke(app, ban)
    assert out.exit_code == 0, out.output
    refused = runner.invoke(app, [*ban[:2], "*.example", *ban[3:]])
    assert refused.exit_code != 0 and "no wildcards" in " ".join(refused.output.split())
    out = runner.invoke(app, ["policylist", "publish", "--platform", PLATFORM, "--db", db])
    assert out.exit_code == 0, out.output

    settings = ExchangeSettings(
        policylist_homeserver_url=live.hs.url,
        policylist_token_file=str(token_file),
        policylist_room="#bastion-servers:localhost",
    )
    publisher = PolicyListPublisher(live.bastion.store, settings)
    room_id = publisher.room_id()
    first = rules(live, reader, room_id, "m.policy.rule.server")
    assert {k: v["content"] for k, v in first.items()} == {
        "rule:abuse.example:8448": {
            "entity": "abuse.example:8448",
            "reason": "SP-9.1",
            "recommendation": "m.ban",
        }
    }
    again = publisher.publish(PLATFORM)
    assert (again.published, again.removed) == ([], [])
    assert rules(live, reader, room_id, "m.policy.rule.server") == first

    ServerBans(live.bastion.store).decide(
        "abuse.example:8448", ban=False, by="lead-2", reason="operator replaced", clause="APPEAL-2",
        platform=PLATFORM,
    )  # fmt: skip
    with Bastion(store=live.bastion.store) as system:  # the scheduled job, as the service's leader runs it
        lifted = publish_policy_list(system)
    assert isinstance(lifted, PublishResult) and lifted.removed == ["abuse.example:8448"]
    assert rules(live, reader, room_id, "m.policy.rule.server")["rule:abuse.example:8448"]["content"] == {}
    assert publisher.publish(PLATFORM).removed == []
