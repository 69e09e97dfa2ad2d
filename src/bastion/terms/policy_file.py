"""The operator's search-guard policy from a JSON file (``BASTION_GUARD_POLICY``).

Messages and help resources are the operator's to write (a hotline in their country, their own support
pages), so they live in a file the operator owns, not in code. What is absent keeps its default; there is
no setting that adds a "see results anyway" option, because the policy has no such field.

    {"block_categories": ["network_code"], "warn_categories": ["grooming_risk"],
     "block_severity": "critical", "warn_severity": "low",
     "block_message": "…", "warn_message": "…",
     "resources": [{"name": "Local helpline", "url": "https://help.example", "phone": "0800 000 000"}]}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bastion.core.errors import InputError
from bastion.core.settings import load_settings
from bastion.terms.guard import GuardPolicy, HelpResource
from bastion.terms.lexicon import Severity

FIELDS = {
    "block_categories",
    "warn_categories",
    "block_severity",
    "warn_severity",
    "block_message",
    "warn_message",
    "resources",
    "minors_block_on_warn",
}


def load_policy(path: Path) -> GuardPolicy:
    name = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the guard policy ({exc})", file=name) from exc
    if not isinstance(data, dict):
        raise InputError("must be a JSON object", file=name)
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise InputError(f"unknown setting (known: {', '.join(sorted(FIELDS))})", file=name, field=unknown[0])
    kwargs: dict[str, Any] = {}
    for key in ("block_categories", "warn_categories"):
        if key in data:
            kwargs[key] = frozenset(_strings(data[key], name, key))
    for key in ("block_severity", "warn_severity"):
        if key in data:
            kwargs[key] = None if data[key] is None else _severity(data[key], name, key)
    for key in ("block_message", "warn_message"):
        if key in data:
            if not isinstance(data[key], str):
                raise InputError("must be text", file=name, field=key)
            kwargs[key] = data[key]
    if "minors_block_on_warn" in data:
        if not isinstance(data["minors_block_on_warn"], bool):
            raise InputError("must be true or false", file=name, field="minors_block_on_warn")
        kwargs["minors_block_on_warn"] = data["minors_block_on_warn"]
    if "resources" in data:
        kwargs["resources"] = tuple(
            _resource(r, name, i) for i, r in enumerate(_list(data["resources"], name))
        )
    try:
        return GuardPolicy(**kwargs)
    except Exception as exc:  # GuardPolicy explains contradictions (ConfigError)
        raise InputError(str(exc), file=name) from exc


def policy_from_settings() -> GuardPolicy:
    """The configured policy, or the defaults when ``BASTION_GUARD_POLICY`` is unset."""
    path = load_settings().guard_policy
    return load_policy(Path(path)) if path else GuardPolicy()


def _list(value: Any, name: str, key: str = "resources") -> list[Any]:
    if not isinstance(value, list):
        raise InputError("must be a list", file=name, field=key)
    return value


def _strings(value: Any, name: str, key: str) -> list[str]:
    items = _list(value, name, key)
    if not all(isinstance(v, str) and v for v in items):
        raise InputError("must be a list of names", file=name, field=key)
    return items


def _severity(value: Any, name: str, key: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except Exception as exc:
        raise InputError(
            f"{value!r} is not a severity (low, medium, high, critical)", file=name, field=key
        ) from exc


def _resource(value: Any, name: str, index: int) -> HelpResource:
    field = f"resources[{index}]"
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"]:
        raise InputError("needs a name", file=name, field=field)
    extra = set(value) - {"name", "url", "phone"}
    if extra:
        raise InputError(f"unknown key {sorted(extra)[0]!r}", file=name, field=field)
    return HelpResource(value["name"], str(value.get("url", "")), str(value.get("phone", "")))
