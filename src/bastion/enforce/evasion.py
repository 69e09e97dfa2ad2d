"""Ban evasion: score new accounts as likely re-creations of disabled ones. Pure logic over plain profiles.

A seller who is disabled comes back with a new account that keeps what the business needs: the same link
hub, a name customers recognise, the same bio, the same customers (who re-follow), the same files, the same
code words. Each is weak alone and usually changed a little (a new path on the hub, a name variant, the bio
shuffled, only half the customers back), and ordinary newcomers share some of it by chance (look-alike
names, popular link hubs, followers who follow everyone). So each kind of evidence is weighed by how rare it
is on the platform (link hubs by how many accounts use them, bio words and followers by IDF), and a link is
only made when the evidence is identical in itself (the same link or file) or when at least two independent
kinds agree. Candidates come from inverted indexes (link, domain, file hash, follower, term, bio word, name
trigram) and the media index for near files, so the work grows with the matches, not with new x disabled.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bastion.core.errors import InputError
from bastion.enforce.evasion_text import (
    bio_tokens,
    core_name,
    fold_name,
    idf,
    link_domain,
    link_path,
    name_similarity,
    normalise_link,
    trigrams,
    weighted_jaccard,
)
from bastion.media import HashIndex, HashType, hash_type

__all__ = [
    "EvasionMatch",
    "EvasionScorer",
    "Profile",
    "fold_name",
    "link_domain",
    "name_similarity",
    "normalise_link",
]

#: near files are compared as this hash type, through its index (the media package's PDQ index)
NEAR_TYPE: HashType = hash_type("pdq")
PDQ_NEAR = NEAR_TYPE.default_threshold  # the PDQ reference's match threshold (31 bits of 256)

WEIGHTS: Mapping[str, float] = {
    "same_link": 0.9,
    "same_file": 0.85,
    "near_file": 0.8,
    "refollowers": 0.75,
    "similar_username": 0.55,
    "similar_display_name": 0.2,
    "same_link_hub": 0.8,
    "similar_bio": 0.75,
    "same_terms": 0.45,
}
#: kinds that come from the same trait of the account count once towards "two independent kinds agree"
FAMILY: Mapping[str, str] = {
    "same_link": "link",
    "same_link_hub": "link",
    "same_file": "file",
    "near_file": "file",
    "refollowers": "followers",
    "similar_username": "name",
    "similar_display_name": "name",
    "similar_bio": "bio",
    "same_terms": "bio",
}
#: a weighted share of re-followers at or under this is what look-alikes get by chance; the value is full
#: at REFOLLOW_CHANCE + REFOLLOW_SPAN (about half of the customers back)
REFOLLOW_CHANCE = 0.2
REFOLLOW_SPAN = 0.25
#: two originals closer than this in score make a link ambiguous, and it is not made
AMBIGUOUS = 0.02
#: identical in itself: enough alone
STRONG = frozenset({"same_link", "same_file"})
#: a family counts towards "two independent kinds agree" from this value up
MATERIAL = 0.2


@dataclass(frozen=True, slots=True)
class Profile:
    account_id: str
    username: str = ""
    display_name: str = ""
    links: frozenset[str] = frozenset()
    followers: frozenset[str] = frozenset()
    files: frozenset[str] = frozenset()  # exact hashes (md5 / sha256)
    pdq: tuple[str, ...] = ()
    terms: frozenset[str] = frozenset()
    bio: str = ""


@dataclass(frozen=True, slots=True)
class EvasionMatch:
    account_id: str
    original_account_id: str
    score: float
    evidence: list[str]
    kinds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "original_account_id": self.original_account_id,
            "score": round(self.score, 4),
            "evidence": self.evidence,
        }


@dataclass
class _Index:
    by_link: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_domain: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_file: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_follower: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_term: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_gram: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_word: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))


class EvasionScorer:
    """Index the disabled accounts once; score any number of new accounts against them.

    ``domain_counts``: how many accounts of the whole platform link to each domain, so a link hub that half
    the platform uses says little, and one used by a handful of accounts says more. ``word_counts``: how
    many bios use each (folded) word. ``follows_made``: how many accounts each follower follows, so a
    follower who follows everyone says little when it follows the new account too.
    """

    def __init__(
        self,
        originals: Sequence[Profile],
        *,
        domain_counts: Mapping[str, int] | None = None,
        word_counts: Mapping[str, int] | None = None,
        follows_made: Mapping[str, int] | None = None,
        platform_accounts: int = 1,
        threshold: float = 0.75,
        max_bucket: int = 200,
    ) -> None:
        self.originals = list(originals)
        self.threshold = threshold
        self.max_bucket = max_bucket
        self.domain_counts = dict(domain_counts or {})
        self.n = max(platform_accounts, 1)
        self.word_idf = {w: idf(c, self.n) for w, c in (word_counts or {}).items()}
        self.follows_made = dict(follows_made or {})
        self.idx = _Index()
        self._bio = {o.account_id: bio_tokens(o.bio) for o in self.originals}
        for i, o in enumerate(self.originals):
            for link in o.links:
                self.idx.by_link[normalise_link(link)].add(i)
                self.idx.by_domain[link_domain(link)].add(i)
            for h in o.files:
                self.idx.by_file[h].add(i)
            for f in o.followers:
                self.idx.by_follower[f].add(i)
            for t in o.terms:
                self.idx.by_term[t].add(i)
            for w in self._bio[o.account_id]:
                self.idx.by_word[w].add(i)
            folded = fold_name(o.username)
            for g in trigrams(folded) | trigrams(core_name(folded)):
                self.idx.by_gram[g].add(i)
        self._near: HashIndex = NEAR_TYPE.build_index(
            (h, i) for i, o in enumerate(self.originals) for h in _valid(o.pdq)
        )
        self._any_near = any(_valid(o.pdq) for o in self.originals)

    def _follower_idf(self, follower: str) -> float:
        return idf(self.follows_made.get(follower, 1), self.n)

    def _candidates(self, p: Profile) -> set[int]:
        out: set[int] = set()
        ix = self.idx

        def add(bucket: set[int] | None) -> None:
            if bucket and len(bucket) <= self.max_bucket:
                out.update(bucket)

        for link in p.links:
            add(ix.by_link.get(normalise_link(link)))
            add(ix.by_domain.get(link_domain(link)))
        for h in p.files:
            add(ix.by_file.get(h))
        for f in p.followers:
            add(ix.by_follower.get(f))
        for t in p.terms:
            add(ix.by_term.get(t))
        for w in bio_tokens(p.bio):
            add(ix.by_word.get(w))
        folded = fold_name(p.username)
        grams = Counter(
            i for g in trigrams(folded) | trigrams(core_name(folded)) for i in ix.by_gram.get(g, ())
        )
        out.update(i for i, c in grams.items() if c >= 3)
        return out

    def _near_files(self, p: Profile) -> dict[int, int]:
        """Original index -> smallest PDQ distance to any of the new account's files (within PDQ_NEAR)."""
        mine = _valid(p.pdq)
        if not mine or not self._any_near:
            return {}
        best: dict[int, int] = {}
        for hits in self._near.query_many(mine, PDQ_NEAR):
            for owner, dist in hits:
                best[owner] = min(best.get(owner, 256), dist)
        return best

    def _hub_rarity(self, domain: str) -> float:
        """IDF of the domain over the platform's accounts, as a share of the largest IDF possible: a
        personal domain is near 1, a link hub many use is near 0.5 or below."""
        count = max(self.domain_counts.get(domain, 1), 1)
        return max(0.0, min(1.0, idf(count, self.n) / idf(1, self.n))) if self.n > 1 else 1.0

    def score_pair(
        self, p: Profile, o: Profile, near: int | None = None, *, bio: frozenset[str] | None = None
    ) -> tuple[float, dict[str, float], list[str]]:
        kinds: dict[str, float] = {}
        words: list[str] = []
        self._links(p, o, kinds, words)
        same_files = p.files & o.files
        if same_files:
            kinds["same_file"] = 1.0
            words.append(f"{len(same_files)} identical file(s) (same hash)")
        elif near is not None:
            kinds["near_file"] = 1 - near / (2 * PDQ_NEAR)
            words.append(f"near-identical file (PDQ distance {near})")
        self._refollowers(p, o, kinds, words)
        sim = name_similarity(p.username, o.username)
        if sim >= 0.8:
            kinds["similar_username"] = (sim - 0.8) / 0.2
            words.append(f"username {p.username!r} resembles {o.username!r} ({sim:.2f})")
        dsim = name_similarity(p.display_name, o.display_name)
        if dsim >= 0.8:
            kinds["similar_display_name"] = (dsim - 0.8) / 0.2
            words.append(f"display name {p.display_name!r} resembles {o.display_name!r} ({dsim:.2f})")
        mine = bio_tokens(p.bio) if bio is None else bio
        theirs = self._bio.get(o.account_id)
        if theirs is None:
            theirs = bio_tokens(o.bio)
        if len(mine) >= 2 and len(theirs) >= 2:
            default = math.log(self.n + 1)
            j = weighted_jaccard(mine, theirs, self.word_idf, default)
            if j >= 0.35:
                kinds["similar_bio"] = min(1.0, (j - 0.25) / 0.5)
                shared = len(mine & theirs)
                words.append(f"bio shares {shared} of {len(mine | theirs)} words, rarity-weighted {j:.0%}")
        terms = p.terms & o.terms
        if terms:
            kinds["same_terms"] = len(terms) / len(p.terms | o.terms)
            words.append(f"same lexicon terms: {', '.join(sorted(terms))}")
        miss = 1.0
        for k, v in kinds.items():
            miss *= 1 - WEIGHTS[k] * v
        return 1 - miss, kinds, words

    def _links(self, p: Profile, o: Profile, kinds: dict[str, float], words: list[str]) -> None:
        same_links = {normalise_link(x) for x in p.links} & {normalise_link(x) for x in o.links}
        if same_links:
            kinds["same_link"] = 1.0
            words.append(f"same external link {sorted(same_links)[0]}")
            return
        best: tuple[float, str, float] | None = None
        for a in p.links:
            for b in o.links:
                d = link_domain(a)
                if d != link_domain(b):
                    continue
                path_sim = name_similarity(link_path(a), link_path(b))
                closeness = min(1.0, max(0.0, (path_sim - 0.5) / 0.4))
                value = 0.5 * self._hub_rarity(d) + 0.5 * closeness
                if best is None or value > best[0]:
                    best = (value, d, path_sim)
        if best is not None:
            value, d, path_sim = best
            kinds["same_link_hub"] = value
            words.append(
                f"same link hub {d} (used by {self.domain_counts.get(d, 1)} accounts), "
                f"path similarity {path_sim:.2f}"
            )

    def _refollowers(self, p: Profile, o: Profile, kinds: dict[str, float], words: list[str]) -> None:
        """The share of the original's followers back, each weighted by how few accounts it follows."""
        common = p.followers & o.followers
        if len(common) < 2:
            return
        mass = sum(self._follower_idf(f) for f in o.followers)
        if mass <= 0:
            return
        share = sum(self._follower_idf(f) for f in common) / mass
        value = min(1.0, max(0.0, (share - REFOLLOW_CHANCE) / REFOLLOW_SPAN)) * min(1.0, len(common) / 4)
        if value > 0:
            kinds["refollowers"] = value
            words.append(
                f"{len(common)} of the disabled account's {len(o.followers)} followers re-followed it "
                f"({share:.0%} weighted by how few accounts each follows)"
            )

    def linked(self, score: float, kinds: Mapping[str, float]) -> bool:
        """Above the threshold, and either identical evidence or two independent families that agree."""
        if score < self.threshold:
            return False
        if any(kinds.get(k, 0) >= 0.99 for k in STRONG):
            return True
        return len({FAMILY[k] for k, v in kinds.items() if v >= MATERIAL}) >= 2

    def match(self, p: Profile) -> EvasionMatch | None:
        """The most likely original of a new account, or None when nothing reaches the bar."""
        near = self._near_files(p)
        bio = bio_tokens(p.bio)
        scored: list[tuple[float, int, dict[str, float], list[str]]] = []
        for i in self._candidates(p) | set(near):
            o = self.originals[i]
            if o.account_id == p.account_id:
                continue
            score, kinds, words = self.score_pair(p, o, near.get(i), bio=bio)
            if self.linked(score, kinds):
                scored.append((score, -i, kinds, words))
        if not scored:
            return None
        scored.sort(reverse=True)
        if len(scored) > 1 and scored[0][0] - scored[1][0] < AMBIGUOUS:
            return None  # as like one disabled account as another: which one is not known
        score, i, kinds, words = scored[0]
        i = -i
        return EvasionMatch(p.account_id, self.originals[i].account_id, score, words, kinds)

    def match_all(self, new_accounts: Iterable[Profile]) -> list[EvasionMatch]:
        return [m for p in new_accounts if (m := self.match(p)) is not None]


def _valid(values: Iterable[str]) -> list[str]:
    """The values the near-file hash type accepts, normalised; a malformed one is no evidence."""
    out = []
    for value in values:
        try:
            out.append(NEAR_TYPE.validate(value))
        except InputError:
            continue
    return out
