"""The term guard's commands on a fresh Typer app (the lead wires them into ``bastion``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bastion.cli import terms_cmd
from bastion.store import Store
from bastion.store import tables as t

LEX = "term,category,severity,match,note\nbluefinch,cat_block,critical,,\nblue,cat_low,1,,collides\n"


@pytest.fixture
def app() -> typer.Typer:
    a = typer.Typer()
    terms_cmd.register(a)
    return a


def _seed(store: Store) -> None:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    with store.engine.begin() as conn:
        conn.execute(t.platforms.insert(), [{"name": "p", "first_seen_at": t0}])
        conn.execute(
            t.accounts.insert(),
            [
                {"platform": "p", "account_id": a, "created_at": t0, "username": u}
                for a, u in [("a1", "b1uefinch"), ("a2", "gardener")]
            ],
        )
        conn.execute(
            t.posts.insert(),
            [
                {
                    "platform": "p",
                    "post_id": f"x{i}",
                    "account_id": "a1",
                    "created_at": t0,
                    "text": "hi",
                    "hashtags": "bluefinch;finchblu",
                }
                for i in range(4)
            ],
        )
        conn.execute(
            t.searches.insert(),
            [
                {"platform": "p", "account_id": "a2", "created_at": t0 + timedelta(minutes=i), "query": q}
                for i, q in enumerate(["b.l.u.e.f.i.n.c.h", "finchblu"])
            ],
        )


def test_lexicon_lifecycle_scan_and_discovery(app: typer.Typer, store: Store, tmp_path: Path) -> None:
    run = CliRunner()
    db = ["--db", store.url]
    path = tmp_path / "partner.csv"
    path.write_text(LEX, encoding="utf-8")
    r = run.invoke(app, ["lexicon", "import", str(path), "--by", "ana", "--lint-words", "5000", *db])
    assert r.exit_code == 0, r.output
    assert "2 added" in r.output and "'blue'" in r.output and "ordinary words" in r.output
    r = run.invoke(app, ["lexicon", "list", *db])
    assert "partner" in r.output and r.exit_code == 0
    r = run.invoke(app, ["lexicon", "remove", "partner", "blue", "--by", "ben", *db])
    assert r.exit_code == 0
    r = run.invoke(app, ["lexicon", "show", "partner", "--history", *db])
    assert "ben" in r.output and "bluefinch" in r.output
    assert run.invoke(app, ["lexicon", "remove", "partner", "blue", *db]).exit_code == 1

    _seed(store)
    r = run.invoke(app, ["scan", "terms", *db])
    assert r.exit_code == 0, r.output
    assert "blocked_search" in r.output and store.signals.count("term_match") > 0
    assert [s.entity_id for s in store.signals.of_kind("blocked_search")] == ["a2"]
    r = run.invoke(app, ["terms", "discover", "--top", "5", *db])
    assert r.exit_code == 0 and "finchblu" in r.output, r.output
    r = run.invoke(app, ["terms", "reject", "finchblu", *db])
    assert r.exit_code == 0
    assert "finchblu" not in run.invoke(app, ["terms", "discover", *db]).output
    r = run.invoke(
        app,
        [
            "terms",
            "accept",
            "finchblu",
            "--lexicon",
            "own",
            "--category",
            "cat_block",
            "--severity",
            "4",
            *db,
        ],
    )
    assert r.exit_code == 0, r.output
    r = run.invoke(app, ["guard", "search", "f1nchblu", "--viewer", "a2", *db])
    assert r.exit_code == 0 and "block" in r.output and "bypass" not in r.output.lower()
    r = run.invoke(app, ["guard", "search", "weather", *db])
    assert "allow" in r.output


def test_bad_lexicon_names_file_line_and_field(app: typer.Typer, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("term,category,severity\nbluefinch,cat,urgent\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["lexicon", "import", str(path), "--lint-words", "0", "--db", store.url])
    assert r.exit_code == 2
    assert "bad.csv" in r.output and "line 2" in r.output and "severity" in r.output


def test_match_reads_stdin_writes_json_lines_in_order(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text(LEX, encoding="utf-8")
    texts = ["nothing here", "a ｂｌｕｅｆｉｎｃｈ sighting", "", "B.L.U.E.F.I.N.C.H and blue"] * 300
    r = CliRunner().invoke(app, ["terms", "match", "--lexicon", str(path)], input="\n".join(texts) + "\n")
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["text"] for row in rows] == texts
    assert rows[0]["matches"] == [] and rows[2]["matches"] == []
    m = rows[1]["matches"][0]
    assert m["term"] == "bluefinch" and texts[1][m["start"] : m["end"]] == "ｂｌｕｅｆｉｎｃｈ"
    assert m["evasions"] == ["fullwidth"] and m["severity"] == "critical" and m["category"] == "cat_block"
    assert {x["term"] for x in rows[3]["matches"]} == {"bluefinch", "blue"}
    assert set(m) >= {"term", "category", "severity", "start", "end", "evasions"}
