"""Benign vocabulary for synthetic platforms: everyday words, invented neutral code words, their rotations.

Nothing here is, or stands in for, abusive or sexualised language: the code words are made-up compounds
("bluefinch") that play the part an operator's real lexicon would, so every test and demo stays benign.
"""

from __future__ import annotations

import random

ADJECTIVES = [
    "sunny",
    "quiet",
    "brave",
    "tiny",
    "golden",
    "lazy",
    "happy",
    "misty",
    "rapid",
    "gentle",
    "silver",
    "crimson",
    "amber",
    "clever",
    "calm",
    "wild",
    "dusty",
    "frosty",
    "lucky",
    "mellow",
    "noble",
    "olive",
    "polar",
    "rustic",
    "sandy",
    "tidy",
    "urban",
    "vivid",
    "windy",
    "young",
    "cosy",
    "bright",
]
NOUNS = [
    "otter",
    "maple",
    "river",
    "garden",
    "pixel",
    "comet",
    "harbor",
    "meadow",
    "pebble",
    "lantern",
    "orchard",
    "canyon",
    "falcon",
    "biscuit",
    "teapot",
    "violin",
    "rocket",
    "cactus",
    "island",
    "forest",
    "muffin",
    "puzzle",
    "compass",
    "pillow",
    "acorn",
    "beacon",
    "candle",
    "glacier",
    "kettle",
    "ladder",
    "marble",
    "nectar",
]
TOPICS = [
    "hiking",
    "baking",
    "football",
    "chess",
    "gardening",
    "photography",
    "cycling",
    "painting",
    "travel",
    "coffee",
    "music",
    "cooking",
    "running",
    "birding",
    "knitting",
    "movies",
    "science",
    "poetry",
    "climbing",
    "swimming",
]
VERBS = [
    "loved",
    "tried",
    "found",
    "shared",
    "made",
    "visited",
    "watched",
    "planned",
    "enjoyed",
    "finished",
    "started",
]
PLACES = ["park", "lake", "beach", "market", "library", "studio", "kitchen", "trail", "museum", "station"]

#: Invented code words that stand for an operator's lexicon in tests and demos.
CODE_WORDS = ("bluefinch", "marblecrow", "tidelamp", "copperwren", "velvetmoth", "quietfern")
SELLER_PHRASES = (
    "new menu in bio",
    "dm for the list",
    "check the link",
    "updates in stories",
    "ask for prices",
)
LINK_HUBS = ("linkhub.example", "tapbio.example", "allmylinks.example")

_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})


def rotations(word: str, rng: random.Random, count: int = 3) -> list[str]:
    """New spellings a network rotates to once the old tag is blocked (suffixes, swaps, doubled letters)."""
    half = len(word) // 2
    candidates = [
        word + str(rng.randint(2, 99)),
        word[half:] + word[:half],
        word.replace("e", "ee", 1) if "e" in word else word + "x",
        word[:-1] + word[-1] * 3,
        word + "club",
    ]
    rng.shuffle(candidates)
    return candidates[:count]


def obfuscate(word: str, rng: random.Random) -> str:
    """One of the everyday evasions: leetspeak, separators, case games or stretched letters."""
    style = rng.randrange(6)
    if style == 0:
        return word.translate(_LEET)
    if style == 1:
        return ".".join(word)
    if style == 2:
        return "".join(c.upper() if i % 2 else c for i, c in enumerate(word))
    if style == 3:
        return word[0] + word[1] * 3 + word[2:]
    if style == 4:
        return " ".join(word)
    return word


def username(rng: random.Random) -> str:
    return f"{rng.choice(ADJECTIVES)}_{rng.choice(NOUNS)}{rng.randint(1, 9999)}"


def display_name(rng: random.Random) -> str:
    return f"{rng.choice(ADJECTIVES).title()} {rng.choice(NOUNS).title()}"


def benign_bio(rng: random.Random) -> str:
    topics = rng.sample(TOPICS, 2)
    return f"{topics[0]} and {topics[1]} | {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} fan"


def benign_sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(VERBS)} a {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} "
        f"at the {rng.choice(PLACES)} today"
    )
