"""Ban-evasion benchmark: re-created sellers in a later export of a synthetic platform.

Generates a platform, ingests it, takes down its planted networks (network_member signals written from the
ground truth), builds a later export in which every seller is disabled and comes back under a new account
(similar names, same link hub, some followers re-following, reused files) beside benign new accounts, ingests
it and runs ``scan_evasion``. Baseline, measured in the same run: linking each new account to the disabled
account with the most similar username (>= 0.8), the obvious rule a moderator would try first.

    .venv/bin/python bench/evasion.py [--size 4000] [--seed 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bastion.enforce.evasion import name_similarity  # noqa: E402
from bastion.enforce.evasion_store import scan_evasion  # noqa: E402
from bastion.enforce.model import Decision  # noqa: E402
from bastion.enforce.takedown import Takedowns  # noqa: E402
from bastion.ingest import Ingestor  # noqa: E402
from bastion.store import Store  # noqa: E402
from bastion.synth import SynthConfig, generate, write_export  # noqa: E402
from enforce.recreate import later_export  # noqa: E402
from enforce.world import plant_networks  # noqa: E402

RECALL_TARGET = 0.90
FALSE_LINK_TARGET = 0.02


def _score(found: dict[str, str], recreated: dict[str, str]) -> tuple[float, float, int]:
    right = sum(recreated.get(a) == o for a, o in found.items())
    wrong = len(found) - right
    return right / max(1, len(recreated)), wrong / max(1, len(found)), wrong


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=4_000)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        platform = generate(SynthConfig(accounts=args.size, seed=args.seed))
        store = Store(f"sqlite:///{work / 'bench.db'}")
        Ingestor(store).ingest(write_export(platform, work / "export"))
        networks = plant_networks(store, platform)
        later = later_export(platform, work / "later", seed=args.seed + 1)
        for n in networks:
            Takedowns(store).apply(n, Decision("bench", "takedown", "CS-1", at=later.decided_at))
        Ingestor(store).ingest(later.folder)

        t0 = time.perf_counter()
        found = {m.account_id: m.original_account_id for m in scan_evasion(store, platform.truth.platform)}
        ours_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        by_id = {a["account_id"]: a for a in platform.accounts}
        originals = [(s, by_id[s]["username"]) for s in platform.truth.members("seller")]
        new = list(later.recreated) + later.benign
        names = {a: n for a, n in _usernames(store, platform.truth.platform, new).items()}
        baseline: dict[str, str] = {}
        for a in new:
            best = max(originals, key=lambda o: name_similarity(names[a], o[1]))
            if name_similarity(names[a], best[1]) >= 0.8:
                baseline[a] = best[0]
        base_s = time.perf_counter() - t0
    recall, false_share, wrong = _score(found, later.recreated)
    b_recall, b_false, b_wrong = _score(baseline, later.recreated)
    benign_share = wrong / max(1, len(later.benign))
    met_recall = "MET" if recall >= RECALL_TARGET else "NOT MET"
    met_false = "MET" if false_share < FALSE_LINK_TARGET else "NOT MET"
    print(
        f"platform: {args.size:,} accounts; {len(later.recreated)} re-created sellers, "
        f"{len(later.benign)} benign new accounts"
    )
    print(
        f"evasion scan: recall {recall:.1%} ({len(found) - wrong}/{len(later.recreated)}), false links "
        f"{false_share:.2%} ({wrong} of {len(found)} links; {benign_share:.2%} of benign accounts)"
    )
    print(
        f"baseline (username similarity >= 0.8): recall {b_recall:.1%}, "
        f"false links {b_false:.2%} ({b_wrong} of {len(baseline)})"
    )
    print(
        f"ratio vs baseline: recall x{recall / max(b_recall, 1e-9):.2f}, "
        f"false-link share x{false_share / max(b_false, 1e-9):.2f}, time x{ours_s / max(base_s, 1e-9):.1f} "
        f"({ours_s:.2f}s vs {base_s:.2f}s, including loading from the database)"
    )
    print(f"target recall >= {RECALL_TARGET:.0%}: {met_recall}")
    print(f"target false links < {FALSE_LINK_TARGET:.0%}: {met_false}")


def _usernames(store: Store, platform: str, ids: list[str]) -> dict[str, str]:
    from sqlalchemy import select

    from bastion.store.tables import accounts

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(accounts.c.account_id, accounts.c.username).where(accounts.c.platform == platform)
        )
        wanted = set(ids)
        return {a: u or "" for a, u in rows if a in wanted}


if __name__ == "__main__":
    main()
