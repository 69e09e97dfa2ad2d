"""``python -m bastion`` is the installed command line."""

from __future__ import annotations

import subprocess
import sys


def test_python_m_bastion_is_the_command_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bastion", "--help"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "Usage: bastion" in out.stdout and "detect" in out.stdout
