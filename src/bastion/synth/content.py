"""Posts, media hashes, interactions, messages, searches and recommendation impressions."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np

from bastion.synth import vocab
from bastion.synth.generator import media_json

if TYPE_CHECKING:
    from bastion.synth.generator import _Builder

KNOWN_LIST = "demo-known"
BENIGN_TAGS = [*vocab.TOPICS, *vocab.NOUNS]


def _hex(b: _Builder, nbytes: int) -> str:
    return b.rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()


def _near(value: str, bits: int, b: _Builder) -> str:
    """A re-encoded copy of a known image: the same PDQ hash with a few bits flipped."""
    number = int(value, 16)
    for pos in b.rng.sample(range(256), bits):
        number ^= 1 << pos
    return f"{number:064x}"


def _known_hashes(b: _Builder) -> list[dict[str, str]]:
    known = []
    for k in range(max(8, len(b.sellers) // 2)):
        known.append({"type": "pdq", "value": _hex(b, 32), "list": KNOWN_LIST, "note": f"demo entry {k}"})
    for k in range(4):
        known.append({"type": "md5", "value": _hex(b, 16), "list": KNOWN_LIST, "note": f"demo exact {k}"})
    b.truth.known_hashes = known
    return known


def _tag_pick(b: _Builder) -> str:
    # popular benign tags follow a Zipf-like curve, so "popular" is a real competitor for discovery
    index = min(int(b.np.zipf(1.6)) - 1, len(BENIGN_TAGS) - 1)
    return BENIGN_TAGS[index]


def _media(b: _Builder, post_id: str, pdq: str | None = None, md5: str | None = None) -> dict[str, Any]:
    return {
        "media_id": f"m-{post_id}",
        "md5": md5 or _hex(b, 16),
        "sha256": hashlib.sha256(post_id.encode()).hexdigest(),
        "pdq": pdq or _hex(b, 32),
        "pdq_quality": b.rng.randint(70, 100),
    }


def draw_posts(b: _Builder) -> list[dict[str, Any]]:
    rng, cfg, pid = b.rng, b.cfg, b.platform.account_id
    known = _known_hashes(b)
    pdqs = [k["value"] for k in known if k["type"] == "pdq"]
    md5s = [k["value"] for k in known if k["type"] == "md5"]
    counts = b.np.poisson(cfg.posts_per_account, b.n)
    posts: list[dict[str, Any]] = []
    for i in range(b.n):
        role = b.roles.get(i, "ordinary")
        count = int(counts[i]) + (rng.randint(3, 7) if role == "seller" else 0)
        for j in range(count):
            post_id = f"p{i:07d}-{j}"
            day = b.created_day[i] + rng.random() * (cfg.days - b.created_day[i])
            post = {"post_id": post_id, "account_id": pid(i), "created_at": b.at(day), "kind": "post"}
            tags = {_tag_pick(b) for _ in range(rng.randint(0, 3))}
            text = vocab.benign_sentence(rng)
            media: list[dict[str, Any]] = []
            if role == "seller":
                network = b.cell[i][0]
                word = b._code_word(network)
                late = j >= count // 2
                spelled = rng.choice(b.variants[word]) if late else word
                post["kind"] = "story" if rng.random() < 0.8 else "post"
                text = f"{vocab.obfuscate(spelled, rng)} {rng.choice(vocab.SELLER_PHRASES)}"
                tags |= {word, *rng.sample(b.variants[word], 2)} if late else {word}
                if rng.random() < 0.6:
                    media.append(_media(b, post_id, pdq=_near(rng.choice(pdqs), rng.randint(0, 12), b)))
                elif rng.random() < 0.3:
                    media.append(_media(b, post_id, md5=rng.choice(md5s)))
            elif role == "decoy" and j == 0:
                word = rng.choice(b.truth.code_words)
                text = f"{rng.choice(vocab.VERBS)} a {word} at the {rng.choice(vocab.PLACES)} today"
            else:
                post["kind"] = rng.choices(["post", "story", "reel", "comment"], [70, 15, 10, 5])[0]
                if rng.random() < 0.5:
                    media.append(_media(b, post_id))
            post["text"] = text
            post["hashtags"] = ";".join(sorted(tags))
            post["media"] = media_json(media) if media else ""
            posts.append(post)
    return posts


def draw_activity(b: _Builder) -> None:
    """Interactions along follow edges, buyer-to-seller messages and search sessions."""
    rng, pid, p = b.rng, b.platform.account_id, b.platform
    sellers = set(b.sellers)
    interactions: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    sample = b.np.random(len(p.follow_src)) < b.cfg.interaction_share
    for s, d, t in zip(p.follow_src[sample], p.follow_dst[sample], p.follow_time[sample], strict=True):
        s, d = int(s), int(d)
        kind = "view" if d in sellers and b.roles.get(s) == "buyer" else "like"
        if d in sellers and b.roles.get(s) == "facilitator":
            kind = "share"
        day = int(t) / 86400
        interactions.append(
            {
                "actor_id": pid(s),
                "target_account_id": pid(d),
                "kind": kind,
                "count": rng.randint(1, 40 if kind == "view" else 8),
                "first_at": b.at(day),
                "last_at": b.at(min(day + rng.random() * 20, b.cfg.days)),
            }
        )
        if (b.roles.get(s) == "buyer" and d in sellers and rng.random() < 0.6) or rng.random() < 0.05:
            messages.append(
                {
                    "sender_id": pid(s),
                    "recipient_id": pid(d),
                    "count": rng.randint(1, 12),
                    "first_at": b.at(day),
                    "last_at": b.at(min(day + rng.random() * 5, b.cfg.days)),
                    "initiated_by_sender": "true",
                }
            )
    p.tables["interactions"] = interactions
    p.tables["messages"] = messages
    p.tables["searches"] = _searches(b)


def _searches(b: _Builder) -> list[dict[str, Any]]:
    rng, pid = b.rng, b.platform.account_id
    out: list[dict[str, Any]] = []
    for i in range(0, b.n, 3):
        out.append(
            {
                "account_id": pid(i),
                "query": rng.choice(vocab.TOPICS),
                "created_at": b.at(rng.uniform(0, b.cfg.days)),
                "results_shown": rng.randint(0, 50),
            }
        )
    for i in b.buyers:
        day = rng.uniform(b.cfg.days * 0.8, b.cfg.days * 0.99)
        word = b._code_word(b.cell[i][0])
        for k in range(rng.randint(2, 4)):  # one session: a few queries minutes apart
            query = rng.choice([word, vocab.obfuscate(word, rng), rng.choice(b.variants[word])])
            out.append(
                {"account_id": pid(i), "query": query, "created_at": b.at(day + k / 1440), "results_shown": 0}
            )
    for i in b.decoys[: max(1, len(b.decoys) // 3)]:
        out.append(
            {
                "account_id": pid(i),
                "query": f"{rng.choice(b.truth.code_words)} {rng.choice(vocab.PLACES)}",
                "created_at": b.at(rng.uniform(0, b.cfg.days)),
                "results_shown": 12,
            }
        )
    return out


def draw_recommendations(b: _Builder) -> list[dict[str, Any]]:
    """Impressions of an unguarded recommender: it shows network members to buyers and to ordinary users."""
    rng, pid, n = b.rng, b.platform.account_id, b.n
    out: list[dict[str, Any]] = []
    surfaces = ["suggested_accounts", "explore", "search"]
    popular = np.argsort(-b.popularity)[:50]
    viewers = b.np.choice(n, size=min(n, max(50, n // 2)), replace=False)
    for v in viewers:
        v = int(v)
        picks = [int(x) for x in b.np.choice(popular, size=3, replace=False)]
        role = b.roles.get(v)
        if role in ("buyer", "facilitator") or rng.random() < 0.04:
            picks += rng.sample(b.sellers, min(3, len(b.sellers)))
        for r in picks:
            if r == v:
                continue
            followed = rng.random() < (0.4 if r in b.cell and role == "buyer" else 0.05)
            out.append(
                {
                    "viewer_id": pid(v),
                    "recommended_id": pid(r),
                    "surface": rng.choice(surfaces),
                    "shown_at": b.at(rng.uniform(b.cfg.days * 0.5, b.cfg.days)),
                    "clicked": "true" if followed or rng.random() < 0.1 else "false",
                    "followed": "true" if followed else "false",
                }
            )
    return out
