"""The terms capability's manifest: lexicons, the search guard, term scans and variant discovery."""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability, OptionalFeature
from bastion.terms.kinds import BLOCKED_SEARCH, TERM_MATCH
from bastion.terms.service import refresh_stale


def _service(b: Any) -> object:
    from bastion.terms.policy_file import policy_from_settings
    from bastion.terms.service import TermGuard

    return TermGuard.from_store(b.store, policy_from_settings())


def _commands(app: Any) -> None:
    from bastion.cli.terms_cmd import register

    register(app)


def _router() -> Any:
    from bastion.api.routers import terms

    return terms


def _demo(ctx: Any) -> None:
    from bastion.demo.terms import demo_step

    demo_step(ctx)


CAPABILITY = Capability(
    name="terms",
    summary="operator lexicons, obfuscation-proof matching, a search guard with no bypass, variant discovery",
    order=30,
    service=_service,
    commands=_commands,
    router=_router,
    demo=(("term guard: lexicons, scan, blocked searches, variants", _demo),),
    refresh=refresh_stale,
    signal_kinds=(TERM_MATCH, BLOCKED_SEARCH),
    migrations="terms",
    optional=(
        OptionalFeature("lexicon lint against common words", "wordfreq", "pip install 'bastion[lint]'"),
    ),
)
