from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from rich.console import Console

from bastion.demo.guard import demo_step
from bastion.store import Store

from .conftest import PLATFORM


def test_demo_step_prints_audit_and_writes_plot(tiny_store: Store, tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    ctx = SimpleNamespace(
        store=tiny_store,
        console=console,
        options=SimpleNamespace(workdir=tmp_path),
        truth=SimpleNamespace(platform=PLATFORM),
        findings={},
    )
    demo_step(ctx)  # type: ignore[arg-type]
    text = console.export_text()
    assert "n1" in text and "impressions kept" in text
    assert (tmp_path / "exposure.png").stat().st_size > 1000
    assert ctx.findings["exposure_audit"].networks[0].before.impressions == 5
