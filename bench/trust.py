"""Reports as evidence on a real signed trust network, read through the export, ingest and loader path.

    .venv/bin/python bench/trust.py PATH [--raters 3] [--seed 5] [--verdicts 50,200] [--plant]

PATH is a signed trust network in SNAP's form (``source,target,rating,time`` a line, rating -10..10, time
in Unix seconds; a header line and a ``.gz`` file are both read): Bitcoin Alpha and Bitcoin OTC
(soc-sign-bitcoinalpha.csv, soc-sign-bitcoinotc.csv) are such networks. Nothing of it is committed (give the
path). The benchmark's own reports-only worlds (bench/networks.py) plant disputes and grudge reporters into
graphs that have neither; here both are the platform's own.

Each rating becomes what a trading platform would export: a positive rating a follow, a negative one a
report (reason "fraud") on the account, at the rating's time; an account is created a day before its first
rating. The export is ingested into a fresh SQLite database and loaded as ``bastion detect`` loads it.

Printed, against the plain share of negative ratings each account received (reporters / (reporters +
followers), unweighted; issue 12's baseline, which ranked at 0.99 where detection once ranked at chance):
- AUC of the detection score for labels read off the ratings themselves (an account whose mean rating is
  negative; whose ratings are mostly negative; rated negative overall by three or more), over all accounts;
  the plain share is nearly these labels, so it is their ceiling;
- AUC among the accounts a heavy rater rated strongly (-5 or below: bad; +5 or above: good), as REV2-style
  ground truth is built from a platform's trusted raters, for the ``--raters`` raters with the most strong
  negative ratings, each with that rater's own ratings left out of the platform (else the labels are in the
  input);
- with ``--verdicts``, the same AUC after reviewers judged the top-ranked accounts of that run (50 and
  200 by default), each as a reviewer reading its ratings would (violating where most of them are
  negative): once as ``bastion detect`` reads the verdicts by themselves (reporters' track records: a
  reporter whose reports were borne out is no mass reporter, one whose reports were rejected counts less)
  and once with the weights re-fitted on them as ``bastion weights fit`` does (``learn.fit_weights``, read
  against the unjudged accounts). The heavy rater's labels stay out of it: its ratings are not in the
  platform the reviewers read;
- accounts flagged (score >= 0.5) and networks, seedless and with ``--seeds`` accounts no label calls bad
  given as seeds (wrongly reported);
- the clean run: every rating as a follow, no reports, the same wrong seeds: accounts flagged (issue 12:
  at most 0.1%) and the largest network (at most 5);
- with ``--plant``, the network as another substrate: its rated pairs (either way, each once) become the
  friendships bench/networks.py plants its worlds into, and a default world (a network of about 2.5% of
  the accounts) and every shape are planted at the held-out plant seeds, seeded and seedless, and judged by
  issue 12's targets as that benchmark's held-out table is.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from _netbench.heldout import measure, print_heldout
from _netbench.metrics import CLEAN_FLAGGED_MAX, CLEAN_NETWORK_MAX, mark
from _netbench.reports import AUC_SLACK, near_plain
from _netbench.worlds import sized_world
from bastion.core.errors import InputError
from bastion.core.model import EntityType, Signal
from bastion.graph import detect
from bastion.graph.container import AccountGraph
from bastion.graph.learn import Background, fit_weights
from bastion.graph.load import load_platform
from bastion.graph.model import Weights
from bastion.graph.pipeline import Detection
from bastion.graph.plant_reports import auc, plain_share
from bastion.ingest import Ingestor
from bastion.review import VERDICT
from bastion.store import Store

Rating = tuple[str, str, int, int]
DAY = 86_400
#: A rating this strong either way is a rater's verdict on the account (REV2's ground truth: +-0.5 of 1).
STRONG = 5
#: A heavy rater's labels are read only with this many strong ratings each way.
MIN_SIDE = 5

LABELS: dict[str, Callable[[list[int]], bool]] = {
    "mean rating < 0": lambda rs: sum(rs) < 0,
    "mostly negative": lambda rs: sum(r < 0 for r in rs) * 2 > len(rs),
    "net negative, 3+ raters": lambda rs: len(rs) >= 3 and sum(rs) < 0,
}


def read_ratings(path: Path) -> list[Rating]:
    opener = gzip.open if path.suffix == ".gz" else open
    out = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line_no, row in enumerate(csv.reader(f), start=1):
            if not row or not row[0].strip().lstrip("-").isdigit():
                continue  # the header
            try:
                src, dst, rating, t = row[0], row[1], int(row[2]), int(float(row[3]))
            except (IndexError, ValueError) as exc:
                raise SystemExit(f"{path}:{line_no}: not source,target,rating,time ({exc})") from exc
            out.append((src, dst, rating, t))
    return out


def platform_of(
    ratings: list[Rating], name: str, reports: bool, verdicts: Mapping[str, bool] | None = None
) -> AccountGraph:
    """The ratings as a platform export, ingested and loaded (``reports``: negative ratings as reports,
    else every rating a follow), with reviewers' ``verdicts`` (account -> violating) stored as review
    stores them."""
    first: dict[str, int] = {}
    for s, d, _, t in ratings:
        first[s], first[d] = min(first.get(s, t), t), min(first.get(d, t), t)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        folder.mkdir()
        end = max(t for *_, t in ratings)
        (folder / "platform.json").write_text(f'{{"platform": "{name}", "exported_at": "{_iso(end + DAY)}"}}')
        _write(
            folder / "accounts.csv",
            ["account_id", "created_at"],
            ((a, _iso(t - DAY)) for a, t in first.items()),
        )
        follows = ((s, d, _iso(t)) for s, d, r, t in ratings if r > 0 or not reports)
        _write(folder / "follows.csv", ["follower_id", "followee_id", "created_at"], follows)
        if reports:
            rows = (
                (f"r{k}", s, "account", d, "fraud", _iso(t))
                for k, (s, d, r, t) in enumerate(ratings)
                if r < 0
            )
            _write(
                folder / "reports.csv",
                ["report_id", "reporter_id", "target_type", "target_id", "reason", "created_at"],
                rows,
            )
        store = Store(f"sqlite:///{tmp}/trust.db")
        Ingestor(store).ingest(folder)
        if verdicts:
            at = datetime.fromtimestamp(end + DAY, UTC)
            store.signals.add(
                Signal(name, EntityType.ACCOUNT, a, VERDICT, "bench", float(v), key=a, created_at=at)
                for a, v in sorted(verdicts.items())
            )
        graph = load_platform(store, name).graph
        store.engine.dispose()
    return graph


def _iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(path: Path, header: list[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def ratings_received(ratings: list[Rating]) -> dict[str, list[int]]:
    """Each rated account's ratings."""
    out: dict[str, list[int]] = defaultdict(list)
    for _, d, r, _ in ratings:
        out[d].append(r)
    return out


