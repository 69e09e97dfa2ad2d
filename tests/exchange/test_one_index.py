"""One index in a process: the exchange service the façade builds matches through media's live repository
(``bastion.service("media").repository``), so a hash an exchange adds is what media's scan matches, without a
second matcher being built or loaded."""

from __future__ import annotations

from bastion.exchange import ExchangeService
from bastion.media import BankRepository, LockedRepository
from bastion.review import Review
from bastion.system import Bastion
from exchange.support import flip_bits

HASH = flip_bits("0" * 64, 60)


def test_the_exchange_service_shares_medias_repository_and_matcher(review: Review) -> None:
    system = Bastion(store=review.store, services={"review": review})
    media = system.service("media")
    svc: ExchangeService = system.service("exchange")
    assert isinstance(media.repository, LockedRepository)
    assert svc.banks.repo is media.repository
    assert svc.banks.repo.matcher is media.matcher  # one index in memory

    svc.banks.create("KNOWN", 1.0, by="lead")
    svc.banks.add_content("KNOWN", {"pdq": HASH}, by="lead")
    assert list(svc.matching.lookup("pdq", flip_bits(HASH, 3))) == ["KNOWN"]  # HMA's lookup sees it
    # media's matcher is the same object, already holding the entry the exchange wrote
    [match] = media.matcher.match({"pdq": HASH}).matches
    assert match.list_name == "KNOWN"
    system.close()


def test_a_scan_brings_the_shared_matcher_up_to_date_first(review: Review) -> None:
    system = Bastion(store=review.store, services={"review": review})
    media = system.service("media")
    other = BankRepository(review.store)  # another process's writes reach us only through the change log
    other.add("pdq", HASH, "ELSEWHERE", by="lead")
    assert not media.matcher.match({"pdq": HASH}).matches  # not read yet
    media.scan("alphaleaf")  # no media to scan, but the matcher is refreshed before matching
    assert [m.list_name for m in media.matcher.match({"pdq": HASH}).matches] == ["ELSEWHERE"]
    system.close()
