"""Bastion's confirmed takedowns as a Matrix moderation policy list, the format Draupnir and Mjolnir follow.

Every Matrix account disabled by a final decision (a case's or a network takedown's) becomes an
``m.policy.rule.user`` state event in a policy room: ``entity`` the user id, ``recommendation`` ``m.ban``,
``reason`` the decision's policy clause (nothing else about the person). The state key is derived from the
entity (``rule:@user:server``), so publishing again changes nothing; when the action is reversed (an upheld
appeal) the rule's content is blanked, which the spec defines as removing it. Accounts of other platforms
(not Matrix user ids) are skipped. A ban evader reaches the list once a decision disables the new account.

A server a lead banned (:mod:`bastion.exchange.servers`: the only decision that names a server) becomes an
``m.policy.rule.server`` rule the same way (state key ``rule:<server>``, reason the decision's clause), and a
later decision lifting the ban blanks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bastion.core.errors import ConfigError, UpstreamError
from bastion.enforce import ActionKind, ActionService, ActionState
from bastion.exchange.servers import ServerBans
from bastion.exchange.settings import ExchangeSettings
from bastion.store import Store

RULE_USER = "m.policy.rule.user"
RULE_SERVER = "m.policy.rule.server"
BAN = "m.ban"
#: A Matrix user id, never a glob: ``*`` and ``?`` in an entity would ban everyone they match.
MATRIX_USER = re.compile(r"^@[^:\s*?]+:[A-Za-z0-9.\-]+(:\d+)?$")


def state_key(entity: str) -> str:
    return f"rule:{entity}"


@dataclass(frozen=True, slots=True)
class PolicyPlan:
    """What the list should say: entity -> reason for disabled accounts and banned servers, and the entities
    to take off."""

    rules: dict[str, str]
    retracted: set[str]
    skipped: int
    servers: dict[str, str] = field(default_factory=dict)
    servers_lifted: set[str] = field(default_factory=set)


@dataclass
class PublishResult:
    room_id: str
    published: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0


def plan_rules(store: Store, platform: str | None = None) -> PolicyPlan:
    """Rules from enforcement's account-disable actions carrying out a final violating decision: active ones
    are published, reversed ones (with no other active disable of the same account) are retracted."""
    service = ActionService(store)
    violating: dict[int, bool] = {}
    rules: dict[str, str] = {}
    reversed_: set[str] = set()
    skipped: set[str] = set()
    for action in service.all(platform):
        if action.kind != ActionKind.DISABLE_ACCOUNT or action.target_type != "account":
            continue
        if action.decision_id is not None and action.decision_id not in violating:
            decision = service.decision(action.decision_id)
            violating[action.decision_id] = decision.final and decision.outcome == "violating"
        if action.decision_id is not None and not violating[action.decision_id]:
            continue
        entity = action.account_id.strip()
        if not MATRIX_USER.match(entity):
            skipped.add(entity)
            continue
        if action.state == ActionState.ACTIVE:
            rules.setdefault(entity, action.clause or "policy violation")
        else:
            reversed_.add(entity)
    servers: dict[str, str] = {}
    lifted: set[str] = set()
    for server, decision in ServerBans(store).latest(platform).items():
        if decision.outcome == "violating":
            servers[server] = decision.clause
        else:
            lifted.add(server)
    return PolicyPlan(rules, reversed_ - rules.keys(), len(skipped), servers, lifted)


class PolicyListPublisher:
    """Publishes :func:`plan_rules` into the policy room over the Matrix client-server API."""

    def __init__(self, store: Store, settings: ExchangeSettings, http: httpx.Client | None = None) -> None:
        self.store = store
        self.settings = settings
        self._http = http
        self._owns_http = http is None

    def _client(self) -> httpx.Client:
        if self._http is not None:
            return self._http
        url, token_file = self.settings.policylist_homeserver_url, self.settings.policylist_token_file
        if not url or not token_file:
            raise ConfigError(
                "set BASTION_EXCHANGE_POLICYLIST_HOMESERVER_URL and BASTION_EXCHANGE_POLICYLIST_TOKEN_FILE"
            )
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the policy list token file: {exc.strerror}") from exc
        except UnicodeDecodeError:
            raise ConfigError("the policy list token file is not UTF-8 text") from None
        self._http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        return self._http

    def close(self) -> None:
        """Close the HTTP client this publisher opened (one it was given stays open)."""
        if self._http is not None and self._owns_http:
            self._http.close()
            self._http = None

    def room_id(self) -> str:
        """The policy room's id: the configured id, the alias's room, or a new room under that alias."""
        room = self.settings.policylist_room
        if room.startswith("!"):
            return room
        http = self._client()
        localpart, _, server = room.lstrip("#").partition(":")
        if not server:
            who = http.get("/_matrix/client/v3/account/whoami")
            who.raise_for_status()
            server = str(who.json()["user_id"]).split(":", 1)[1]
        alias = f"#{localpart}:{server}"
        found = http.get(f"/_matrix/client/v3/directory/room/{quote(alias)}")
        if found.status_code == 200:
            return str(found.json()["room_id"])
        if found.status_code != 404:
            found.raise_for_status()
        created = http.post(
            "/_matrix/client/v3/createRoom",
            json={
                "preset": "public_chat",
                "room_alias_name": localpart,
                "name": "Bastion policy list",
                "topic": "Accounts and servers banned by reviewed Bastion decisions (m.ban recommendations).",
                "initial_state": [
                    {"type": "m.room.history_visibility", "state_key": "",
                     "content": {"history_visibility": "world_readable"}},
                ],
            },
        )  # fmt: skip
        created.raise_for_status()
        return str(created.json()["room_id"])

    def current(self, room_id: str) -> dict[tuple[str, str], dict[str, Any]]:
        """The room's user and server rules now: (type, state key) -> content (removed rules are empty)."""
        answer = self._client().get(f"/_matrix/client/v3/rooms/{quote(room_id)}/state")
        answer.raise_for_status()
        return {
            (e["type"], e["state_key"]): e["content"]
            for e in answer.json()
            if e.get("type") in (RULE_USER, RULE_SERVER)
        }

    def publish(self, platform: str | None = None) -> PublishResult:
        """Bring the room up to date with enforcement; writes only the rules that differ."""
        try:
            return self._publish(platform)
        except httpx.HTTPStatusError as exc:
            raise UpstreamError(
                f"the homeserver refused {exc.request.method} {exc.request.url.path}: "
                f"{exc.response.status_code} {exc.response.text[:200]}"
            ) from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(f"the homeserver did not answer: {exc}") from exc

    def _publish(self, platform: str | None) -> PublishResult:
        plan = plan_rules(self.store, platform)
        room_id = self.room_id()
        current = self.current(room_id)
        result = PublishResult(room_id, skipped=plan.skipped)
        for kind, rules, retracted in (
            (RULE_USER, plan.rules, plan.retracted),
            (RULE_SERVER, plan.servers, plan.servers_lifted),
        ):
            for entity, reason in sorted(rules.items()):
                content = {"entity": entity, "reason": reason, "recommendation": BAN}
                if current.get((kind, state_key(entity))) == content:
                    result.unchanged += 1
                    continue
                self._put(room_id, kind, entity, content)
                result.published.append(entity)
            for entity in sorted(retracted):
                if current.get((kind, state_key(entity))):
                    self._put(room_id, kind, entity, {})
                    result.removed.append(entity)
        return result

    def _put(self, room_id: str, kind: str, entity: str, content: dict[str, Any]) -> None:
        key = quote(state_key(entity), safe="")
        path = f"/_matrix/client/v3/rooms/{quote(room_id)}/state/{kind}/{key}"
        self._client().put(path, json=content).raise_for_status()
