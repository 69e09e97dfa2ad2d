"""The demo step runs on a small platform and reports blocked searches and discovered variants."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from bastion.demo.runner import DemoContext, DemoOptions
from bastion.demo.terms import demo_step
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.synth import SynthConfig, generate, write_export
from bastion.system import Bastion


def test_demo_step(store: Store, tmp_path: Path) -> None:
    platform = generate(SynthConfig(accounts=600, seed=3))
    folder = write_export(platform, tmp_path / "export")
    Ingestor(store).ingest(folder)
    out = io.StringIO()
    ctx = DemoContext(
        DemoOptions(workdir=tmp_path),
        Console(file=out, width=140),
        Bastion(store=store),
        platform,
        folder,
        platform.truth,
    )
    demo_step(ctx)
    f = ctx.findings["terms"]
    assert f["term_match"] > 0 and f["blocked_search"] > 0 and f["blocked_by_role"].get("buyer", 0) > 0
    assert f["planted_in_top"], f["candidates"]
    assert "blocked" in out.getvalue() and f["planted_in_top"][0] in out.getvalue()
