"""The demo step triages ingested reports and creates working logins."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from bastion.demo.review import demo_step
from bastion.demo.runner import DemoContext, DemoOptions
from bastion.ingest import Ingestor
from bastion.review.auth import Auth
from bastion.review.settings import DEV_SECRET
from bastion.store import Store
from bastion.synth import SynthConfig, generate, write_export
from bastion.system import Bastion


def test_demo_step_makes_cases_and_a_login(store: Store, tmp_path: Path) -> None:
    platform = generate(SynthConfig(accounts=300, seed=3))
    folder = write_export(platform, tmp_path / "export")
    Ingestor(store).ingest(folder)
    out = io.StringIO()
    ctx = DemoContext(
        DemoOptions(workdir=tmp_path),
        Console(file=out, width=200),
        Bastion(store=store),
        platform,
        folder,
        platform.truth,
    )
    demo_step(ctx)
    found = ctx.findings["review"]
    assert found["triaged"] == len(platform.tables["reports"]) and found["cases"] >= 1
    text = out.getvalue()
    name = found["logins"][0]
    password = text.split(f"{name}")[1].split("/")[1].split()[0]
    assert Auth(store.engine, DEV_SECRET).check_password(name, password).name == name
    assert "bastion serve" in text
