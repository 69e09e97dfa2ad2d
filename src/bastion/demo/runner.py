"""Run the demo as a list of steps, each a capability shown on the same synthetic platform.

Each step gets the shared :class:`DemoContext` and prints what it found; a capability adds a step to its
manifest (``bastion/<capability>/plugin.py``). The runner times every step so the two-minute budget shows.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from bastion.store import Store
from bastion.synth import GroundTruth, SynthConfig, SyntheticPlatform
from bastion.system import Bastion


@dataclass(frozen=True)
class DemoOptions:
    workdir: Path = Path("demo-output")
    accounts: int = 4_000
    seed: int = 7
    database_url: str | None = None  # default: a fresh SQLite file in workdir


@dataclass
class DemoContext:
    options: DemoOptions
    console: Console
    bastion: Bastion
    platform: SyntheticPlatform
    export_dir: Path
    truth: GroundTruth
    findings: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.bastion.store


def run_demo(options: DemoOptions, console: Console | None = None) -> DemoContext:
    from bastion.demo.steps import steps
    from bastion.synth import generate, write_export

    console = console or Console()
    work = options.workdir
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    console.rule("[bold]Bastion demo")
    started = time.perf_counter()
    with console.status("generating a synthetic platform (benign words, invented code words)…"):
        platform = generate(SynthConfig(accounts=options.accounts, seed=options.seed))
        export_dir = write_export(platform, work / "export")
    console.print(
        f"synthetic platform [bold]{platform.config.platform}[/bold]: {len(platform.accounts):,} accounts, "
        f"{len(platform.follow_src):,} follows, {len(platform.tables['posts']):,} posts → {export_dir}"
    )
    url = options.database_url or f"sqlite:///{(work / 'bastion-demo.db').resolve()}"
    ctx = DemoContext(options, console, Bastion.open(url), platform, export_dir, platform.truth)
    for title, step in steps():
        console.rule(title)
        t = time.perf_counter()
        step(ctx)
        console.print(f"[dim]{title}: {time.perf_counter() - t:.1f}s[/dim]")
    console.rule(f"done in {time.perf_counter() - started:.1f}s")
    return ctx
