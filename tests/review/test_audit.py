"""The keyed audit chain and its checkpoints catch every forgery a database writer can try: an edited row,
a chain re-hashed without the key, a deleted row, dropped last rows, an emptied log, a forged checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from bastion.review import audit
from bastion.review.audit_anchor import GENESIS, LEGACY, Anchorer, FileSink, audit_settings, load_anchors
from bastion.review.service import Review
from bastion.store.tables_review import review_audit, review_audit_head

WRONG_KEY = b"an-attacker-guess-of-the-key"


@pytest.fixture
def anchor_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "anchors" / "audit.jsonl"
    monkeypatch.setenv("BASTION_AUDIT_ANCHOR", str(path))
    return path


def _fill(review: Review, n: int = 5) -> None:
    for i in range(n):
        audit.record(review.engine, "ana", "case.view", f"case:{i}", {"via": "test", "i": i})


def _checkpoint(review: Review) -> None:
    assert Anchorer().checkpoint(review.engine) is not None


def _rehash_from(
    engine: Engine, start: int, key: bytes | None, scheme: str = "hmac-sha256", until: int = 10**9
) -> None:
    """What an attacker with database access does after an edit: recompute every later link and the head."""
    with engine.begin() as conn:
        prev = conn.execute(select(review_audit.c.hash).where(review_audit.c.seq == start - 1)).scalar()
        prev = prev or GENESIS
        rows = conn.execute(
            select(review_audit)
            .where(review_audit.c.seq >= start, review_audit.c.seq <= until)
            .order_by(review_audit.c.seq)
        )
        for r in rows.all():
            digest = audit.entry_hash(
                prev, r.seq, r.at.replace(microsecond=0), r.actor, r.action, r.subject, r.details, key
            )
            conn.execute(
                update(review_audit)
                .where(review_audit.c.seq == r.seq)
                .values(prev_hash=prev, hash=digest, scheme=scheme)
            )
            prev = digest
        if until >= 10**9:
            last = conn.execute(select(review_audit.c.seq).order_by(review_audit.c.seq.desc())).scalar()
            conn.execute(update(review_audit_head).values(seq=last or 0, hash=prev))


def test_intact_chain_verifies_and_is_keyed(review: Review, anchor_file: Path) -> None:
    _fill(review)
    _checkpoint(review)
    verdict = audit.verify(review.engine)
    assert verdict.ok and verdict.rows == 5 and verdict.anchored_seq == 5 and verdict.first_bad is None
    with review.engine.connect() as conn:
        assert set(conn.scalars(select(review_audit.c.scheme))) == {"hmac-sha256"}
    # the key matters: the same rows under another key do not verify
    assert not audit.verify(review.engine, key=WRONG_KEY).ok


def test_edited_row_is_detected(review: Review) -> None:
    _fill(review)
    with review.engine.begin() as conn:
        conn.execute(update(review_audit).where(review_audit.c.seq == 3).values(actor="mallory"))
    verdict = audit.verify(review.engine)
    assert not verdict.ok and verdict.first_bad == 3 and any("row 3" in p for p in verdict.problems)


@pytest.mark.parametrize("scheme", ["hmac-sha256", LEGACY])
def test_rehashed_chain_without_the_key_is_detected(review: Review, scheme: str) -> None:
    _fill(review)
    with review.engine.begin() as conn:
        conn.execute(update(review_audit).where(review_audit.c.seq == 3).values(actor="mallory"))
    _rehash_from(review.engine, 3, None if scheme == LEGACY else WRONG_KEY, scheme)
    verdict = audit.verify(review.engine)
    assert not verdict.ok and verdict.first_bad == 3, verdict


def test_whole_chain_rewritten_unkeyed_is_caught_by_the_checkpoint(review: Review, anchor_file: Path) -> None:
    _fill(review)
    _checkpoint(review)
    with review.engine.begin() as conn:
        conn.execute(update(review_audit).where(review_audit.c.seq == 2).values(subject="case:99"))
    _rehash_from(review.engine, 1, None, LEGACY)  # every row "from before the key", self-consistent
    verdict = audit.verify(review.engine)
    assert not verdict.ok and verdict.first_bad is not None and verdict.first_bad <= 2, verdict


def test_deleted_row_is_detected(review: Review) -> None:
    _fill(review)
    with review.engine.begin() as conn:
        conn.execute(delete(review_audit).where(review_audit.c.seq == 2))
    verdict = audit.verify(review.engine)
    assert verdict.first_bad == 2 and any("missing" in p for p in verdict.problems)


def test_tail_removed_with_the_head_left_alone_is_detected(review: Review) -> None:
    _fill(review)
    with review.engine.begin() as conn:
        conn.execute(delete(review_audit).where(review_audit.c.seq >= 4))
    verdict = audit.verify(review.engine)
    assert verdict.first_bad == 4 and any("tail" in p for p in verdict.problems)


def test_tail_and_head_rewound_is_caught_only_by_the_checkpoint(review: Review, anchor_file: Path) -> None:
    _fill(review)
    _checkpoint(review)
    with review.engine.begin() as conn:
        conn.execute(delete(review_audit).where(review_audit.c.seq >= 4))
        h3 = conn.execute(select(review_audit.c.hash).where(review_audit.c.seq == 3)).scalar_one()
        conn.execute(update(review_audit_head).values(seq=3, hash=h3))
    verdict = audit.verify(review.engine)
    assert not verdict.ok and verdict.first_bad == 4
    assert any("rows 4..5 were removed" in p for p in verdict.problems)
    # without the anchor the chain alone looks whole: that is why checkpoints exist
    assert audit.verify(review.engine, anchors=load_anchors(FileSink(anchor_file.with_name("none")), b"k")).ok


def test_emptied_log_is_detected(review: Review, anchor_file: Path) -> None:
    _fill(review, 3)
    _checkpoint(review)
    with review.engine.begin() as conn:
        conn.execute(delete(review_audit))
        conn.execute(delete(review_audit_head))
    verdict = audit.verify(review.engine)
    assert not verdict.ok and verdict.first_bad == 1 and verdict.rows == 0
    assert any("emptied" in p for p in verdict.problems)


def test_forged_or_garbled_checkpoints_are_reported(review: Review, anchor_file: Path) -> None:
    _fill(review, 2)
    _checkpoint(review)
    good = json.loads(anchor_file.read_text().splitlines()[0])
    with anchor_file.open("a") as fh:
        fh.write(json.dumps(good | {"seq": 1}) + "\n")  # signature no longer matches
        fh.write("not json\n")
    verdict = audit.verify(review.engine)
    assert not verdict.ok and verdict.anchored_seq == 2
    assert sum("checkpoint" in p for p in verdict.problems) == 2


def test_checkpoints_append_only_when_the_head_moves(review: Review, anchor_file: Path) -> None:
    anchorer = Anchorer()
    _fill(review, 2)
    assert anchorer.checkpoint(review.engine) is not None
    assert anchorer.checkpoint(review.engine) is None  # unchanged head: nothing new to anchor
    _fill(review, 1)
    assert anchorer.checkpoint(review.engine) is not None
    lines = [json.loads(x) for x in anchor_file.read_text().splitlines()]
    assert [x["seq"] for x in lines] == [2, 3] and all(len(x["mac"]) == 64 for x in lines)


def test_rows_from_before_the_key_verify_as_a_sealed_prefix(review: Review) -> None:
    """Chains written before review_0002 keep their unkeyed hashes; the first keyed row seals them."""
    _fill(review, 3)
    _rehash_from(review.engine, 1, None, LEGACY)  # what a migrated, pre-key log looks like
    assert audit.verify(review.engine).ok
    _fill(review, 2)
    verdict = audit.verify(review.engine)
    assert verdict.ok and any("predate" in n for n in verdict.notes), verdict
    with review.engine.begin() as conn:  # editing the legacy prefix and re-hashing it breaks the seal
        conn.execute(update(review_audit).where(review_audit.c.seq == 2).values(actor="mallory"))
    _rehash_from(review.engine, 2, None, LEGACY, until=3)
    verdict = audit.verify(review.engine)
    assert verdict.first_bad == 4 and "row 4: previous-hash link broken" in verdict.problems[0]


def test_the_key_comes_from_the_environment_not_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BASTION_AUDIT_KEY", raising=False)
    monkeypatch.setenv("BASTION_SECRET_KEY", "a-long-production-secret-0123")
    derived = audit_settings().key()
    monkeypatch.setenv("BASTION_AUDIT_KEY", "a-separate-audit-key-0123456")
    assert audit_settings().key() == b"a-separate-audit-key-0123456" != derived
    monkeypatch.delenv("BASTION_AUDIT_KEY")
    monkeypatch.delenv("BASTION_SECRET_KEY")
    monkeypatch.setenv("BASTION_ENV", "production")
    from bastion.core.errors import ConfigError

    with pytest.raises(ConfigError, match="audit key"):
        audit_settings().checked()


def test_service_loop_writes_checkpoints(review: Review, anchor_file: Path) -> None:
    _fill(review, 2)
    fresh = Review(review.store, review.settings)
    try:
        fresh.anchor_once()
    finally:
        fresh.close()
    assert json.loads(anchor_file.read_text().splitlines()[-1])["seq"] == 2


def test_legacy_rows_are_marked_by_the_migration(review: Review) -> None:
    with review.engine.begin() as conn:
        conn.execute(
            insert(review_audit).values(
                seq=1,
                at=audit.utcnow(),
                actor="a",
                action="x",
                subject="s",
                details={},
                prev_hash=GENESIS,
                hash="f" * 64,
            )
        )
        assert conn.execute(select(review_audit.c.scheme)).scalar() == LEGACY


def test_database_sink_anchors_and_catches_a_rewound_tail(
    review: Review, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_AUDIT_ANCHOR", f"sqlite:///{tmp_path / 'anchors.db'}")
    _fill(review, 3)
    _checkpoint(review)
    assert audit.verify(review.engine).anchored_seq == 3
    with review.engine.begin() as conn:
        conn.execute(delete(review_audit).where(review_audit.c.seq == 3))
        h2 = conn.execute(select(review_audit.c.hash).where(review_audit.c.seq == 2)).scalar_one()
        conn.execute(update(review_audit_head).values(seq=2, hash=h2))
    assert audit.verify(review.engine).first_bad == 3


def test_webhook_sink_posts_signed_checkpoints(review: Review, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    sent: list[dict[str, object]] = []

    def post(url: str, json: dict[str, object], timeout: float) -> httpx.Response:
        sent.append(json)
        return httpx.Response(204, request=httpx.Request("POST", url))

    monkeypatch.setenv("BASTION_AUDIT_ANCHOR", "https://anchors.example.invalid/bastion")
    monkeypatch.setattr(httpx, "post", post)
    _fill(review, 2)
    _checkpoint(review)
    body = sent[0]["bastion_audit_checkpoint"]
    assert isinstance(body, dict) and body["seq"] == 2 and len(str(body["mac"])) == 64
    verdict = audit.verify(review.engine)  # a webhook cannot be read back: verify says where to look
    assert verdict.ok and any("--anchors" in n for n in verdict.notes)
