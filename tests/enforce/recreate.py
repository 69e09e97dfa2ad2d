"""A later export of a synthetic platform in which disabled sellers came back under new accounts.

Used by the evasion tests and ``bench/evasion.py``. Each re-created seller gets a new id and shows two to
four of the behaviours real re-creations show, and nothing else of the old account:

- ``hub``: the same link hub under a new path (two times in three a variant of the old path, else unrelated);
- ``bio``: the old bio's words shuffled (sometimes with a word added);
- ``name``: a username variant ("name_", "name2", a changed last character, "real"/"the"/"official" in
  front) and a display-name variant;
- ``followers``: about half (40-60%) of the old followers re-follow;
- ``file``: a reused file, the same bytes or a near copy (a few PDQ bits differ).

Benign new accounts join at the same time; ``hard_share`` of them are hard negatives: a username and display
name that are variants of a seller's, following the accounts that seller follows, followed by a few random
accounts and by the accounts that follow everyone, and half the time on the same link hub. Those
follow-everyone accounts (``BOTS``) also followed every seller, so they sit in every overlap of followers.

``platform_status``: the sellers are ``disabled`` in the later export (the platform banned them);
``status_changed_at``: the export also says when.
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

BEHAVIOURS = ("hub", "bio", "name", "followers", "file")
BOTS = 5
PREFIXES = ("real", "the", "official", "real_", "the.")


@dataclass
class Recreation:
    folder: Path
    decided_at: datetime
    recreated: dict[str, str] = field(default_factory=dict)  # new account -> original seller
    benign: list[str] = field(default_factory=list)
    hard: list[str] = field(default_factory=list)  # the benign accounts that look like a seller
    behaviours: dict[str, tuple[str, ...]] = field(default_factory=dict)  # new account -> what it kept


def end_of(platform: SyntheticPlatform) -> datetime:
    return parse_instant(platform.config.start) + timedelta(days=platform.config.days)


def username_variant(name: str, rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return name + rng.choice(("_", "__", "."))
    if style == 1:
        return name + str(rng.randint(2, 9))
    if style == 2:
        last = name[-1]
        pool = "0123456789" if last.isdigit() else "abcdefghijklmnopqrstuvwxyz"
        return name[:-1] + rng.choice([c for c in pool if c != last])
    return rng.choice(PREFIXES) + name


def _display_variant(name: str, rng: random.Random) -> str:
    return rng.choice([name, name + " II", name.replace(" ", ""), name + " (new)", "Real " + name])


def _path_variant(path: str, rng: random.Random) -> str:
    return rng.choice([path + "_", path + str(rng.randint(2, 9)), path[:-1] + "x", "new-" + path])


def _flip_bits(pdq: str, rng: random.Random, bits: int) -> str:
    value = int(pdq, 16)
    for b in rng.sample(range(256), bits):
        value ^= 1 << b
    return f"{value:064x}"


def later_export(
    platform: SyntheticPlatform,
    folder: Path,
    *,
    seed: int = 11,
    recreate_share: float = 1.0,
    benign_per_recreated: float = 5.0,
    hard_share: float = 0.4,
    platform_status: bool = True,
    status_changed_at: bool = False,
    bots: int = BOTS,
) -> Recreation:
    rng = random.Random(seed)
    cfg = platform.config
    decided = end_of(platform)
    truth = platform.truth
    sellers = truth.members("seller")
    by_id = {a["account_id"]: a for a in platform.accounts}
    followers: dict[str, list[str]] = defaultdict(list)
    following: dict[str, list[str]] = defaultdict(list)
    for s, d in zip(platform.follow_src, platform.follow_dst, strict=True):
        src, dst = platform.account_id(int(s)), platform.account_id(int(d))
        followers[dst].append(src)
        following[src].append(dst)
    own_media: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for post in platform.tables.get("posts", []):
        if post.get("media"):
            own_media[post["account_id"]].extend(json.loads(post["media"]))
    gone = set(sellers)  # disabled: a newcomer cannot follow them any more
    ranked = sorted(followers.items(), key=lambda kv: -len(kv[1]))
    popular = [a for a, _ in ranked if a not in gone][:40]
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

    def follow(follower: str, followee: str, day: float, source: str = "search") -> None:
        new_follows.append(
            {"follower_id": follower, "followee_id": followee, "created_at": at(day), "source": source}
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

    def random_media() -> list[dict[str, Any]]:
        return [
            {
                "media_id": "x",
                "md5": f"{rng.getrandbits(128):032x}",
                "sha256": f"{rng.getrandbits(256):064x}",
                "pdq": f"{rng.getrandbits(256):064x}",
                "pdq_quality": 90,
            }
        ]

    def own_link() -> str:
        return (
            f"https://{rng.choice(vocab.NOUNS)}{rng.randint(1, 999)}.example/" if rng.random() < 0.3 else ""
        )

    for n, seller in enumerate(s for s in sellers if rng.random() < recreate_share):
        old = by_id[seller]
        aid = f"z{n:06d}"
        day = rng.uniform(0.5, 20)
        media = own_media.get(seller, [])
        pool = [b for b in BEHAVIOURS if b != "file" or media]
        kept = tuple(sorted(rng.sample(pool, rng.choices((2, 3, 4), (0.5, 0.35, 0.15))[0])))
        links = own_link()
        if "hub" in kept and old["external_links"]:
            hub, path = old["external_links"].split("/", 3)[2:4]
            new_path = _path_variant(path, rng) if rng.random() < 2 / 3 else f"{rng.choice(vocab.NOUNS)}{n}"
            links = f"https://{hub}/{new_path}"
        if "name" in kept:
            username = username_variant(old["username"], rng)
            display = _display_variant(old["display_name"], rng)
        else:
            username, display = vocab.username(rng), vocab.display_name(rng)
        if "bio" in kept:
            words = old["bio"].split()
            rng.shuffle(words)
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words) + 1), rng.choice(("again", "new", "backup", "here")))
            bio = " ".join(words)
        else:
            bio = vocab.benign_bio(rng)
        account(aid, username, display, bio, links, day)
        old_followers = followers.get(seller, [])
        if "followers" in kept:
            back = rng.sample(old_followers, round(len(old_followers) * rng.uniform(0.4, 0.6)))
        else:
            back = rng.sample(everyone, rng.randint(0, 5))
        for f in back:
            follow(f, aid, day + 1)
        for k in range(rng.randint(2, 4)):
            reuse: list[dict[str, Any]] = []
            if "file" in kept and k == 0:
                m = dict(rng.choice(media))
                if rng.random() < 0.5 and m.get("pdq"):
                    m = {**m, "md5": f"{rng.getrandbits(128):032x}", "sha256": f"{rng.getrandbits(256):064x}"}
                    m["pdq"] = _flip_bits(m["pdq"], rng, rng.randint(4, 16))
                reuse = [m]
            elif rng.random() < 0.4:
                reuse = random_media()
            post(aid, k, rng.choice(vocab.SELLER_PHRASES), reuse, day + k)
        out.recreated[aid] = seller
        out.behaviours[aid] = kept

    for n in range(round(len(out.recreated) * benign_per_recreated)):
        aid = f"y{n:06d}"
        day = rng.uniform(0.5, 20)
        if rng.random() < hard_share:
            twin = by_id[rng.choice(sellers)]
            username = username_variant(twin["username"], rng)
            display = _display_variant(twin["display_name"], rng) if rng.random() < 0.5 else ""
            display = display or vocab.display_name(rng)
            links = own_link()
            if rng.random() < 0.5 and twin["external_links"]:
                links = f"https://{twin['external_links'].split('/')[2]}/{rng.choice(vocab.NOUNS)}{n}"
            account(aid, username, display, vocab.benign_bio(rng), links, day)
            for f in rng.sample(everyone, rng.randint(0, 4)):
                follow(f, aid, day + 1, "profile")
            for target in [t for t in following.get(twin["account_id"], []) if t not in gone][:6]:
                follow(aid, target, day + 1, "recommendation")
            out.hard.append(aid)
        else:
            links = ""
            roll = rng.random()
            if roll < 0.15:
                links = (
                    f"https://{rng.choice(vocab.LINK_HUBS)}/{rng.choice(vocab.NOUNS)}{rng.randint(1, 999)}"
                )
            elif roll < 0.35:
                links = f"https://{rng.choice(vocab.NOUNS)}{rng.randint(1, 999)}.example/"
            account(aid, vocab.username(rng), vocab.display_name(rng), vocab.benign_bio(rng), links, day)
            for f in rng.sample(everyone, rng.randint(0, 8)):
                follow(f, aid, day + 1, "profile")
        for target in rng.sample(popular, min(len(popular), rng.randint(1, 6))):
            follow(aid, target, day + 1, "recommendation")
        for k in range(rng.randint(0, 3)):
            post(aid, k, vocab.benign_sentence(rng), random_media() if rng.random() < 0.5 else [], day + k)
        out.benign.append(aid)

    # accounts that follow everyone: they followed the sellers and follow every newcomer, so they are in
    # every overlap of followers and must weigh little there
    for k, bot in enumerate(f"w{k:03d}" for k in range(bots)):
        new_accounts.append(
            {
                **by_id[everyone[0]],
                "account_id": bot,
                "username": f"followall{k}",
                "bio": "",
                "status": "active",
            }
        )
        new_accounts[-1]["created_at"] = cfg.start
        targets = set(rng.sample(everyone, len(everyone) * 3 // 10)) | set(sellers)
        targets |= set(out.recreated) | set(out.benign)
        for target in sorted(targets):
            follow(bot, target, -30 if target in by_id else 2, "recommendation")
    banned = gone if platform_status else set()
    old_accounts = [
        {
            **a,
            "status": "disabled" if a["account_id"] in banned else a["status"],
            "status_changed_at": iso(decided) if status_changed_at and a["account_id"] in banned else "",
        }
        for a in platform.accounts
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "platform.json").write_text(
        json.dumps({"platform": cfg.platform, "exported_at": iso(decided + timedelta(days=30))}),
        encoding="utf-8",
    )
    account_columns = [*COLUMNS["accounts"], "status_changed_at"]
    for name, columns, rows in (
        ("accounts", account_columns, old_accounts + new_accounts),
        ("follows", COLUMNS["follows"], new_follows),
        ("posts", COLUMNS["posts"], new_posts),
    ):
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            writer.writerows([row.get(c, "") for c in columns] for row in rows)
    return out
