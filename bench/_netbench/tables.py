"""bench/networks.py's tables of detection quality: each planted world's figures next to issue 12's targets,
which planted networks each detected network holds, the reliability bands, and the clean graphs."""

from __future__ import annotations

from _netbench.metrics import (
    BUYER_RECALL,
    CLEAN_FLAGGED_MAX,
    CLEAN_NETWORK_MAX,
    FLAGGED_RATIO_MAX,
    MERGE_CORE,
    R_PREC,
    ROLE_ACC,
    SELLER_RECALL,
    Band,
    Clean,
    Quality,
    kinds_text,
    mark,
    sizes_text,
)


def _cell(value: float, ok: bool, fmt: str = "{:.3f}") -> str:
    return f"{fmt.format(value)} {mark(ok)}"


def print_quality(rows: list[tuple[str, str, Quality]]) -> None:
    print(
        f"\n| graph | mode | planted | R-prec (>= {R_PREC}) | sellerR@2x (>= {SELLER_RECALL}) | "
        f"buyerR@2x (>= {BUYER_RECALL}) | roleAcc (>= {ROLE_ACC}) | "
        f"flagged / planted (<= {FLAGGED_RATIO_MAX}x) "
        "| networks: sizes | separate | Brier | calibration | flagged non-members | PPR alone R-prec |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for g, mode, q in rows:
        v = q.verdicts()
        strays = f" ({q.strays} stray)" if q.strays else ""
        sep = f"{q.merged} merged{strays} {mark(v['separate'])}"
        print(
            f"| {g} | {mode} | {q.planted} | {_cell(q.r_prec, v['R-prec'])} | "
            f"{_cell(q.seller_recall, v['sellerR@2x'])} | {_cell(q.buyer_recall, v['buyerR@2x'])} | "
            f"{_cell(q.role_acc, v['roleAcc'])} | "
            f"{q.flagged} = {_cell(q.ratio, v['flagged/planted'], '{:.2f}x')} | "
            f"{len(q.sizes)}: {sizes_text(q.sizes)} | {sep} | {q.brier:.4f} | "
            f"{_bands(q)} {mark(q.calibrated)} | "
            f"{kinds_text(q.false_kinds)} | {'-' if q.ppr_r_prec is None else f'{q.ppr_r_prec:.3f}'} |"
        )


def _bands(q: Quality) -> str:
    off, over = q.bands_off
    return "no band off" if not off else f"{off} off, {over} over-confident"


def print_networks(rows: list[tuple[str, str, Quality]]) -> None:
    """Which planted networks each detected network holds (largest detected first), and the splits."""
    print(
        "\nseparate networks: detected network = size [planted network: members] purity; planted network ->"
    )
    print(
        "detected networks holding its members (share of it flagged); fewer than "
        f"{MERGE_CORE} members of a planted network in a network led by another are strays, not a merge"
    )
    for g, mode, q in rows:
        holding = [x for x in q.composition if x[1]]
        dets = "; ".join(
            f"{size} [{', '.join(f'n{k}:{v}' for k, v in sorted(c.items()))}] {pur:.2f}"
            for size, c, pur in holding
        )
        empty = [size for size, c, _ in q.composition if not c]
        rest = f"; + {len(empty)} with no planted member ({sizes_text(empty)})" if empty else ""
        splits = ", ".join(f"n{k} -> {h} ({s:.0%})" for k, (h, s) in sorted(q.splits.items()))
        print(f"- {g} / {mode}: {dets or 'no planted member found'}{rest} | {splits}")


def print_reliability(rows: list[tuple[str, str, Quality]]) -> None:
    print(
        "\nreliability (score band: accounts / mean score / observed share of planted members; "
        "OFF = >= 20 accounts and off by more than 0.1: over, scores above the observed share; under, below)"
    )
    for g, mode, q in rows:
        bands = "  ".join(
            f"[{b.lo:.1f}: {b.count} / {b.predicted:.2f} / {b.observed:.2f}{_off(b)}]" for b in q.bands
        )
        print(f"- {g} / {mode}: Brier {q.brier:.4f}  {bands}")


def _off(b: Band) -> str:
    return "" if not b.miss else (" OFF over" if b.over else " OFF under")


def print_clean(cleans: list[tuple[str, str, Clean]]) -> None:
    print(
        f"\nclean graphs (no network; innocent community, new cohort, curious searchers and noise kept)\n"
        f"| graph | seeds | accounts | flagged (<= {CLEAN_FLAGGED_MAX:.1%}) | largest network "
        f"(<= {CLEAN_NETWORK_MAX}) | networks: sizes | flagged by kind |"
    )
    print("|---|---|---|---|---|---|---|")
    for g, mode, c in cleans:
        share = _cell(c.share, c.share <= CLEAN_FLAGGED_MAX, "{:.2%}")
        largest = _cell(c.largest, c.largest <= CLEAN_NETWORK_MAX, "{:d}")
        print(
            f"| {g} | {mode} | {c.accounts:,} | {c.flagged} = {share} | {largest} | "
            f"{len(c.sizes)}: {sizes_text(c.sizes)} | {kinds_text(c.kinds)} |"
        )
