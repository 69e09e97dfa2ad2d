"""The policy list's plan and its writes, against a stand-in homeserver (httpx.MockTransport): only disabled
Matrix accounts become rules, writes happen only when a rule differs, a reversal blanks the rule once."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from bastion.core.errors import InputError
from bastion.enforce import ActionKind, ActionService, Decision
from bastion.exchange import ExchangeSettings, PolicyListPublisher, ServerBans, plan_rules
from bastion.store import Store

ROOM = "!policy:example.org"


class StandIn:
    """Just enough of a homeserver: room state per (type, state_key), every PUT recorded."""

    def __init__(self) -> None:
        self.state: dict[tuple[str, str], dict[str, Any]] = {}
        self.puts: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        if request.method == "GET" and path.endswith("/state"):
            events = [{"type": t, "state_key": k, "content": c} for (t, k), c in self.state.items()]
            return httpx.Response(200, json=events)
        if request.method == "PUT" and "/state/" in path:
            _, _, rest = path.partition("/state/")
            kind, _, key = rest.partition("/")
            self.state[(kind, httpx.URL("/" + key).path[1:])] = json.loads(request.content)
            self.puts.append(key)
            return httpx.Response(200, json={"event_id": f"$e{len(self.puts)}"})
        return httpx.Response(404, json={"errcode": "M_NOT_FOUND"})


def publisher(store: Store, hs: StandIn) -> PolicyListPublisher:
    http = httpx.Client(base_url="http://hs.test", transport=httpx.MockTransport(hs))
    return PolicyListPublisher(store, ExchangeSettings(policylist_room=ROOM), http=http)


def test_only_disabled_matrix_accounts_of_violating_decisions_are_planned(store: Store) -> None:
    actions = ActionService(store)
    ban = Decision("lead", "network takedown", "SP-4.2")
    actions.apply("m", "@trader:example.org", [ActionKind.DISABLE_ACCOUNT], ban)
    actions.apply("m", "@buyer:example.org", [ActionKind.RESTRICT_SEARCH], ban)
    actions.apply("m", "@*:example.org", [ActionKind.DISABLE_ACCOUNT], ban)  # a glob is never published
    actions.apply("other", "user-123", [ActionKind.DISABLE_ACCOUNT], ban)
    plan = plan_rules(store)
    assert plan.rules == {"@trader:example.org": "SP-4.2"}
    assert plan.skipped == 2 and plan.retracted == set()
    assert plan_rules(store, "other").rules == {}


def test_publish_writes_once_and_a_reversal_blanks_the_rule_once(store: Store) -> None:
    hs = StandIn()
    actions = ActionService(store)
    [action_id] = actions.apply(
        "m", "@trader:example.org", [ActionKind.DISABLE_ACCOUNT], Decision("lead", "takedown", "SP-4.2")
    )
    pub = publisher(store, hs)
    first = pub.publish()
    assert first.room_id == ROOM and first.published == ["@trader:example.org"]
    assert hs.state[("m.policy.rule.user", "rule:@trader:example.org")] == {
        "entity": "@trader:example.org",
        "reason": "SP-4.2",
        "recommendation": "m.ban",
    }
    assert pub.publish().unchanged == 1 and len(hs.puts) == 1
    actions.reverse(action_id, Decision("lead", "appeal upheld", "APPEAL-1"))
    assert pub.publish().removed == ["@trader:example.org"]
    assert hs.state[("m.policy.rule.user", "rule:@trader:example.org")] == {}
    assert pub.publish().removed == [] and len(hs.puts) == 2


def test_a_server_ban_is_a_server_rule_until_a_later_decision_lifts_it(store: Store) -> None:
    hs = StandIn()
    bans = ServerBans(store)
    bans.decide("abuse.example", ban=True, by="lead", reason="run for trading (test)", clause="SP-9.1")
    bans.decide(
        "other.example", ban=True, by="lead", reason="spam relay (test)", clause="SP-2", platform="m2"
    )
    pub = publisher(store, hs)
    first = pub.publish("matrix")
    assert first.published == ["abuse.example"]
    assert hs.state[("m.policy.rule.server", "rule:abuse.example")] == {
        "entity": "abuse.example", "reason": "SP-9.1", "recommendation": "m.ban"
    }  # fmt: skip
    assert ("m.policy.rule.user", "rule:abuse.example") not in hs.state
    assert pub.publish("matrix").unchanged == 1 and len(hs.puts) == 1
    bans.decide("abuse.example", ban=False, by="lead", reason="new operator", clause="APPEAL-3")
    assert plan_rules(store, "matrix").servers_lifted == {"abuse.example"}
    assert pub.publish("matrix").removed == ["abuse.example"]
    assert hs.state[("m.policy.rule.server", "rule:abuse.example")] == {}
    assert pub.publish().published == ["other.example"]  # every platform's


@pytest.mark.parametrize("name", ["*.example", "abuse.exa?ple", "@user:abuse.example", "", "a b.example"])
def test_a_server_name_is_never_a_glob_or_a_user(store: Store, name: str) -> None:
    with pytest.raises(InputError, match="not a Matrix server name"):
        ServerBans(store).decide(name, ban=True, by="lead", reason="r", clause="c")
