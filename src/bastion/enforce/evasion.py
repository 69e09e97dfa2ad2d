"""Ban evasion: score new accounts as likely re-creations of disabled ones. Pure logic over plain profiles.

A seller who is disabled comes back with a new account that keeps what the business needs: the same link
hub, a name customers recognise, the same customers (who re-follow), the same files, the same code words.
Each of those is weak alone (ordinary users share link hubs and name patterns), so a link is only made when
the evidence is strong in itself (an identical link or file, several re-following followers) or when at
least two independent kinds agree. Candidates come from inverted indexes (link, domain, file hash, follower,
term, name trigram), so the work grows with the matches, not with new x disabled.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import poisson

_LEET = str.maketrans({"4": "a", "3": "e", "1": "i", "0": "o", "5": "s", "7": "t", "@": "a", "$": "s"})
_NON_ALNUM = re.compile(r"[^a-z0-9@$]+")
#: a leet character inside a word (letters on both sides, or starting one); real numbers stay numbers
_LEET_INSIDE = re.compile(r"(?:(?<=[a-z])|^)[013457@$](?=[a-z])")
PDQ_NEAR = 31  # the PDQ reference's match threshold (bits of 256)

WEIGHTS: Mapping[str, float] = {
    "same_link": 0.9,
    "same_file": 0.85,
    "near_file": 0.75,
    "refollowers": 0.85,
    "similar_username": 0.7,
    "similar_display_name": 0.35,
    "same_link_domain": 0.35,
    "same_terms": 0.45,
}
STRONG = frozenset({"same_link", "same_file", "refollowers"})


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


def fold_name(text: str) -> str:
    """Lower-case, compatibility-folded, leetspeak inside words undone, separators dropped:
    'Sunny.0tter_12' -> 'sunnyotter12'."""
    text = _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text or "").casefold())
    return _LEET_INSIDE.sub(lambda m: m.group(0).translate(_LEET), text)


def _trigrams(text: str) -> set[str]:
    padded = f"^{text}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def name_similarity(a: str, b: str) -> float:
    """The larger of trigram Dice and 1 - normalised edit distance, on folded names; 0 for empty names."""
    fa, fb = fold_name(a), fold_name(b)
    if not fa or not fb:
        return 0.0
    if fa == fb:
        return 1.0
    ta, tb = _trigrams(fa), _trigrams(fb)
    dice = 2 * len(ta & tb) / (len(ta) + len(tb))
    edit = 1 - _levenshtein(fa, fb) / max(len(fa), len(fb))
    return max(dice, edit)


def normalise_link(url: str) -> str:
    url = url.strip().lower()
    url = re.sub(r"^[a-z]+://", "", url)
    url = url.removeprefix("www.")
    return url.rstrip("/")


def link_domain(link: str) -> str:
    return normalise_link(link).split("/", 1)[0]


@dataclass
class _Index:
    by_link: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_domain: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_file: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_follower: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_term: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_gram: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))


class EvasionScorer:
    """Index the disabled accounts once; score any number of new accounts against them.

    ``domain_counts``: how many accounts of the whole platform link to each domain, so a link hub that half
    the platform uses says little, and one used by a handful of accounts says more.
    """

    def __init__(
        self,
        originals: Sequence[Profile],
        *,
        domain_counts: Mapping[str, int] | None = None,
        platform_accounts: int = 1,
        threshold: float = 0.8,
        max_bucket: int = 200,
    ) -> None:
        self.originals = list(originals)
        self.threshold = threshold
        self.max_bucket = max_bucket
        self.domain_counts = dict(domain_counts or {})
        self.n = max(platform_accounts, 1)
        self.idx = _Index()
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
            for g in _trigrams(fold_name(o.username)):
                self.idx.by_gram[g].add(i)
        self._pdq_bits, self._pdq_owner = _pdq_matrix(
            [(i, p) for i, o in enumerate(self.originals) for p in o.pdq]
        )

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
        grams = Counter(i for g in _trigrams(fold_name(p.username)) for i in ix.by_gram.get(g, ()))
        out.update(i for i, c in grams.items() if c >= 3)
        return out

    def _near_files(self, p: Profile) -> dict[int, int]:
        """Original index -> smallest PDQ distance to any of the new account's files (within PDQ_NEAR)."""
        if not p.pdq or self._pdq_bits.shape[0] == 0:
            return {}
        mine, _ = _pdq_matrix([(0, h) for h in p.pdq])
        best: dict[int, int] = {}
        for row in mine:
            dist = np.unpackbits(np.bitwise_xor(self._pdq_bits, row), axis=1).sum(axis=1)
            for k in np.nonzero(dist <= PDQ_NEAR)[0]:
                owner = int(self._pdq_owner[k])
                best[owner] = min(best.get(owner, 256), int(dist[k]))
        return best

    def _refollow_surprise(self, common: int, mine: int, theirs: int) -> float:
        """How unlikely this many shared followers is by chance (Poisson, -log10 p), less the look-elsewhere
        cost of having compared against every original; > 0 means more than chance would explain."""
        lam = max(mine * theirs / self.n, 1e-9)
        log_p = float(poisson.logsf(common - 1, lam)) / math.log(10)
        return -log_p - math.log10(max(len(self.originals), 1))

    def score_pair(
        self, p: Profile, o: Profile, near: int | None = None
    ) -> tuple[float, dict[str, float], list[str]]:
        kinds: dict[str, float] = {}
        words: list[str] = []
        same_links = {normalise_link(x) for x in p.links} & {normalise_link(x) for x in o.links}
        if same_links:
            kinds["same_link"] = 1.0
            words.append(f"same external link {sorted(same_links)[0]}")
        else:
            domains = {link_domain(x) for x in p.links} & {link_domain(x) for x in o.links}
            if domains:
                d = sorted(domains)[0]
                share = self.domain_counts.get(d, 1) / self.n
                kinds["same_link_domain"] = max(0.0, min(1.0, 1 - math.log10(1 + 100 * share) / 2))
                words.append(f"same link hub {d} (used by {self.domain_counts.get(d, 1)} accounts)")
        same_files = p.files & o.files
        if same_files:
            kinds["same_file"] = 1.0
            words.append(f"{len(same_files)} identical file(s) (same hash)")
        elif near is not None:
            kinds["near_file"] = 1 - near / (2 * PDQ_NEAR)
            words.append(f"near-identical file (PDQ distance {near})")
        common = p.followers & o.followers
        if len(common) >= 2:
            surprise = self._refollow_surprise(len(common), len(p.followers), len(o.followers))
            if surprise > 0:
                kinds["refollowers"] = min(1.0, surprise / 4)
                share = len(common) / max(1, len(p.followers))
                odds = 10 ** min(surprise + math.log10(max(1, len(self.originals))), 12)
                words.append(
                    f"{len(common)} of the disabled account's followers re-followed it "
                    f"({share:.0%} of its followers; chance 1 in {odds:,.0f})"
                )
        sim = name_similarity(p.username, o.username)
        if sim >= 0.6:
            kinds["similar_username"] = (sim - 0.6) / 0.4
            words.append(f"username {p.username!r} resembles {o.username!r} ({sim:.2f})")
        dsim = name_similarity(p.display_name, o.display_name)
        if dsim >= 0.8:
            kinds["similar_display_name"] = (dsim - 0.8) / 0.2
            words.append(f"display name {p.display_name!r} resembles {o.display_name!r} ({dsim:.2f})")
        terms = p.terms & o.terms
        if terms:
            kinds["same_terms"] = len(terms) / len(p.terms | o.terms)
            words.append(f"same lexicon terms: {', '.join(sorted(terms))}")
        miss = 1.0
        for k, v in kinds.items():
            miss *= 1 - WEIGHTS[k] * v
        return 1 - miss, kinds, words

    def linked(self, score: float, kinds: Mapping[str, float]) -> bool:
        if score < self.threshold:
            return False
        strong = (
            any(kinds.get(k, 0) >= 0.99 for k in STRONG if k != "refollowers")
            or kinds.get("refollowers", 0) >= 0.85
        )
        return strong or sum(1 for v in kinds.values() if v > 0.25) >= 2

    def match(self, p: Profile) -> EvasionMatch | None:
        """The most likely original of a new account, or None when nothing reaches the bar."""
        near = self._near_files(p)
        best: tuple[float, int, dict[str, float], list[str]] | None = None
        for i in self._candidates(p) | set(near):
            o = self.originals[i]
            if o.account_id == p.account_id:
                continue
            score, kinds, words = self.score_pair(p, o, near.get(i))
            if best is None or (score, -i) > (best[0], -best[1]):
                best = (score, i, kinds, words)
        if best is None or not self.linked(best[0], best[2]):
            return None
        score, i, kinds, words = best
        return EvasionMatch(p.account_id, self.originals[i].account_id, score, words, kinds)

    def match_all(self, new_accounts: Iterable[Profile]) -> list[EvasionMatch]:
        return [m for p in new_accounts if (m := self.match(p)) is not None]


def _pdq_matrix(items: list[tuple[int, str]]) -> tuple[np.ndarray, np.ndarray]:
    good = [(i, h) for i, h in items if h and len(h) == 64]
    if not good:
        return np.zeros((0, 32), np.uint8), np.zeros(0, np.int64)
    bits = np.frombuffer(b"".join(bytes.fromhex(h) for _, h in good), np.uint8).reshape(-1, 32)
    return bits, np.array([i for i, _ in good], np.int64)
