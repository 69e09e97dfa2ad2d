"""Catch-up after live events (issue 17): time of ``Bastion.catchup`` after 100 new events next to a full
detection on the same data (term and media scans from scratch, then detection), measured in the same run.

    PYTHONPATH=src .venv/bin/python bench/catchup.py [--accounts 3000] [--rounds 3] [--events 100] [--db URL]

A synthetic platform (``bastion.synth``) with its code words as a lexicon and its known hashes as a list is
ingested from an export folder; each round first times the full path (scans marked stale, then ``bastion
detect``'s work), then stores ``--events`` live events (new accounts, follows into the planted networks and
elsewhere, posts with code words and known media, reports, searches) and times the catch-up in the same
process, as the service's leader runs it: detection there patches the tables its last run read with the
rows the events changed instead of reading the platform again. Prints each phase and the ratios full /
catch-up and detection alone / catch-up (median of the rounds; target: catch-up cheaper than detection
alone), and what the catch-up did (region, outcome).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from bastion.ingest import Ingestor
from bastion.media.banks import parse_records
from bastion.media.repository import BankRepository
from bastion.store import Store
from bastion.store.tables import scan_state
from bastion.synth import SynthConfig, SyntheticPlatform, generate, write_export
from bastion.system import Bastion
from bastion.terms.lexicon import parse_lexicon_csv
from bastion.terms.repository import LexiconRepository

AT = "2026-03-01T12:00:00Z"


def setup(accounts: int, db: str | None, work: Path) -> tuple[Bastion, SyntheticPlatform]:
    platform = generate(SynthConfig(accounts=accounts, seed=7))
    write_export(platform, work / "export", fmt="csv")
    store = Store(db or f"sqlite:///{work}/bench.db")
    Ingestor(store).ingest(work / "export")
    lexicon = work / "lexicon.csv"
    rows = "".join(f"{w},network_code,critical\n" for w in platform.truth.code_words)
    lexicon.write_text("term,category,severity\n" + rows, encoding="utf-8")
    LexiconRepository(store).import_lexicon(parse_lexicon_csv(lexicon, name="bench"), by="bench")
    known = platform.truth.known_hashes
    records = [{"type": k["type"], "value": k["value"], "list": "known", "note": k["note"]} for k in known]
    BankRepository(store, work / "index").import_records(list(parse_records(records)), by="bench")
    return Bastion(store=store), platform


def events(
    platform: SyntheticPlatform, round_no: int, count: int, rng: random.Random
) -> list[dict[str, Any]]:
    """``count`` events: a quarter new accounts (some bios with a code word), the rest follows from them
    (into planted sellers and ordinary accounts), posts, reports and searches."""
    sellers = platform.truth.members("seller")
    ordinary = [a["account_id"] for a in platform.accounts[:500]]
    words = platform.truth.code_words
    known = platform.truth.known_hashes[0]
    out: list[dict[str, Any]] = []
    new = [f"live-{round_no}-{i}" for i in range(count // 4)]
    for i, a in enumerate(new):
        bio = f"all about {words[i % len(words)]}" if i % 3 == 0 else "birds and weather"
        out.append({"table": "accounts", "row": {"account_id": a, "created_at": AT, "bio": bio}})
    while len(out) < count:
        a = rng.choice(new)
        kind = rng.random()
        if kind < 0.5:
            to = rng.choice(sellers if rng.random() < 0.3 else ordinary)
            row: dict[str, Any] = {"follower_id": a, "followee_id": to, "created_at": AT}
            out.append({"table": "follows", "row": row})
        elif kind < 0.75:
            post = {"post_id": f"p-{a}-{len(out)}", "account_id": a, "created_at": AT, "hashtags": ""}
            if rng.random() < 0.3:
                post["media"] = [{"media_id": "m1", known["type"]: known["value"]}]
            else:
                post["text"] = f"look {words[0]}" if rng.random() < 0.3 else "lovely day"
            out.append({"table": "posts", "row": post})
        elif kind < 0.9:
            target = rng.choice(sellers)
            report = {"report_id": f"r-{a}-{len(out)}", "reporter_id": a, "target_type": "account",
                      "target_id": target, "reason": "other", "created_at": AT}  # fmt: skip
            out.append({"table": "reports", "row": report})
        else:
            row = {"account_id": a, "created_at": AT, "query": rng.choice([*words, "weather"])}
            out.append({"table": "searches", "row": row})
    return [{"event_id": f"e-{round_no}-{i}", **e} for i, e in enumerate(out)]


def timed(step: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = step()
    return time.perf_counter() - t, out


def full_path(b: Bastion, name: str) -> tuple[float, float]:
    """What a detection from scratch costs (both scans stale, then refresh and detect), and detection
    alone on current scans (the part catch-up cannot skip: loading and scoring the whole platform)."""
    with b.store.engine.begin() as conn:
        conn.execute(delete(scan_state).where(scan_state.c.capability.in_(["terms", "media"])))
    scratch, _ = timed(lambda: b.graph.detect(name))
    alone, _ = timed(lambda: b.graph.detect(name, refresh=False))
    return scratch, alone


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--db", default=None, help="a database URL (default: SQLite in a temporary folder)")
    args = ap.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        b, platform = setup(args.accounts, args.db, Path(tmp))
        name = platform.truth.platform
        b.catchup(name)  # the first one is a full run, and triage places the export's reports
        log = b.ingest.events
        fulls, alones, catchups, scan_parts = [], [], [], []
        for r in range(args.rounds):
            scratch, alone = full_path(b, name)
            fulls.append(scratch)
            alones.append(alone)
            prepared, rejected = log.validate(events(platform, r, args.events, rng), name)
            assert not rejected, [x.as_json() for x in rejected[:3]]
            log.store(name, prepared)
            scans, _ = timed(lambda: b.refresh(name, before="graph"))  # the scans' share, timed apart
            rest, done = timed(lambda: b.catchup(name))  # detection and triage (the scans are current)
            seconds = scans + rest
            catchups.append(seconds)
            scan_parts.append(scans)
            n = len(prepared)
            print(
                f"round {r + 1}: full {scratch:.2f} s (detection alone {alone:.2f} s), "
                f"catch-up after {n} events {seconds:.2f} s (scans {scans:.2f} s)"
            )
            for line in done.lines():
                print(f"    {line}")
        full, inc, alone = statistics.median(fulls), statistics.median(catchups), statistics.median(alones)
        print(f"accounts {args.accounts}, {args.events} events a round, {args.rounds} rounds (medians)")
        print(f"full detection (scans from scratch + detect): {full:.2f} s")
        print(f"detection alone on current scans (load + score + store): {alone:.2f} s")
        print(f"catch-up (incremental scans + detection catch-up + triage): {inc:.2f} s")
        print(f"  of which the incremental scans: {statistics.median(scan_parts):.2f} s")
        print(f"ratio full / catch-up: {full / inc:.2f}x; detection alone / catch-up: {alone / inc:.2f}x")
        b.close()


if __name__ == "__main__":
    main()
