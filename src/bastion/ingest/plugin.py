"""The ingest capability's manifest: platform exports into the store."""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability


def _service(b: Any) -> object:
    from bastion.ingest.loader import Ingestor

    return Ingestor(b.store, batch_rows=b.settings.core.ingest_batch_rows)


def _commands(app: Any) -> None:
    from bastion.cli.ingest_cmd import register

    register(app)


def _router() -> Any:
    from bastion.api.routers import events

    return events


def _demo_ingest(ctx: Any) -> None:
    from bastion.demo.steps import ingest_step

    ingest_step(ctx)


def _demo_planted(ctx: Any) -> None:
    from bastion.demo.steps import planted_step

    planted_step(ctx)


CAPABILITY = Capability(
    name="ingest",
    summary="platform export folders (CSV, JSONL, Parquet) validated and loaded, resumable",
    order=10,
    service=_service,
    commands=_commands,
    router=_router,
    demo=(
        ("ingest the platform export", _demo_ingest),
        ("what was planted (ground truth, hidden from the detectors)", _demo_planted),
    ),
    migrations="ingest",  # the live events' ledger; the core tables (revisions 0001…) belong to the store
)
