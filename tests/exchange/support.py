"""Shared helpers of the exchange tests: benign synthetic pictures, an HMA client with tokens, PDQ edits."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.api.service import create_app
from bastion.core.model import EntityType, Signal
from bastion.exchange import ExchangeService
from bastion.review import Review
from bastion.store.tables_review import review_cases
from bastion.system import Bastion
from review.support import report
from support.shapes import shapes_image


def png(seed: int, size: tuple[int, int] = (400, 300)) -> bytes:
    """A benign picture (:func:`support.shapes.shapes_image`) as PNG bytes."""
    img = shapes_image(seed, size)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def flip_bits(pdq: str, n: int) -> str:
    """The same PDQ with its first ``n`` bits inverted (a near duplicate at distance ``n``)."""
    bits = int(pdq, 16) ^ (((1 << n) - 1) << (256 - n))
    return f"{bits:064x}"


def random_pdq(rng: np.random.Generator) -> str:
    return bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex()


@dataclass
class Hma:
    client: TestClient
    system: Bastion
    platform: dict[str, str]
    lead: dict[str, str]
    admin: dict[str, str]
    reviewer: dict[str, str]

    @property
    def service(self) -> ExchangeService:
        return self.system.service("exchange")


@contextmanager
def hma_client(review: Review, platform: str = "alphaleaf") -> Iterator[Hma]:
    system = Bastion(store=review.store, services={"review": review})
    tokens = {
        role: {"Authorization": f"Bearer {review.auth.create_token(f'{role}-token', role)}"}
        for role in ("lead", "admin", "reviewer")
    }
    platform_token = {"Authorization": f"Bearer {review.auth.create_token(platform)}"}
    with TestClient(create_app(system, start_workers=False), base_url="http://127.0.0.1") as c:
        yield Hma(c, system, platform_token, tokens["lead"], tokens["admin"], tokens["reviewer"])
    system.close()


def case_with_match(
    review: Review, system: Bastion, account: str, value: str, kind: str = "pdq", bank: str = "FILE_X"
) -> int:
    """A stored hash match of ``value`` on ``account``'s post, reported and triaged into a case; its id."""
    evidence = {"type": kind, "value": value, "list": bank, "post_id": "p1", "media_id": "m1"}
    match = Signal(
        "alphaleaf", EntityType.ACCOUNT, account, "hash_match", "media", 1.0, evidence, f"k-{account}"
    )
    system.store.signals.replace("media", "hash_match", "alphaleaf", [match], key=f"k-{account}")
    token = review.auth.create_token("alphaleaf")
    with TestClient(create_app(system, start_workers=False), base_url="http://127.0.0.1") as c:
        body = report(f"r-{account}", account, reason="spam")
        assert c.post("/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"}).is_success
    review.triage()
    with review.engine.connect() as conn:
        query = select(review_cases.c.case_id).where(
            review_cases.c.platform == "alphaleaf", review_cases.c.account_id == account
        )
        return int(conn.execute(query).scalar_one())
