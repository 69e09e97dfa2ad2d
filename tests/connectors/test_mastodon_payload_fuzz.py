"""Mastodon webhook bodies of any shape, drawn by hypothesis: mapped, or refused naming the field.

A server of another version, a fork, or a relay may send any key with any type (a list where an object
was, a number where a list was, null anywhere); the bodies drawn keep the ids the mapping needs, mostly,
so that it reaches every other field. Whatever the body, ``parse`` and ``map_webhook`` give
Bastion's events or raise an ``InputError`` naming the field; never another error (the webhook route would
answer 500 and the server would retry the same body forever). Derandomised.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bastion.connectors.mastodon.payloads import map_webhook, parse
from bastion.core.errors import InputError
from support.fuzzing import fuzz, json_values

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**12), st.text(max_size=8))
anything = json_values(max_leaves=4)


def _maybe(shaped: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the shape the API documents; otherwise anything at all."""
    return st.one_of(shaped, shaped, st.one_of(scalars, st.lists(scalars, max_size=2), anything))


accounts = st.fixed_dictionaries(
    {"id": st.sampled_from(["1", "109", 7])},
    optional={
        "acct": anything,
        "username": anything,
        "display_name": anything,
        "note": _maybe(st.just("<p>hi<br>there</p>")),
        "created_at": anything,
        "followers_count": anything,
        "suspended": anything,
        "account": anything,
        "domain": anything,
    },
)
media = st.fixed_dictionaries(
    {"id": _maybe(st.just("m1"))},
    optional={"url": _maybe(st.just("https://x.example/m.png")), "type": anything},
)
statuses = st.fixed_dictionaries(
    {"id": st.just("s1"), "account": accounts},
    optional={
        "content": anything,
        "spoiler_text": anything,
        "tags": _maybe(st.lists(st.fixed_dictionaries({"name": anything}), max_size=2)),
        "media_attachments": _maybe(st.lists(_maybe(media), max_size=2)),
        "in_reply_to_id": anything,
        "created_at": anything,
        "visibility": anything,
    },
)
reports = st.fixed_dictionaries(
    {"id": st.just("r1"), "target_account": accounts},
    optional={
        "account": _maybe(accounts),
        "statuses": _maybe(st.lists(_maybe(statuses), max_size=2)),
        "rules": _maybe(st.lists(_maybe(st.fixed_dictionaries({"id": anything})), max_size=2)),
        "comment": anything,
        "category": anything,
        "forwarded": anything,
        "created_at": anything,
    },
)


def _body(event: str, obj: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"event": st.just(event), "created_at": st.just("2026-12-01T10:00:00Z"), "object": obj}
    )


bodies = st.one_of(
    _body("account.created", accounts),
    _body("account.updated", accounts),
    _body("status.created", statuses),
    _body("report.created", reports),
    # and the required parts missing or of the wrong type
    st.fixed_dictionaries({"event": anything, "created_at": anything, "object": anything}),
    st.fixed_dictionaries(
        {"event": st.just("status.created"), "created_at": st.just("x"), "object": anything}
    ),
)


@fuzz(400)
@given(st.one_of(bodies, anything))
def test_a_webhook_body_of_any_shape_is_mapped_or_refused_naming_the_field(body: Any) -> None:
    try:
        mapped = map_webhook(parse(json.dumps(body).encode()))
    except InputError as exc:
        assert exc.field and exc.message
        return
    for event in mapped.events:
        assert event["table"] in ("accounts", "posts") and event["event_id"].startswith("mastodon:")
