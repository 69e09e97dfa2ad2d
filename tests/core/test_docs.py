"""The README documents every command the CLI has (a new command without docs fails here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from bastion.cli.main import app

README = Path(__file__).resolve().parents[2] / "README.md"


def _commands(group: Any, prefix: str) -> list[str]:
    out = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group (typer's click or click's own)
            out.extend(_commands(command, f"{prefix} {name}"))
        else:
            out.append(f"{prefix} {name}")
    return out


def test_every_command_is_in_the_readme() -> None:
    root = typer.main.get_command(app)
    assert hasattr(root, "commands")
    text = README.read_text(encoding="utf-8")
    missing = []
    for command in _commands(root, "bastion"):
        words = command.split()
        # a group's commands may share one table row: "bastion lexicon list` / `show NAME`"
        if command not in text and not (
            len(words) > 2 and f"`{words[-1]}" in text and " ".join(words[:2]) in text
        ):
            missing.append(command)
    assert missing == []
