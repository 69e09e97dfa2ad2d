"""Domains an operator allows (an institution's) tie no one: through the store, the loader and a run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import typer
from sqlalchemy import select

from bastion.core.errors import InputError
from bastion.graph.domains import BenignDomains, covered
from bastion.graph.facts import MANY_HOLDERS, fact_words
from bastion.graph.load import COMMON_DOMAIN_MAX, load_platform, shares_domain
from bastion.graph.service import NetworkDetector
from bastion.graph.signals import SHARED_LINK
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.store.tables_graph import graph_runs
from bastion.synth import GroundTruth
from support.exports import truth_export


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    return truth_export(tmp_path_factory, accounts=600, seed=11)


def test_a_domain_covers_its_subdomains_only() -> None:
    allowed = frozenset({"northvale.edu"})
    assert covered("northvale.edu", allowed) and covered("cs.northvale.edu", allowed)
    assert not covered("notnorthvale.edu", allowed) and not covered("edu", allowed)


def test_allow_list_remove_and_version(store: Store) -> None:
    domains = BenignDomains(store)
    before = domains.version()
    e = domains.allow("https://www.Northvale.EDU/admissions", by="lead", reason="university")
    assert e.domain == "northvale.edu" and domains.names() == {"northvale.edu"}
    assert domains.version() != before
    domains.allow("northvale.edu", by="lead2", reason="university, main site")  # changes why, not twice
    assert [(x.domain, x.added_by) for x in domains.all()] == [("northvale.edu", "lead2")]
    assert domains.remove("northvale.edu") and not domains.remove("northvale.edu")
    assert domains.version() == before
    for bad, field in (("not a domain", "domain"), ("localhost", "domain")):
        with pytest.raises(InputError) as err:
            domains.allow(bad, by="lead", reason="x")
        assert err.value.field == field
    with pytest.raises(InputError, match="why"):
        domains.allow("northvale.edu", by="lead", reason=" ")
    with pytest.raises(InputError, match="who"):
        domains.allow("northvale.edu", by="", reason="university")


def test_import_keeps_nothing_of_a_file_with_a_bad_row(store: Store, tmp_path: Path) -> None:
    domains = BenignDomains(store)
    domains.allow("kept.example", by="lead", reason="kept before")
    bad = tmp_path / "domains.csv"
    bad.write_text("domain,reason\nschool.example.org,school\nnot a domain,club\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        domains.import_file(bad, by="lead")
    assert (err.value.file, err.value.line, err.value.field) == (str(bad), 3, "domain")
    assert domains.names() == {"kept.example"}
    bare = tmp_path / "bare.csv"
    bare.write_text("domain\nschool.example.org\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        domains.import_file(bare, by="lead")
    assert (err.value.line, err.value.field) == (2, "reason")
    got = domains.import_file(bare, by="lead", reason="school")
    assert [e.domain for e in got] == ["school.example.org"]
    assert domains.names() == {"kept.example", "school.example.org"}


def test_an_allowed_domain_ties_no_one_and_the_run_records_it(
    store: Store, export: tuple[Path, GroundTruth]
) -> None:
    """The sellers' link hubs, allowed, are no one's ``shared_link`` and no pair of holders; the dossier
    still shows them; the run records the list, and detection built on another list starts over."""
    Ingestor(store).ingest(export[0])
    truth = export[1]
    loaded = load_platform(store, truth.platform)
    sellers = [loaded.graph.index[a] for a in truth.members("seller")]
    assert loaded.graph.signal(SHARED_LINK)[sellers].max() > 0
    hubs = {d for i in sellers for d in loaded.domains.get(i, [])}
    service = NetworkDetector(store)
    version = service.data_version(truth.platform)
    for d in sorted(hubs):
        BenignDomains(store).allow(d, by="lead", reason="a marketplace every shop here uses")
    assert service.data_version(truth.platform) != version
    again = load_platform(store, truth.platform)
    assert again.benign == tuple(sorted(hubs))
    assert again.graph.signal(SHARED_LINK)[sellers].max() == 0
    assert again.graph.shared[SHARED_LINK][sellers].nnz == 0  # no pair of holders either
    assert {d for i in sellers for d in again.domains.get(i, [])} == hubs  # still shown
    run = service.detect(seeds=[])
    with store.engine.connect() as conn:
        config = conn.execute(select(graph_runs.c.config).where(graph_runs.c.run_id == run.run_id)).scalar()
    assert config["benign_domains"] == sorted(hubs)


def test_the_domains_commands(store: Store, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bastion.cli import domains_cmd

    app = typer.Typer()
    domains_cmd.register(app)
    run = CliRunner().invoke
    db = ["--db", store.url]
    ok = run(app, ["domains", "allow", "northvale.edu", "--by", "lead", "--reason", "university", *db])
    assert ok.exit_code == 0 and "allowed northvale.edu" in ok.output
    listed = run(app, ["domains", "list", *db])
    assert listed.exit_code == 0 and "northvale.edu" in listed.output and "university" in listed.output
    bad = tmp_path / "d.csv"
    bad.write_text("domain,reason\nschool.example.org,school\nnot a domain,club\n", encoding="utf-8")
    got = run(app, ["domains", "import", str(bad), "--by", "lead", *db])
    assert got.exit_code == 2 and "line 3" in got.output and "'domain'" in got.output
    gone = run(app, ["domains", "remove", "school.example.org", *db])
    assert gone.exit_code == 1 and "not on the list" in gone.output
    assert run(app, ["domains", "remove", "northvale.edu", *db]).exit_code == 0
    assert BenignDomains(store).names() == frozenset()


def test_a_domain_held_by_many_is_named_with_the_command_that_allows_it() -> None:
    """A reviewer reading a class of 200 students who link their university's site sees the domain is held
    by many and how an operator who knows it makes it no one's evidence; a cell's storefront is not named
    so."""
    many = fact_words(SHARED_LINK, [{"domain": "northvale.edu", "accounts": MANY_HOLDERS}])
    assert "`bastion domains allow northvale.edu`" in many
    few = fact_words(SHARED_LINK, [{"domain": "shop-alpha.example", "accounts": MANY_HOLDERS - 1}])
    assert few == f"shares shop-alpha.example with {MANY_HOLDERS - 2} other account(s)"


def test_a_domain_hundreds_hold_ties_no_one_however_large_the_platform() -> None:
    """A storefront is held by one cell; a domain held by hundreds is a service, a marketplace or an
    institution. Before the cap, 2% of a 37,700-account platform (754 holders) still tied: a photo site
    581 ordinary accounts linked made each a suspect's fellow holder."""
    assert shares_domain(np.array([581]), 37_700).tolist() == [False]
    assert shares_domain(np.array([COMMON_DOMAIN_MAX, COMMON_DOMAIN_MAX + 1]), 1_000_000).tolist() == [
        True,
        False,
    ]
    # a small platform keeps its own, smaller cap: a share of it, at least COMMON_DOMAIN_MIN
    assert shares_domain(np.array([20, 21]), 1_000).tolist() == [True, False]
    assert shares_domain(np.array([1, 2]), 1_000).tolist() == [False, True]
