"""``POST /v1/media/match``: a connector's upload hashes against the hash lists, negative lists respected."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from bastion.connectors.synapse.hashing import hash_upload
from bastion.media.repository import BankRepository
from bastion.review.service import Review
from review.support import PLATFORM
from support.shapes import shapes_png


def auth(review: Review) -> dict[str, str]:
    return {"Authorization": f"Bearer {review.auth.create_token(PLATFORM)}"}


def test_listed_pdq_matches_an_unlisted_picture_does_not(client: TestClient, review: Review) -> None:
    listed, other = hash_upload(shapes_png(3)), hash_upload(shapes_png(11))
    assert listed.pdq is not None and listed.quality is not None and listed.quality >= 50
    headers = auth(review)
    before = client.post("/v1/media/match", json={"items": [listed.as_json()]}, headers=headers)
    assert before.status_code == 200 and before.json()["results"][0]["matched"] is False
    BankRepository(review.store).add("pdq", listed.pdq, "test-list", by="tester")
    answer = client.post(
        "/v1/media/match", json={"items": [listed.as_json(), other.as_json()]}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    first, second = answer.json()["results"]
    assert first["matched"] is True and first["matches"][0]["list_name"] == "test-list"
    assert second["matched"] is False


def test_a_negative_list_cancels_and_sha256_matches(client: TestClient, review: Review) -> None:
    h = hash_upload(shapes_png(5))
    repo = BankRepository(review.store)
    repo.add("sha256", h.sha256, "exact-list", by="tester")
    headers = auth(review)
    hit = client.post("/v1/media/match", json={"items": [h.as_json()]}, headers=headers).json()
    assert hit["results"][0]["matched"] is True
    repo.ensure_list("known-benign", by="tester", negative=True)
    repo.add("md5", h.md5, "known-benign", by="tester")
    cancelled = client.post("/v1/media/match", json={"items": [h.as_json()]}, headers=headers).json()
    assert cancelled["results"][0] == {"matched": False, "matches": [], "suppressed": 1, "pdq_skipped": None}


def test_media_match_needs_a_token_and_well_formed_hashes(client: TestClient, review: Review) -> None:
    assert client.post("/v1/media/match", json={"items": [{"md5": "0" * 32}]}).status_code == 401
    bad = client.post("/v1/media/match", json={"items": [{"pdq": "xyz"}]}, headers=auth(review))
    assert bad.status_code == 422


def test_media_match_reads_the_media_services_one_index(
    client: TestClient, review: Review, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No second index for the API: the request matches through the repository scans and the exchange use."""
    repository = client.app.state.bastion.service("media").repository  # type: ignore[attr-defined]
    seen: list[int] = []
    original = repository.match_many

    def counted(items: Any) -> Any:
        seen.append(len(items))
        return original(items)

    monkeypatch.setattr(repository, "match_many", counted)
    h = hash_upload(shapes_png(9))
    answer = client.post("/v1/media/match", json={"items": [h.as_json(), h.as_json()]}, headers=auth(review))
    assert answer.status_code == 200 and seen == [2]
