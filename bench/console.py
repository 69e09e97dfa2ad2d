"""How fast the console opens a 150-member network case on demo-sized data, next to the JSON API's answer
for the same case (which reads the case, not its evidence) as the baseline.

    .venv/bin/python bench/console.py [--accounts 4000] [--members 150] [--runs 30]

A synthetic platform the demo's size is generated and ingested into a fresh SQLite file; 150 of its accounts
are made one network (seller, facilitator, buyer and member roles, hash matches on a few sellers' media) and
reported, so triage opens one network case. A lead holds it while the script times, through the ASGI app in
process (no network): the case page (evidence, 50-member table, network drawing, history, enforcement state;
each load also writes its audit row), the decision preview for 'violating', a member page, and
``GET /v1/cases/{id}``. Printed: median and p95 per request, the ratio to the API, and whether the page's p95
is under the 300 ms target.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

TARGET_MS = 300.0
ROLES = ("seller", "facilitator", "buyer", "buyer", "member")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=4_000)
    ap.add_argument("--members", type=int, default=150)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    os.environ.setdefault("BASTION_ENV", "development")

    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from bastion.api.service import create_app
    from bastion.core.timefmt import utcnow
    from bastion.review.intake import ReportIn, store_reports
    from bastion.store.tables import media, posts, signals
    from bastion.store.tables_review import review_cases
    from bastion.synth import SynthConfig, generate, write_export
    from bastion.system import Bastion

    work = Path(tempfile.mkdtemp(prefix="bastion-bench-console-"))
    t = time.perf_counter()
    synthetic = generate(SynthConfig(accounts=args.accounts, seed=7))
    export = write_export(synthetic, work / "export")
    system = Bastion.open(f"sqlite:///{work / 'bench.db'}")
    system.ingest.ingest(export)
    platform = synthetic.config.platform
    print(f"{args.accounts:,} accounts generated and ingested in {time.perf_counter() - t:.1f}s")

    with system.store.engine.begin() as conn:
        posting = select(posts.c.account_id).where(posts.c.platform == platform).distinct()
        members = sorted(conn.scalars(posting))[: args.members]
        now = utcnow()
        conn.execute(
            signals.insert(),
            [
                {
                    "platform": platform,
                    "entity_type": "account",
                    "entity_id": a,
                    "kind": "network_member",
                    "source": "graph",
                    "key": "bench",
                    "score": round(0.99 - i * 0.003, 3),
                    "created_at": now,
                    "evidence": {"network_id": "bench-net", "role": ROLES[i % len(ROLES)], "run_id": 0},
                }
                for i, a in enumerate(members)
            ],
        )
        sellers = [a for i, a in enumerate(members) if ROLES[i % len(ROLES)] == "seller"]
        items = conn.execute(
            select(media.c.post_id, media.c.media_id, posts.c.account_id)
            .join(posts, (posts.c.platform == media.c.platform) & (posts.c.post_id == media.c.post_id))
            .where(media.c.platform == platform, posts.c.account_id.in_(sellers))
            .limit(12)
        ).all()
        for n, m in enumerate(items):
            conn.execute(
                signals.insert().values(
                    platform=platform,
                    entity_type="account",
                    entity_id=m.account_id,
                    kind="hash_match",
                    source="media",
                    key=f"bench:{m.post_id}:{m.media_id}",
                    score=1.0,
                    created_at=now,
                    evidence={"post_id": m.post_id, "media_id": m.media_id, "list": "bench", "entry_id": n},
                )
            )
    review = system.review
    reports = [
        ReportIn.model_validate(
            {
                "platform": platform,
                "report_id": f"bench-{i}",
                "reporter_id": f"reporter-{i}",
                "target_type": "account",
                "target_id": s,
                "reason": "child_safety",
                "created_at": utcnow().isoformat(),
            }
        )
        for i, s in enumerate(sellers[:5])
    ]
    store_reports(review.intake_engine, reports)
    review.triage()
    review.auth.add_user("bench-lead", "lead", "bench-password-0123")

    with TestClient(create_app(system, start_workers=False), base_url="http://127.0.0.1") as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        client.post(
            "/login",
            data={"name": "bench-lead", "password": "bench-password-0123", "csrf_token": token.group(1)},
        )
        csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/queues").text)
        assert csrf is not None
        with system.store.engine.connect() as conn:
            case_id = conn.execute(
                select(review_cases.c.case_id).where(
                    review_cases.c.group_type == "network", review_cases.c.group_id == "bench-net"
                )
            ).scalar_one()
        client.post(f"/cases/{case_id}/claim", data={"csrf_token": csrf.group(1)})
        page = client.get(f"/cases/{case_id}").text
        shown = re.search(r"Members 1–50 of (\d+)", page)
        print(f"case {case_id}: network of {shown.group(1) if shown else '?'} members")
        routes = {
            "case page (HTML)": f"/cases/{case_id}",
            "decision preview": f"/cases/{case_id}/preview?outcome=violating",
            "member page 3 by role": f"/cases/{case_id}/members?sort=role&page=3",
            "baseline: GET /v1/cases/{id}": f"/v1/cases/{case_id}",
        }
        timings: dict[str, list[float]] = {name: [] for name in routes}
        for _ in range(3):
            for url in routes.values():
                assert client.get(url).status_code == 200, url
        for _ in range(args.runs):
            for name, url in routes.items():
                t = time.perf_counter()
                client.get(url)
                timings[name].append((time.perf_counter() - t) * 1000)
    system.close()

    base = statistics.median(timings["baseline: GET /v1/cases/{id}"])
    print(f"{'request':32} {'median ms':>10} {'p95 ms':>8} {'× API':>7}")
    for name, values in timings.items():
        values.sort()
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        median = statistics.median(values)
        print(f"{name:32} {median:10.1f} {p95:8.1f} {median / base:7.1f}")
    page_p95 = sorted(timings["case page (HTML)"])[min(args.runs - 1, int(0.95 * args.runs))]
    verdict = "met" if page_p95 < TARGET_MS else "MISSED"
    print(f"target: case page p95 under {TARGET_MS:.0f} ms: {verdict} ({page_p95:.0f} ms)")


if __name__ == "__main__":
    main()