def with_verdicts(
    ratings: list[Rating],
    name: str,
    graph: AccountGraph,
    run: Detection,
    budget: int,
    idx: np.ndarray,
    truth: np.ndarray,
) -> str:
    """AUC on the labelled accounts ``idx`` after reviewers judged ``run``'s top ``budget`` accounts
    (violating where most of their ratings are negative): the verdicts read as reporters' track records,
    then also with the weights re-fitted on them. Judged accounts stay in the AUC: a verdict is no
    evidence for detection, only what it says of their reporters and of the weights."""
    received = ratings_received(ratings)
    chosen = [graph.ids[i] for i in np.argsort(-run.score, kind="stable")[:budget]]
    violating = [LABELS["mostly negative"](received[a]) for a in chosen]
    judged = platform_of(ratings, name, reports=True, verdicts=dict(zip(chosen, violating, strict=True)))
    top, idx = judged.indices(chosen), judged.indices([graph.ids[i] for i in idx])  # the same accounts
    records = detect(judged, [])
    unjudged = Background.sample(records.features, records.score, top)
    try:
        fit = fit_weights(
            {k: v[top] for k, v in records.features.items()},
            violating,
            Weights(),
            fitted_at="bench",
            background=unjudged,
        )
    except InputError:  # every judged account had one outcome: nothing to fit
        return f"{auc(records.score[idx], truth):.3f} / no fit"
    refit = detect(judged, [], weights=fit.weights)
    return f"{auc(records.score[idx], truth):.3f} / {auc(refit.score[idx], truth):.3f}"


def _near(got: float, plain: float) -> str:
    """The reports-only worlds' target (bench/networks.py), met or MISSED."""
    return mark(near_plain(got, plain))


def mask(graph: AccountGraph, accounts: set[str]) -> np.ndarray:
    out = np.zeros(graph.n, dtype=bool)
    out[graph.indices(accounts)] = True
    return out


def heavy_raters(ratings: list[Rating], k: int) -> list[str]:
    """The ``k`` raters with the most strong negative ratings among those with ``MIN_SIDE`` strong ratings
    either way (an AUC over one good account ranks nothing)."""
    bad: dict[str, int] = defaultdict(int)
    good: dict[str, int] = defaultdict(int)
    for s, _, r, _ in ratings:
        bad[s] += r <= -STRONG
        good[s] += r >= STRONG
    both = [s for s in bad if bad[s] >= MIN_SIDE and good[s] >= MIN_SIDE]
    return sorted(both, key=lambda s: (-bad[s], s))[:k]


