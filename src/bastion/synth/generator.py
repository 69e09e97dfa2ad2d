"""A seeded synthetic platform: ordinary communities with planted seller/buyer networks and decoys.

Built for tests (hundreds of accounts), the demo (thousands) and benchmarks (millions of follows): the
follow graph is drawn with numpy in bulk, everything else per account. The same config and seed always
give the same platform, byte for byte.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np

from bastion.core.timefmt import iso, parse_instant
from bastion.synth import vocab
from bastion.synth.config import SynthConfig
from bastion.synth.truth import GroundTruth

FOLLOW_SOURCES = np.array(["profile", "search", "recommendation", "unknown"])


@dataclass
class SyntheticPlatform:
    config: SynthConfig
    truth: GroundTruth
    accounts: list[dict[str, Any]] = field(default_factory=list)
    follow_src: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    follow_dst: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    follow_time: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    follow_source: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def account_id(self, index: int) -> str:
        return f"u{index:07d}"

    def follows(self, chunk: int = 100_000) -> Iterator[list[dict[str, Any]]]:
        """Follow rows in chunks, so writing ten million of them never builds them all at once."""
        start = parse_instant(self.config.start)
        for lo in range(0, len(self.follow_src), chunk):
            hi = lo + chunk
            yield [
                {
                    "follower_id": self.account_id(int(s)),
                    "followee_id": self.account_id(int(d)),
                    "created_at": iso(start + timedelta(seconds=int(t))),
                    "source": str(FOLLOW_SOURCES[k]),
                }
                for s, d, t, k in zip(
                    self.follow_src[lo:hi],
                    self.follow_dst[lo:hi],
                    self.follow_time[lo:hi],
                    self.follow_source[lo:hi],
                    strict=True,
                )
            ]


def generate(config: SynthConfig | None = None) -> SyntheticPlatform:
    cfg = config or SynthConfig()
    return _Builder(cfg).build()


class _Builder:
    def __init__(self, cfg: SynthConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.np = np.random.default_rng(cfg.seed)
        self.start = parse_instant(cfg.start)
        self.n = cfg.accounts
        self.truth = GroundTruth(platform=cfg.platform)
        self.platform = SyntheticPlatform(cfg, self.truth)
        self.roles: dict[int, str] = {}
        self.cell: dict[int, tuple[int, int]] = {}
        self.sellers: list[int] = []
        self.buyers: list[int] = []
        self.facilitators: list[int] = []
        self.decoys: list[int] = []
        self.variants: dict[str, list[str]] = {}
        self.created_day: list[float] = []
        self.popularity: np.ndarray = np.empty(0)

    def at(self, day: float) -> str:
        return iso(self.start + timedelta(days=day))

    def build(self) -> SyntheticPlatform:
        self._assign_roles()
        self._accounts()
        self._follows()
        self._posts()
        self._activity()
        self._recommendations()
        self._reports_and_seeds()
        return self.platform

    def _assign_roles(self) -> None:
        cfg = self.cfg
        planted = cfg.sellers + cfg.buyers + cfg.facilitators + cfg.decoys
        if planted > self.n // 2:
            raise ValueError(f"{self.n} accounts is too few for {planted} planted accounts")
        chosen = self.np.choice(np.arange(self.n // 10, self.n), size=planted, replace=False)
        it = iter(int(i) for i in chosen)
        cells = cfg.cells
        for k in range(cfg.sellers):
            idx = next(it)
            self.roles[idx] = "seller"
            self.cell[idx] = (k % cfg.networks, k % cells)
        for role, count in (("buyer", cfg.buyers), ("facilitator", cfg.facilitators), ("decoy", cfg.decoys)):
            for k in range(count):
                idx = next(it)
                self.roles[idx] = role
                if role != "decoy":
                    self.cell[idx] = (k % cfg.networks, -1)
        self.sellers = [i for i, r in self.roles.items() if r == "seller"]
        self.buyers = [i for i, r in self.roles.items() if r == "buyer"]
        self.facilitators = [i for i, r in self.roles.items() if r == "facilitator"]
        self.decoys = [i for i, r in self.roles.items() if r == "decoy"]
        pid = self.platform.account_id
        self.truth.roles = {pid(i): r for i, r in self.roles.items()}
        self.truth.network_of = {pid(i): c[0] for i, c in self.cell.items()}
        self.truth.cell_of = {pid(i): c[1] for i, c in self.cell.items() if c[1] >= 0}
        self.truth.code_words = list(vocab.CODE_WORDS[: 2 + cfg.networks])
        self.variants = {w: vocab.rotations(w, self.rng) for w in self.truth.code_words}
        self.truth.rotated_variants = sorted({v for vs in self.variants.values() for v in vs})

    def _accounts(self) -> None:
        rng, cfg = self.rng, self.cfg
        ages = self.np.random(self.n)
        for i in range(self.n):
            role = self.roles.get(i, "ordinary")
            band = "minor" if ages[i] < cfg.minor_share else ("adult" if ages[i] < 0.92 else "unknown")
            if role in ("buyer", "facilitator"):
                band = "adult" if ages[i] < 0.8 else "unknown"
            created = rng.uniform(0, cfg.days * 0.9)
            bio, links = vocab.benign_bio(rng), ""
            if role == "seller":
                network, cell = self.cell[i]
                word = self._code_word(network)
                created = rng.uniform(cfg.days * 0.75, cfg.days * 0.95)
                bio = f"{vocab.obfuscate(word, rng)} {rng.choice(vocab.SELLER_PHRASES)}"
                links = f"https://{vocab.LINK_HUBS[network % len(vocab.LINK_HUBS)]}/c{cell}-{i}"
                band = "unknown" if ages[i] < 0.7 else "adult"
            elif rng.random() < 0.2:
                links = f"https://{rng.choice(vocab.NOUNS)}{rng.randint(1, 999)}.example/"
            if band == "minor":
                self.truth.minors.append(self.platform.account_id(i))
            self.platform.accounts.append(
                {
                    "account_id": self.platform.account_id(i),
                    "created_at": self.at(created),
                    "username": vocab.username(rng),
                    "display_name": vocab.display_name(rng),
                    "bio": bio,
                    "external_links": links,
                    "age_band": band,
                    "status": "active",
                }
            )
        self.created_day = [
            (parse_instant(a["created_at"]) - self.start).total_seconds() / 86400
            for a in self.platform.accounts
        ]

    def _code_word(self, network: int) -> str:
        words = self.truth.code_words
        return words[network % len(words)] if self.rng.random() < 0.8 else self.rng.choice(words)

    def _follows(self) -> None:
        from bastion.synth.follows import draw_follows

        src, dst, kind = draw_follows(self, self.np)
        order = np.lexsort((dst, src))
        src, dst, kind = src[order], dst[order], kind[order]
        created = np.asarray(self.created_day)
        lo = np.maximum(created[src], created[dst])
        day = lo + self.np.random(len(src)) * np.maximum(self.cfg.days - lo, 1.0)
        self.platform.follow_src, self.platform.follow_dst = src, dst
        self.platform.follow_time = (day * 86400).astype(np.int64)
        self.platform.follow_source = kind

    def _posts(self) -> None:
        from bastion.synth.content import draw_posts

        self.platform.tables["posts"] = draw_posts(self)

    def _activity(self) -> None:
        from bastion.synth.content import draw_activity

        draw_activity(self)

    def _recommendations(self) -> None:
        from bastion.synth.content import draw_recommendations

        impressions = draw_recommendations(self)
        self.platform.tables["recommendations"] = impressions
        self._follows_from_impressions([r for r in impressions if r["followed"] == "true"])

    def _follows_from_impressions(self, followed: list[dict[str, Any]]) -> None:
        """A followed impression is a follow the recommender caused: record it with source=recommendation."""
        from bastion.synth.follows import RECOMMENDATION

        if not followed:
            return
        p, n = self.platform, self.n
        src = np.array([int(r["viewer_id"][1:]) for r in followed], np.int64)
        dst = np.array([int(r["recommended_id"][1:]) for r in followed], np.int64)
        seconds = np.array(
            [(parse_instant(r["shown_at"]) - self.start).total_seconds() + 60 for r in followed], np.int64
        )
        keys = p.follow_src * n + p.follow_dst
        new_keys, first = np.unique(src * n + dst, return_index=True)
        src, dst, seconds = src[first], dst[first], seconds[first]
        pos: np.ndarray = np.asarray(np.searchsorted(keys, new_keys))
        known = (pos < len(keys)) & (keys[np.minimum(pos, len(keys) - 1)] == new_keys)
        p.follow_source[pos[known]] = RECOMMENDATION
        p.follow_time[pos[known]] = seconds[known]
        fresh = ~known
        s = np.concatenate([p.follow_src, src[fresh]])
        d = np.concatenate([p.follow_dst, dst[fresh]])
        order = np.lexsort((d, s))
        p.follow_src, p.follow_dst = s[order], d[order]
        p.follow_time = np.concatenate([p.follow_time, seconds[fresh]])[order]
        p.follow_source = np.concatenate([p.follow_source, np.full(fresh.sum(), RECOMMENDATION, np.int8)])[
            order
        ]

    def _reports_and_seeds(self) -> None:
        rng, pid = self.rng, self.platform.account_id
        reports: list[dict[str, Any]] = []
        reported = rng.sample(self.sellers, max(1, len(self.sellers) // 5))
        for k, target in enumerate(reported):
            reporter = rng.randrange(self.n)
            reports.append(self._report(f"r{k:06d}", reporter, target, "child_safety", rng.uniform(650, 715)))
        for k in range(max(2, self.n // 200)):
            target = rng.randrange(self.n)
            if target not in self.roles:
                reports.append(
                    self._report(f"n{k:06d}", rng.randrange(self.n), target, "spam", rng.uniform(0, 715))
                )
        self.platform.tables["reports"] = reports
        seeds = sorted(reported)[:5] if len(reported) >= 5 else sorted(self.sellers)[:5]
        self.truth.seeds = [pid(s) for s in seeds]
        self.platform.tables["seeds"] = [
            {"account_id": pid(s), "reason": "reported by users", "source": "report"} for s in seeds
        ]

    def _report(self, rid: str, reporter: int, target: int, reason: str, day: float) -> dict[str, Any]:
        return {
            "report_id": rid,
            "reporter_id": self.platform.account_id(reporter),
            "target_type": "account",
            "target_id": self.platform.account_id(target),
            "reason": reason,
            "created_at": self.at(day),
            "text": "" if reason == "spam" else "account advertises a list in its bio",
        }


def media_json(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, separators=(",", ":"))
