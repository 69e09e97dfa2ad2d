"""Term guard throughput against raw pyahocorasick, search-guard latency and lexicon compile time.

Usage: .venv/bin/python bench/terms.py [--quick] [--terms N] [--texts N] [--compile-terms N]
Every rate is printed next to a baseline measured in the same run, as a ratio, with its target.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import time

import ahocorasick

from bastion.terms.fold import table
from bastion.terms.guard import GuardPolicy, SearchGuard, Viewer
from bastion.terms.lexicon import Lexicon, Severity, Term
from bastion.terms.matcher import Matcher
from bastion.terms.views import FieldKind

SYLLABLES = ["ba", "ko", "ri", "mu", "te", "za", "vo", "ne", "shi", "pa", "lu", "do", "gi", "fe", "xo", "qua"]


def invented_terms(n: int, rng: random.Random) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5))))
    return sorted(out)


def benign_texts(n: int, rng: random.Random) -> list[str]:
    try:
        from wordfreq import top_n_list

        words = top_n_list("en", 20000)
    except ImportError:
        words = [
            "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9))) for _ in range(5000)
        ]
    texts = []
    for _ in range(n):
        ws = rng.choices(words, k=rng.randint(4, 12))
        if rng.random() < 0.3:
            ws.append(str(rng.randint(1, 2030)))
        text = " ".join(ws).capitalize() + rng.choice([".", "!", "?", ""])
        texts.append(text)
    return texts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    ap.add_argument("--terms", type=int, default=10_000)
    ap.add_argument("--texts", type=int, default=200_000)
    ap.add_argument("--compile-terms", type=int, default=100_000)
    ap.add_argument("--searches", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=2_000, help="texts per match_many call")
    args = ap.parse_args()
    if args.quick:
        args.terms, args.texts, args.compile_terms, args.searches = 2_000, 20_000, 20_000, 5_000
    rng = random.Random(7)

    t0 = time.perf_counter()
    table(True), table(False)
    print(f"fold tables built once per process: {time.perf_counter() - t0:.2f} s")

    words = invented_terms(args.terms, rng)
    lexicon = Lexicon("bench", tuple(Term(w, "cat_a", Severity.HIGH, lexicon="bench") for w in words))
    texts = benign_texts(args.texts, rng)
    # plant a few matches so neither side runs a match-free fast path only
    for i in range(0, len(texts), 500):
        texts[i] = texts[i] + " " + rng.choice(words)

    raw = ahocorasick.Automaton()
    for w in words:
        raw.add_word(w, w)
    raw.make_automaton()
    matcher = Matcher([lexicon])

    t0 = time.perf_counter()
    raw_hits = 0
    for text in texts:
        for _ in raw.iter(text.lower()):
            raw_hits += 1
    raw_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    guard_hits = 0
    for i in range(0, len(texts), args.batch):
        guard_hits += sum(map(len, matcher.match_many(texts[i : i + args.batch], FieldKind.TEXT)))
    guard_s = time.perf_counter() - t0

    single = texts[: max(1, len(texts) // 10)]
    t0 = time.perf_counter()
    for text in single:
        matcher.match(text, FieldKind.TEXT)
    single_rate = len(single) / (time.perf_counter() - t0)

    raw_rate = len(texts) / raw_s
    guard_rate = len(texts) / guard_s
    ratio = guard_rate / raw_rate
    print(
        f"lexicon {len(words)} terms, {len(texts)} texts (mean {statistics.mean(map(len, texts)):.0f} chars)"
    )
    print(f"raw pyahocorasick (lower-cased): {raw_rate:12,.0f} texts/s ({raw_hits} raw substring hits)")
    print(
        f"full guard (normalise+views+match), batches of {args.batch}: {guard_rate:10,.0f} texts/s "
        f"({guard_hits} matches)"
    )
    print(f"ratio guard/raw = {ratio:.3f}x  target >= 0.2x: {'MET' if ratio >= 0.2 else 'NOT MET'}")
    print(
        f"  (one text per call, as the search guard runs: {single_rate:,.0f} texts/s, "
        f"ratio {single_rate / raw_rate:.3f}x)"
    )

    guard = SearchGuard(matcher, GuardPolicy(block_categories=frozenset({"cat_a"})))
    viewer = Viewer("acct-1")
    queries = [
        rng.choice(texts)[:40] if rng.random() < 0.9 else rng.choice(words) for _ in range(args.searches)
    ]
    lat = []
    for q in queries:
        t0 = time.perf_counter()
        guard.guard_search(q, viewer)
        lat.append(time.perf_counter() - t0)
    lat.sort()
    p99 = lat[int(0.99 * (len(lat) - 1))] * 1000
    raw_q = []
    for q in queries:
        t0 = time.perf_counter()
        list(raw.iter(q.lower()))
        raw_q.append(time.perf_counter() - t0)
    raw_q.sort()
    raw_p99 = raw_q[int(0.99 * (len(raw_q) - 1))] * 1000
    print(
        f"search guard decision p99 = {p99:.3f} ms (raw automaton p99 {raw_p99:.4f} ms, "
        f"ratio {p99 / raw_p99:.1f}x)  target < 1 ms: {'MET' if p99 < 1 else 'NOT MET'}"
    )

    big = invented_terms(args.compile_terms, rng)
    big_lex = Lexicon("big", tuple(Term(w, "cat_a", Severity.HIGH, lexicon="big") for w in big))
    t0 = time.perf_counter()
    r = ahocorasick.Automaton()
    for w in big:
        r.add_word(w, w)
    r.make_automaton()
    raw_c = time.perf_counter() - t0
    t0 = time.perf_counter()
    Matcher([big_lex])
    comp = time.perf_counter() - t0
    print(
        f"compile {len(big)} terms: {comp:.2f} s "
        f"(raw automaton build {raw_c:.2f} s, ratio {comp / raw_c:.1f}x)"
        f"  target < 2 s: {'MET' if comp < 2 else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
