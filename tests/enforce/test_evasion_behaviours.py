"""Ban evasion scoring: each re-creation behaviour is weak alone and links with another; look-alike
newcomers who share only weak, common traits do not link."""

from __future__ import annotations

import pytest

from bastion.enforce.evasion import EvasionScorer, Profile
from bastion.enforce.evasion_text import bio_tokens, core_name, fold_name, name_similarity

#: 40 customers who follow few accounts, 6 prolific followers who follow everyone
CUSTOMERS = [f"c{i}" for i in range(40)]
PROLIFIC = [f"p{i}" for i in range(6)]
OLD = Profile(
    "o1",
    "sunny_otter12",
    "Sunny Otter",
    frozenset({"https://linkhub.example/sunnyotter-menu"}),
    followers=frozenset(CUSTOMERS + PROLIFIC),
    bio="tealkite deals weekly, ask about the list",
)
#: another disabled account on the same hub, so candidates are compared, not just found
OTHER = Profile(
    "o2",
    "polar_kettle77",
    "Polar Kettle",
    frozenset({"https://linkhub.example/kettle"}),
    followers=frozenset(f"k{i}" for i in range(30)),
    bio="bluefinch lists daily",
)
FOLLOWS_MADE = {**{c: 8 for c in CUSTOMERS}, **{p: 3000 for p in PROLIFIC}}
WORDS = {"the": 4000, "ask": 900, "about": 1200, "list": 300, "weekly": 200, "deals": 150, "tealkite": 3}

BEHAVIOURS = {
    "hub": {"links": frozenset({"https://linkhub.example/sunnyotter-menu2"})},
    "bio": {"bio": "ask about the list, weekly tealkite deals"},
    "name": {"username": "real_sunny_otter12", "display_name": "Sunny Otter II"},
    "followers": {"followers": frozenset(CUSTOMERS[::2])},
}
NAME_VARIANTS = [
    "sunny_otter12_",
    "sunny_otter122",
    "sunny_otter13",
    "the_sunny_otter12",
    "officialsunnyotter12",
]


def _scorer() -> EvasionScorer:
    return EvasionScorer(
        [OLD, OTHER],
        domain_counts={"linkhub.example": 40},
        word_counts=WORDS,
        follows_made=FOLLOWS_MADE,
        platform_accounts=5000,
    )


def _profile(aid: str, *kept: str) -> Profile:
    fields: dict[str, object] = {"username": f"new_person{len(aid)}x", "display_name": "Someone Else"}
    for b in kept:
        fields.update(BEHAVIOURS[b])
    return Profile(aid, **fields)  # type: ignore[arg-type]


def test_name_variants_fold_to_the_same_core() -> None:
    assert fold_name("Sunny.0tter_12") == "sunnyotter12"
    assert core_name("officialsunnyotter12") == core_name("therealsunnyotter12") == "sunnyotter12"
    assert all(name_similarity(v, "sunny_otter12") >= 0.9 for v in NAME_VARIANTS)
    assert name_similarity("sunny_otter12", "polar_kettle77") < 0.4
    assert name_similarity("", "x") == 0.0
    assert bio_tokens("Ask about THE list!") == bio_tokens("the list, ask about")


@pytest.mark.parametrize("behaviour", sorted(BEHAVIOURS))
def test_each_behaviour_alone_is_not_enough(behaviour: str) -> None:
    assert _scorer().match(_profile("n-" + behaviour, behaviour)) is None


@pytest.mark.parametrize(
    "pair", [(a, b) for a in sorted(BEHAVIOURS) for b in sorted(BEHAVIOURS) if a < b], ids="+".join
)
def test_each_behaviour_links_with_another(pair: tuple[str, str]) -> None:
    m = _scorer().match(_profile("n-" + "-".join(pair), *pair))
    assert m is not None and m.original_account_id == "o1", pair
    assert len(m.evidence) >= 2


@pytest.mark.parametrize("variant", NAME_VARIANTS)
def test_every_name_variant_links_with_half_the_customers(variant: str) -> None:
    m = _scorer().match(Profile("n", variant, followers=frozenset(CUSTOMERS[1::2])))
    assert m is not None and m.original_account_id == "o1"
    assert any("re-followed" in e for e in m.evidence)


def test_hard_negatives_look_alike_names_popular_followers_same_hub() -> None:
    """A newcomer named like the seller, followed by the accounts that follow everyone, on the same
    popular hub with its own path: weak, common traits only, never a link."""
    scorer = _scorer()
    for k, variant in enumerate(NAME_VARIANTS):
        p = Profile(
            f"h{k}",
            variant,
            "Sunny Otter",
            frozenset({f"https://linkhub.example/garden{k}"}),
            followers=frozenset(PROLIFIC[:4] + CUSTOMERS[:1]),
            bio="gardens and music | calm heron fan",
        )
        assert scorer.match(p) is None, variant
    # the same prolific followers with the customers' share: the customers are what counts
    many = Profile("h-pop", "new_person", followers=frozenset(PROLIFIC))
    assert scorer.match(many) is None


def test_rare_follower_share_is_weighted_by_how_many_accounts_each_follows() -> None:
    scorer = _scorer()
    _, rare, _ = scorer.score_pair(Profile("n", followers=frozenset(CUSTOMERS[:20])), OLD)
    _, popular, _ = scorer.score_pair(Profile("n", followers=frozenset(PROLIFIC + CUSTOMERS[:3])), OLD)
    assert rare["refollowers"] == 1.0
    assert popular.get("refollowers", 0.0) == 0.0


def test_identical_link_or_file_is_enough_alone() -> None:
    scorer = _scorer()
    same = scorer.match(
        Profile("n4", "zzz", links=frozenset({"http://www.LinkHub.example/sunnyotter-menu/"}))
    )
    assert same is not None and "same external link" in same.evidence[0]


def test_equally_like_two_originals_is_not_linked() -> None:
    twin = Profile("o3", "sunny_otter12", "Sunny Otter", OLD.links, bio=OLD.bio)
    scorer = EvasionScorer(
        [OLD, twin], domain_counts={"linkhub.example": 40}, word_counts=WORDS, platform_accounts=5000
    )
    assert scorer.match(_profile("n5", "bio", "hub")) is None
