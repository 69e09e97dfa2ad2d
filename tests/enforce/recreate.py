"""A later export of a synthetic platform in which disabled sellers came back under new accounts.

Used by the evasion tests and ``bench/evasion.py``. The platform's sellers are marked ``disabled``; each
re-created seller gets a new id, a username and display name that resemble the old ones (suffixes, swapped
separators, leetspeak), the same link hub (the same link half the time), some of its old followers
re-following, and posts that reuse its files. Benign new accounts join at the same time, some on the same
link hubs and with names from the same vocabulary, so false links have a real chance to happen.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bastion.core.timefmt import iso, parse_instant
from bastion.synth import SyntheticPlatform, vocab
from bastion.synth.export import COLUMNS


@dataclass
class Recreation:
    folder: Path
    decided_at: datetime
    recreated: dict[str, str] = field(default_factory=dict)  # new account -> original seller
    benign: list[str] = field(default_factory=list)


def end_of(platform: SyntheticPlatform) -> datetime:
    return parse_instant(platform.config.start) + timedelta(days=platform.config.days)


def _username_variant(name: str, rng: random.Random) -> str:
    style = rng.randrange(6)
    if style == 0:
        return name + str(rng.randint(2, 9))
    if style == 1:
        return name.replace("_", ".")
    if style == 2:
        return "the_" + name
    if style == 3:
        return name.replace("o", "0", 1).replace("e", "3", 1)
    if style == 4:
        return name + "_backup"
    return name[:-1] + str(rng.randint(0, 9)) if name[-1].isdigit() else name + "x"


def _display_variant(name: str, rng: random.Random) -> str:
    return rng.choice([name, name + " II", name.replace(" ", ""), name + " (new)"])


def later_export(
    platform: SyntheticPlatform,
    folder: Path,
    *,
    seed: int = 11,
    recreate_share: float = 1.0,
    benign_per_recreated: float = 5.0,
) -> Recreation:
    rng = random.Random(seed)
    cfg = platform.config
    decided = end_of(platform)
    truth = platform.truth
    sellers = truth.members("seller")
    by_id = {a["account_id"]: a for a in platform.accounts}
    followers: dict[str, list[str]] = defaultdict(list)
    for s, d in zip(platform.follow_src, platform.follow_dst, strict=True):
        followers[platform.account_id(int(d))].append(platform.account_id(int(s)))
    own_media: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for post in platform.tables.get("posts", []):
        if post.get("media"):
            own_media[post["account_id"]].extend(json.loads(post["media"]))
    popular = [a for a, fs in sorted(followers.items(), key=lambda kv: -len(kv[1]))[:40]]
    everyone = [a["account_id"] for a in platform.accounts]

    new_accounts: list[dict[str, Any]] = []
    new_follows: list[dict[str, Any]] = []
    new_posts: list[dict[str, Any]] = []
    out = Recreation(folder, decided)

    def at(days: float) -> str:
        return iso(decided + timedelta(days=days))

    def account(aid: str, username: str, display: str, bio: str, links: str, day: float) -> None:
        new_accounts.append(
            {
                "account_id": aid,
                "created_at": at(day),
                "username": username,
                "display_name": display,
                "bio": bio,
                "external_links": links,
                "age_band": "unknown",
                "status": "active",
            }
        )

    def post(aid: str, k: int, text: str, media: list[dict[str, Any]], day: float) -> None:
        pid = f"{aid}-p{k}"
        items = [{**m, "media_id": f"m-{pid}-{j}"} for j, m in enumerate(media)]
        new_posts.append(
            {
                "post_id": pid,
                "account_id": aid,
                "created_at": at(day),
                "kind": "story",
                "text": text,
                "hashtags": "",
                "media": json.dumps(items) if items else "",
            }
        )

    for n, seller in enumerate(s for s in sellers if rng.random() < recreate_share):
        old = by_id[seller]
        aid = f"z{n:06d}"
        day = rng.uniform(0.5, 20)
        hub_link = old["external_links"]
        if rng.random() < 0.5 and hub_link:
            hub = hub_link.split("/")[2]
            hub_link = f"https://{hub}/c{rng.randint(0, 9)}-{aid}"
        account(
            aid,
            _username_variant(old["username"], rng),
            _display_variant(old["display_name"], rng),
            old["bio"],
            hub_link,
            day,
        )
        old_followers = followers.get(seller, [])
        share = 0.0 if rng.random() < 0.2 else rng.uniform(0.3, 0.7)
        for f in rng.sample(old_followers, int(len(old_followers) * share)):
            new_follows.append(
                {"follower_id": f, "followee_id": aid, "created_at": at(day + 1), "source": "search"}
            )
        media = own_media.get(seller, [])
        for k in range(rng.randint(2, 4)):
            reuse = (
                [dict(m) for m in rng.sample(media, min(len(media), 1))]
                if media and rng.random() < 0.6
                else []
            )
            post(aid, k, f"{rng.choice(vocab.SELLER_PHRASES)}", reuse, day + k)
        out.recreated[aid] = seller

    for n in range(round(len(out.recreated) * benign_per_recreated)):
        aid = f"y{n:06d}"
        day = rng.uniform(0.5, 20)
        links = ""
        roll = rng.random()
        if roll < 0.15:
            links = f"https://{rng.choice(vocab.LINK_HUBS)}/{rng.choice(vocab.NOUNS)}{rng.randint(1, 999)}"
        elif roll < 0.35:
            links = f"https://{rng.choice(vocab.NOUNS)}{rng.randint(1, 999)}.example/"
        account(aid, vocab.username(rng), vocab.display_name(rng), vocab.benign_bio(rng), links, day)
        for f in rng.sample(everyone, rng.randint(0, 8)):
            new_follows.append(
                {"follower_id": f, "followee_id": aid, "created_at": at(day + 1), "source": "profile"}
            )
        for target in rng.sample(popular, min(len(popular), rng.randint(1, 6))):
            new_follows.append(
                {
                    "follower_id": aid,
                    "followee_id": target,
                    "created_at": at(day + 1),
                    "source": "recommendation",
                }
            )
        for k in range(rng.randint(0, 3)):
            m = (
                [
                    {
                        "media_id": "x",
                        "md5": f"{rng.getrandbits(128):032x}",
                        "sha256": f"{rng.getrandbits(256):064x}",
                        "pdq": f"{rng.getrandbits(256):064x}",
                        "pdq_quality": 90,
                    }
                ]
                if rng.random() < 0.5
                else []
            )
            post(aid, k, vocab.benign_sentence(rng), m, day + k)
        out.benign.append(aid)

    old_accounts = [
        {**a, "status": "disabled" if a["account_id"] in set(sellers) else a["status"]}
        for a in platform.accounts
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "platform.json").write_text(
        json.dumps({"platform": cfg.platform, "exported_at": iso(decided + timedelta(days=30))}),
        encoding="utf-8",
    )
    for name, rows in (
        ("accounts", old_accounts + new_accounts),
        ("follows", new_follows),
        ("posts", new_posts),
    ):
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS[name])
            writer.writerows([row.get(c, "") for c in COLUMNS[name]] for row in rows)
    return out
