"""Network shapes the default worlds do not plant, on the same real graphs (issue 12: tune to behaviours,
not to one data set), judged by the same targets.

- twice as many buyers as sellers: most buyers never search and are found by the sellers they reach,
  so the calibration must read them as buyers, not as accounts that lack a seller's signals;
- cells of about eight sellers: a small cell has few ties inside, and the cell search may group a seller
  with the users the recommender pulled toward it rather than with its cell;
- a platform where following is one way (a photo app): friends follow back three times in ten
  (``ONE_WAY_FOLLOW_BACK``), so a tie says less about who chose whom;
- users who follow a network to report it (trusted flaggers, researchers): ``FLAGGERS`` ordinary accounts
  each follow 15 sellers of one network and report 10 of them; they are not its buyers;
- journalists (or researchers) who study a network: ``FLAGGERS`` ordinary accounts each follow 15 sellers
  of one network, report 5 and write first to 5 others, who answer and follow back: friends with strong
  sellers, and still not in the network (an outside check's 15 journalists were 12 in it); and the same
  journalists reporting none: indistinguishable from buyers, flagged until reviewers clear them;
- a network that deals by messages (``DEALS_BY_MESSAGES``): its sellers barely follow anyone (a tenth
  of a cell's follows, ``DEALERS_CAMOUFLAGE`` popular accounts each), each writes first to two cell-mates,
  who answer, and every buyer writes first to its sellers, who answer: the cells the cell search finds
  are fragments, and a seller with no signal of its own has only its conversations (two outside checks
  found such networks at under half their sellers);
- users the sellers reach out to (advertising, grooming): ``TARGETS`` ordinary accounts each followed by 5
  sellers of one network, written to by 2, following 1 back; they are not its sellers;
- the same users where each follows back all five (a teenager's follow-for-follow habit, an auto-follow
  tool) and answers the two that wrote to it (a groomed child does), and follows two of the others first
  (they know each other): friends with five strong sellers, writing to two, in their group and choosing a
  group-mate first, and still their targets, not their peers;
- the new cohort uses a hobby word on the lexicon (``WORDED_COHORT``, nine in ten of its members): forty
  friends who joined together and post stories show two of a seller cell's traits, beside a network
  whose cells the cell search finds (the clean graphs plant it with no network at all);
- the innocent community uses its word (nine in ten) and a quarter of it links its club's own site: a
  circle of friends that holds one rarely shared domain and a word on the lexicon, as a seller cell holds a
  storefront and a code word (an outside check planted one, and the friends of its members were read as
  friends of strong members: each holder's own evidence counted again through every fellow holder).

- the same club with ``WRONG_REPORTS`` of its worded members each reported by two ordinary accounts (an
  outside check's club beside a network was flagged as a network: its groups were read as the cells the
  reported one's friends turn to);
- sellers that are old accounts and keep ``SELLER_FRIENDS`` friends each, drawn at random from the
  ordinary accounts: a few ordinary accounts are friends with two or more sellers by chance, as a
  buyer is by choice (an outside check flagged 1-7 of them).

Each shape is planted with its own seed (from the graph's name), not the default world's.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import replace

from bastion.graph.plant import PlantConfig

#: Share of friendships followed back on a platform where following is one way.
ONE_WAY_FOLLOW_BACK = 0.3
#: Users who follow sellers to report them, and users sellers reach out to, in the shapes that plant them.
FLAGGERS, TARGETS = 10, 30
#: ... and of those that follow back everyone, how many of the others each follows first (they know each
#: other: an outside check's two such accounts were each read as a peer of the sellers' group)
TARGET_FRIENDS = 2
#: Share of the new cohort that uses a hobby word on the lexicon, in the shape that plants it.
WORDED_COHORT = 0.9
#: Shares of the innocent community that use its word and that link its club's own site (one domain they
#: hold together, as a seller cell shares a storefront), in the shape that plants them.
CLUB_WORD, CLUB_SITE = 0.9, 0.25
#: Journalists who follow and talk with a network's sellers and report none of them: nothing in the graph
#: tells them from its buyers (they are, until a reviewer's verdict; bench/verdicts.py shows it).
UNREPORTING_JOURNALISTS = f"{FLAGGERS} journalists follow 15 sellers and talk with 5 but report none"
#: A network that deals by messages: sellers barely follow anyone (a tenth of a cell's follows, and this
#: many popular accounts each as camouflage), write to their cell-mates, and buyers write to them first.
DEALERS_CAMOUFLAGE = 3
DEALS_BY_MESSAGES = "the network deals by messages and its sellers barely follow"
#: The club, with this many of its worded members each reported by two ordinary accounts (wrongly).
WRONG_REPORTS = 3
WRONGLY_REPORTED_CLUB = f"the same club where {WRONG_REPORTS} of it are reported twice each (wrongly)"
#: Sellers that are old accounts with friends: each has this many mutual friendships with ordinary
#: accounts drawn uniformly (an outside check's; an ordinary account may be friends with two by chance).
SELLER_FRIENDS = 14
OLD_FRIENDS = f"sellers keep {SELLER_FRIENDS} old friends each drawn at random"
SHAPES: dict[str, Callable[[PlantConfig], PlantConfig]] = {
    "buyers 2x sellers": lambda c: replace(c, buyers=2 * c.sellers),
    DEALS_BY_MESSAGES: lambda c: replace(c, deal_by_messages=True, camouflage_per_seller=DEALERS_CAMOUFLAGE),
    "cells of ~8 sellers": lambda c: replace(c, cells=max(2, c.sellers // 8)),
    "friends follow back 3 in 10": lambda c: replace(c, follow_back_share=ONE_WAY_FOLLOW_BACK),
    f"{FLAGGERS} users follow 15 sellers to report 10": lambda c: replace(c, flaggers=FLAGGERS),
    f"{FLAGGERS} journalists follow 15 sellers, report 5 and talk with 5": lambda c: replace(
        c, flaggers=FLAGGERS, flagger_reports=5, flagger_writes=5
    ),
    UNREPORTING_JOURNALISTS: lambda c: replace(c, flaggers=FLAGGERS, flagger_reports=0, flagger_writes=5),
    f"sellers reach out to {TARGETS} users": lambda c: replace(c, targets=TARGETS),
    f"sellers reach out to {TARGETS} users who follow back all, answer and know {TARGET_FRIENDS} others": (
        lambda c: replace(
            c,
            targets=TARGETS,
            target_follows_back=c.target_followers,
            target_replies=2,
            target_friends=TARGET_FRIENDS,
        )
    ),
    "the new cohort uses a hobby word, 9 in 10": lambda c: replace(c, cohort_term_share=WORDED_COHORT),
    "the community uses its word, 9 in 10, and a quarter link its club's site": lambda c: replace(
        c, community_term_share=CLUB_WORD, community_site_share=CLUB_SITE
    ),
    WRONGLY_REPORTED_CLUB: lambda c: replace(
        c,
        community_term_share=CLUB_WORD,
        community_site_share=CLUB_SITE,
        community_wrong_reports=WRONG_REPORTS,
    ),
    OLD_FRIENDS: lambda c: replace(c, seller_friends=SELLER_FRIENDS),
}


def shapes(name: str, config: PlantConfig) -> list[tuple[str, PlantConfig]]:
    """Each shape of ``config`` for the graph named ``name``, with the shapes' own plant seed."""
    seed = zlib.crc32(f"{name}/shapes".encode()) % 1000
    return [(label, replace(shape(config), seed=seed)) for label, shape in SHAPES.items()]
