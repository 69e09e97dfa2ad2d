"""The media demo step runs on a small synthetic platform and reports what it found."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from bastion.demo.media import demo_step
from bastion.demo.runner import DemoContext, DemoOptions
from bastion.ingest import Ingestor
from bastion.media.service import ScanStats
from bastion.store import Store
from bastion.synth import SynthConfig, generate, write_export
from bastion.system import Bastion


def test_demo_step(tmp_path: Path) -> None:
    platform = generate(SynthConfig(accounts=300, seed=5))
    export = write_export(platform, tmp_path / "export")
    console = Console(record=True, width=160)
    with Store(f"sqlite:///{tmp_path / 'demo.db'}") as store:
        Ingestor(store).ingest(export)
        ctx = DemoContext(
            DemoOptions(workdir=tmp_path), console, Bastion(store=store), platform, export, platform.truth
        )
        demo_step(ctx)
    text = console.export_text()
    assert "re-encoded" in text and "suppressed by negative list demo-negative" in text
    assert "rotated 90°" in text and text.count("match demo-list") >= 3
    assert "pad-right5" in text  # the cropped copy matched through the re-framing that undoes its crop
    stats = ctx.findings["media"]
    assert isinstance(stats, ScanStats) and stats.accounts > 0
