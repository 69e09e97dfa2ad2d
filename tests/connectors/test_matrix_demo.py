"""``bastion demo --matrix`` run as a user runs it (a new process, the real CLI), against a real Synapse:
every step it shows must happen on the homeserver, and without Synapse it must say how to install it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import bastion
from bastion.connectors.synapse.devserver import synapse_python

SOURCE = Path(bastion.__file__).resolve().parents[1]
LAUNCH = "from bastion.cli.main import app; app()"


def run_demo(workdir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {"PYTHONPATH": str(SOURCE), "COLUMNS": "200", "BASTION_ENV": "development"}
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, "demo", "--matrix", "--workdir", str(workdir)],
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.skipif(synapse_python() is None, reason="Synapse is not installed: run scripts/setup-synapse.sh")
def test_the_matrix_demo_shows_each_step_happening_on_a_real_homeserver(tmp_path: Path) -> None:
    done = run_demo(tmp_path / "demo")
    out = " ".join(done.stdout.split())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "@alice uploads listed.png → HTTP 400" in out
    assert "@alice uploads another picture → HTTP 200, stored as mxc://localhost/" in out
    assert '@alice sends "meet me at the b1uef1nch place" → HTTP 403; she sees:' in out
    assert "Not sent: this server does not allow that word." in out
    assert "in the review queue" in out and "after Bob pressed Report" in out
    assert "@seller1:localhost: deactivated, 1 of 1 uploaded file(s) quarantined" in out
    assert "@helper1:localhost: deactivated, 1 of 1 uploaded file(s) quarantined" in out
    assert "@bob now sees @seller1's offer as message deleted (redacted)" in out
    assert out.count("✓ done") == 4 and "✗" not in out
    assert not (tmp_path / "demo" / "homeserver" / "homeserver.pid").exists()  # Synapse was stopped


def test_without_synapse_the_demo_says_how_to_install_it(tmp_path: Path) -> None:
    done = run_demo(tmp_path / "demo", BASTION_SYNAPSE_PYTHON=str(tmp_path / "no-such-python"))
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode != 0
    assert "Matrix Synapse is not installed" in said and "scripts/setup-synapse.sh" in said
    assert "Traceback" not in said