def substrate(ratings: list[Rating]) -> tuple[np.ndarray, np.ndarray, int]:
    """The rated pairs, either way and each once, as bench/networks.py's undirected real graphs are."""
    ids: dict[str, int] = {}
    for s, d, *_ in ratings:
        ids.setdefault(s, len(ids))
        ids.setdefault(d, len(ids))
    pairs = np.array(sorted({(min(ids[s], ids[d]), max(ids[s], ids[d])) for s, d, *_ in ratings if s != d}))
    return pairs[:, 0], pairs[:, 1], len(ids)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path, help="signed trust network: source,target,rating,time a line")
    ap.add_argument("--raters", type=int, default=3, help="heavy raters whose strong ratings are labels")
    ap.add_argument("--seeds", type=int, default=5, help="accounts wrongly given as seeds")
    ap.add_argument("--seed", type=int, default=5, help="picks the wrong seeds")
    ap.add_argument("--plant", action="store_true", help="also plant the benchmark's worlds into it")
    ap.add_argument("--verdicts", default="50,200", help="verdict budgets for the heavy raters ('' for none)")
    args = ap.parse_args()
    ratings = read_ratings(args.path)
    name = args.path.name.split(".")[0]
    received = ratings_received(ratings)
    bad = {lab: {a for a, rs in received.items() if rule(rs)} for lab, rule in LABELS.items()}
    anyone_bad = set().union(*bad.values())
    accounts = sorted({a for s, d, *_ in ratings for a in (s, d)})
    wrong = random.Random(args.seed).sample([a for a in accounts if a not in anyone_bad], args.seeds)
    negative = sum(r < 0 for *_, r, _ in ratings)
    print(f"{name}: {len(accounts):,} accounts, {len(ratings):,} ratings ({negative:,} negative)")

    graph = platform_of(ratings, name, reports=True)
    plain = plain_share(graph)
    slack = f"(>= plain - {AUC_SLACK})"
    print(
        f"\n| labels | bad | AUC detection, no seeds {slack} | AUC detection, wrong seeds | AUC plain share |"
    )
    print("|---|---|---|---|---|")
    runs = {"no seeds": detect(graph, []), "wrong seeds": detect(graph, wrong)}
    for lab, who in bad.items():
        truth = mask(graph, who)
        base = auc(plain, truth)
        got = [auc(run.score, truth) for run in runs.values()]
        cells = " | ".join(f"{a:.3f} {_near(a, base)}" for a in got)
        print(f"| {lab} | {int(truth.sum())} | {cells} | {base:.3f} |")
    for mode, run in runs.items():
        hit = run.score >= 0.5
        sizes = sorted((len(n.members) for n in run.networks), reverse=True)
        print(f"{mode}: {int(hit.sum())} flagged, networks {sizes[:8]}")

    budgets = [int(b) for b in args.verdicts.split(",") if b.strip()]
    after = "".join(f" after {b} verdicts: records / + weights |" for b in budgets)
    head = f"heavy rater (own ratings left out) | good / bad rated | AUC detection {slack}"
    print(f"\n| {head} |{after} AUC plain share |")
    print("|---|---|---|" + "---|" * len(budgets) + "---|")
    for rater in heavy_raters(ratings, args.raters):
        rated = [(d, r) for s, d, r, _ in ratings if s == rater and abs(r) >= STRONG]
        rest = [x for x in ratings if x[0] != rater]
        g = platform_of(rest, f"{name}-without-{rater}", reports=True)
        idx = np.array([g.index[d] for d, _ in rated if d in g.index])
        truth = np.array([r < 0 for d, r in rated if d in g.index])
        run = detect(g, [])
        cells = [with_verdicts(rest, f"{name}-without-{rater}", g, run, b, idx, truth) for b in budgets]
        alone, base = auc(run.score[idx], truth), auc(plain_share(g)[idx], truth)
        print(
            f"| {rater} | {int((~truth).sum())} / {int(truth.sum())} | {alone:.3f} {_near(alone, base)} | "
            + "".join(f"{c} | " for c in cells)
            + f"{base:.3f} |"
        )

    clean = platform_of(ratings, f"{name}-clean", reports=False)
    found = detect(clean, wrong)
    flagged = int((found.score >= 0.5).sum())
    largest = max((len(n.members) for n in found.networks), default=0)
    ok = flagged <= CLEAN_FLAGGED_MAX * clean.n and largest <= CLEAN_NETWORK_MAX
    print(
        f"\nclean (every rating a follow, no reports, {len(wrong)} wrong seeds): {flagged} of {clean.n:,} "
        f"flagged, largest network {largest}: {'met' if ok else 'MISSED'}"
    )
    if args.plant:
        base = substrate(ratings)
        world = sized_world(base[2])
        print(f"\nplanted into {len(base[0]):,} rated pairs: {world.sellers} sellers, {world.buyers} buyers")
        print_heldout(measure(name, base, world))


if __name__ == "__main__":
    main()
