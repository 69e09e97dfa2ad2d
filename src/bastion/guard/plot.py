"""Exposure over time as a picture a trust-and-safety lead can paste into a report (PNG or SVG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bastion.core.errors import InputError
from bastion.guard.audit import ExposureAudit

FORMATS = (".png", ".svg")


def plot_exposure(audit: ExposureAudit, path: Path) -> Path:
    """Weekly impressions of each network (solid), the same replayed through the guard (dashed), and the
    share shown to minors; the format follows the file suffix."""
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"plot file must end in {' or '.join(FORMATS)}", file=str(path))
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    weeks = np.array(audit.weeks, dtype="datetime64[D]")
    for net, counts in audit.weekly_before.items():
        (line,) = ax.plot(weeks, counts, label=f"network {net}")
        after = audit.weekly_after[net]
        ax.plot(weeks, after, linestyle="--", color=line.get_color(), label=f"{net} with guard")
    ax.fill_between(weeks, audit.weekly_minor_before, alpha=0.25, color="tab:red", label="to minors")
    ax.plot(weeks, audit.weekly_minor_after, linestyle=":", color="tab:red", label="to minors with guard")
    ax.set_title(f"Recommendations of detected network members per week ({audit.platform})")
    ax.set_ylabel("impressions")
    ax.legend(loc="upper left", fontsize="small", ncols=2)
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
