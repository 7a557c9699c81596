"""Accuracy and speed of language detection (litrev/extract/language/) on labelled real texts.

    python bench/language.py [LABELLED.jsonl] [--rounds N] [--validation FILE ...] [--speed-only]

Default data: tests/fixtures/lang/labeled_dev.jsonl (156 real texts in 11 languages, labelled
from their sources' metadata; see its README). Prints:

1. an ablation table: langdetect alone, then each added part up to the shipped method, with no
   profile (any language possible) and with the review's candidates (en, fi, sv, de);
   and the same for two stress tests built from the same texts: all in capitals, and each cut
   to its first words (<= 30 characters);
2. accuracy per language and per length bucket (<=120, 121-400, >400 characters) for
   langdetect alone and for the shipped method, with no profile;
3. the texts it got wrong;
4. on the validation sets (default, in tests/fixtures/lang/: validation_like_dev_1.jsonl and
   validation_like_dev_2.jsonl, 463 and 351 texts built like the dev set without running any
   detector, and validation_scandinavian.jsonl, 432 mostly Swedish, Norwegian and Danish texts;
   see their PROVENANCE): every ablation row with no profile, the shipped method per language
   and length, the calls the sv/no/da cues changed, the misses. They are validation sets, not
   test sets: each was read while tuning (the cues, the bracket rule), so their figures are
   optimistic for texts nobody has read;
5. the two sets built like the dev set, pooled: raw accuracy, and per length stratum with the
   figure re-weighted to the dev set's length mix (they hold ten times its share of texts of
   <= 30 characters), for langdetect alone and the shipped method;
6. LIGHT (``litrev detect``'s method: heliport only where needed) against the shipped method,
   text by text on every set, plain, in capitals and cut to its first words, with no profile and
   with the review's candidates: how many calls differ in language, method, parts, confidence;
7. speed: abstract-length texts (the set's texts over 400 characters and the demo review's
   abstracts), and the set's titles and short sentences (<= 120 characters), per CPU-second
   on one core, caches cleared between rounds.

"und" (undetermined) counts as wrong in every accuracy figure; the "und" column says how many
of the misses were abstentions rather than wrong calls. The metadata-hint prior cannot be
measured here: the labelled texts carry no metadata (the labels *are* the metadata).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from litrev.extract import language as L  # noqa: E402

DEFAULT_DATA = REPO / "tests" / "fixtures" / "lang" / "labeled_dev.jsonl"
# the two validation sets built like the dev set
LIKE_DEV = ("validation_like_dev_1.jsonl", "validation_like_dev_2.jsonl")
VALIDATION = tuple(REPO / "tests" / "fixtures" / "lang" / name
                   for name in (*LIKE_DEV, "validation_scandinavian.jsonl"))
# Length strata (characters) for re-weighting the sets built like the dev set to its length mix.
STRATA = ((0, 30), (31, 60), (61, 120), (121, 400), (401, None))
DEMO_WORKS = REPO / "litrev" / "flows" / "demo" / "data" / "works.jsonl"
MAIN = ("en", "fi", "sv", "de")
REVIEW_CANDIDATES = MAIN

NO_CUES = {"scandinavian_cues": False}  # every row but the last: the cues come last
THREE = ("fasttext", "lingua", "langdetect")  # the detectors before heliport
ABLATION = [
    ("langdetect alone (raw text)", L.LANGDETECT_ONLY),
    ("+ normalisation (caps, numbers, URLs, citations)",
     L.Method(detectors=("langdetect",), cascade=False, abstain=False, split_mixed=False,
              **NO_CUES)),
    ("+ lingua second opinion (average)",
     L.Method(detectors=("lingua", "langdetect"), cascade=False, abstain=False,
              split_mixed=False, **NO_CUES)),
    ("+ fastText third opinion (average of 3)",
     L.Method(detectors=THREE, cascade=False, abstain=False, split_mixed=False, **NO_CUES)),
    ("+ heliport (HeLI-OTS) fourth opinion, weight 2",
     L.Method(cascade=False, abstain=False, split_mixed=False, **NO_CUES)),
    ("+ cascade (langdetect only when unsure)",
     L.Method(abstain=False, split_mixed=False, **NO_CUES)),
    ("+ und when unsure, mixed-text split", L.Method(**NO_CUES)),
    ("+ sv/no/da cues when unsure = SHIPPED", L.SHIPPED),
]


def bucket(text: str) -> str:
    n = len(text)
    return "<=120" if n <= 120 else ("121-400" if n <= 400 else ">400")


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def run(rows, method, candidates):
    out = []
    for row in rows:
        found = L.detect(row["text"], candidates=candidates, method=method)
        out.append((row, found))
    return out


def score(results, keep=lambda row: True):
    chosen = [(r, f) for r, f in results if keep(r)]
    right = sum(f.lang == r["lang"] for r, f in chosen)
    und = sum(f.lang == L.UNDETERMINED for r, f in chosen)
    return right, len(chosen), und


def pct(right, total):
    return f"{100 * right / total:6.2f}%" if total else "     -"


def capitals(rows):
    return [{**r, "text": r["text"].upper()} for r in rows]


def first_words(rows, limit=30):
    """Each text cut to its first words, at most ``limit`` characters (a short title)."""
    out = []
    for r in rows:
        cut = r["text"][: limit + 1].rsplit(" ", 1)[0] if len(r["text"]) > limit else r["text"]
        out.append({**r, "text": cut})
    return out


def ablation_table(rows, title="Ablation (accuracy; und counts as wrong)"):
    print(f"\n## {title}\n")
    header = (f"{'method':<50} {'profile':<11} {'all':>8} {'main<=120':>10} {'main>120':>9} "
              f"{'und':>4}")
    print(header)
    print("-" * len(header))
    shipped = {}
    for name, method in ABLATION:
        for label, candidates in (("none", None), ("en,fi,sv,de", REVIEW_CANDIDATES)):
            subset = rows if candidates is None else [r for r in rows if r["lang"] in candidates]
            results = run(subset, method, candidates)
            a = score(results)
            s = score(results, lambda r: r["lang"] in MAIN and len(r["text"]) <= 120)
            lng = score(results, lambda r: r["lang"] in MAIN and len(r["text"]) > 120)
            print(f"{name:<50} {label:<11} {pct(a[0], a[1]):>8} {pct(s[0], s[1]):>10} "
                  f"{pct(lng[0], lng[1]):>9} {a[2]:>4}")
            if method is L.SHIPPED or method is L.LANGDETECT_ONLY:
                shipped[(name, label)] = results
    return shipped


def breakdown(results, title):
    print(f"\n## {title}: accuracy per language and length (no profile)\n")
    langs = sorted({r["lang"] for r, _ in results}, key=lambda x: (x not in MAIN, x))
    buckets = ("<=120", "121-400", ">400")
    print(f"{'lang':<6}" + "".join(f"{b:>16}" for b in buckets) + f"{'total':>16}")
    for lang in langs:
        cells = []
        for b in buckets:
            right, total, _ = score(results, lambda r, b=b, lang=lang: r["lang"] == lang
                                    and bucket(r["text"]) == b)
            cells.append(f"{right}/{total} {pct(right, total).strip():>7}" if total else "-")
        right, total, _ = score(results, lambda r, lang=lang: r["lang"] == lang)
        cells.append(f"{right}/{total} {pct(right, total).strip():>7}")
        print(f"{lang:<6}" + "".join(f"{c:>16}" for c in cells))
    right, total, _ = score(results)
    print(f"{'all':<6}{'':>48}{f'{right}/{total} {pct(right, total).strip():>7}':>16}")


def misses(results, title):
    wrong = [(r, f) for r, f in results if f.lang != r["lang"]]
    print(f"\n## {title}: misses ({len(wrong)})\n")
    for r, f in wrong:
        print(f"  {r['lang']} -> {f.lang:<4} {f.method:<14} {f.confidence:.2f}  "
              f"{r['text'][:70]!r}")


def speed(texts, method, candidates, rounds):
    """Texts per CPU-second (process time: one core, unaffected by other processes)."""
    for text in texts:  # load the models first: a run pays that once
        L.detect(text, candidates=candidates, method=method)
    timings = []
    for _ in range(rounds):
        L.clear_caches()
        start = time.process_time()
        for text in texts:
            L.detect(text, candidates=candidates, method=method)
        timings.append(time.process_time() - start)
    return len(texts) / statistics.median(timings)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--speed-only", action="store_true", help="skip the accuracy tables")
    parser.add_argument("--validation", nargs="*", default=[str(p) for p in VALIDATION],
                        help="validation sets (labelled, not the dev set), scored row by row "
                             "(none: skip)")
    args = parser.parse_args(argv)
    rows = load(Path(args.data))
    print(f"# Language detection bench: {len(rows)} labelled texts from {Path(args.data).name}")
    counts = defaultdict(int)
    for r in rows:
        counts[r["lang"]] += 1
    print("texts per language: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))

    if not args.speed_only:
        accuracy(rows)
        like_dev = []
        for path in args.validation:
            results = validation(load(Path(path)), Path(path).name)
            if Path(path).name in LIKE_DEV:
                like_dev.append(results)
        if like_dev:
            like_dev_estimate(rows, like_dev)
        light_against_shipped([rows, *(load(Path(p)) for p in args.validation)])
    speed_table(rows, args.rounds)
    return 0


def accuracy(rows) -> None:
    kept = ablation_table(rows)
    ablation_table(capitals(rows), "Stress test: the same texts in capitals")
    ablation_table(first_words(rows), "Stress test: the same texts cut to their first words "
                   "(<= 30 characters)")
    base = kept[(ABLATION[0][0], "none")]
    ship = kept[(ABLATION[-1][0], "none")]
    breakdown(base, "langdetect alone")
    breakdown(ship, "shipped method")
    misses(base, "langdetect alone, no profile")
    misses(ship, "shipped method, no profile")
    misses(kept[(ABLATION[-1][0], "en,fi,sv,de")], "shipped method, candidates en,fi,sv,de")



def validation(rows, name):
    """Every ablation row (no profile) on texts not in the dev set, the shipped method's
    breakdown and misses, and the calls the sv/no/da cues changed; returns the (row, detection)
    pairs of langdetect alone and of the shipped method."""
    counts = defaultdict(int)
    for r in rows:
        counts[r["lang"]] += 1
    print(f"\n# Validation set: {len(rows)} labelled texts from {name} (read while tuning; "
          "not the dev set)")
    print("texts per language: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"\n## {name}: ablation, no profile (accuracy; und counts as wrong)\n")
    header = f"{'method':<50} {'all':>8} {'main<=120':>10} {'main>120':>9} {'und':>4}"
    print(header)
    print("-" * len(header))
    results = {}
    for label, method in ABLATION:
        results[label] = run(rows, method, None)
        a = score(results[label])
        s = score(results[label], lambda r: r["lang"] in MAIN and len(r["text"]) <= 120)
        lng = score(results[label], lambda r: r["lang"] in MAIN and len(r["text"]) > 120)
        print(f"{label:<50} {pct(a[0], a[1]):>8} {pct(s[0], s[1]):>10} {pct(lng[0], lng[1]):>9} "
              f"{a[2]:>4}")
    before, after = results[ABLATION[-2][0]], results[ABLATION[-1][0]]
    breakdown(results[ABLATION[0][0]], f"{name}, langdetect alone")
    breakdown(after, f"{name}, shipped method")
    changed = [(r, b, f) for (r, b), (_, f) in zip(before, after, strict=True) if b.lang != f.lang]
    print(f"\n## {name}: calls the sv/no/da cues changed ({len(changed)})\n")
    for r, b, f in changed:
        print(f"  {r['lang']}: {b.lang:<4} -> {f.lang:<4} {f.method:<16} {r['text'][:60]!r}")
    misses(after, f"{name}, shipped method, no profile")
    return results[ABLATION[0][0]], after


def stratum(text: str) -> tuple[int, int | None]:
    n = len(text)
    return next(s for s in STRATA if s[0] <= n and (s[1] is None or n <= s[1]))


def like_dev_estimate(dev_rows, like_dev) -> None:
    """Accuracy on the validation sets built like the dev set, pooled: raw, per length stratum,
    and re-weighted to the dev set's share of each stratum (post-stratification). Both were
    read while tuning, so neither figure is a test result."""
    share = defaultdict(float)
    for r in dev_rows:
        share[stratum(r["text"])] += 1 / len(dev_rows)
    pooled = {name: [pair for results in like_dev for pair in results[i]]
              for i, name in enumerate(("langdetect alone", "shipped method"))}
    size = len(pooled["shipped method"])
    print(f"\n## Validation sets built like the dev set: {' + '.join(LIKE_DEV)} pooled "
          f"({size} texts), raw and re-weighted to the dev set's length mix (no profile; und "
          "counts as wrong)\n")
    header = (f"{'characters':<11} {'dev share':>9} {'pooled share':>12} "
              f"{'langdetect alone':>22} {'shipped method':>22}")
    print(header)
    print("-" * len(header))
    estimate = defaultdict(float)
    for lo, hi in STRATA:
        cells = []
        for name, results in pooled.items():
            right, total, und = score(results, lambda r, s=(lo, hi): stratum(r["text"]) == s)
            cells.append(f"{right:>4}/{total:<4} {pct(right, total)} ({und} und)")
            if total:
                estimate[name] += share[(lo, hi)] * right / total
        label = f"{lo}-{hi}" if hi else f">{lo - 1}"
        print(f"{label:<11} {100 * share[(lo, hi)]:8.1f}% {100 * total / size:11.1f}% "
              f"{cells[0]:>22} {cells[1]:>22}")
    raw = {name: score(results) for name, results in pooled.items()}
    print(f"{'pooled, raw':<34} {pct(*raw['langdetect alone'][:2]):>22} "
          f"{pct(*raw['shipped method'][:2]):>22}")
    print(f"{'re-weighted to the dev mix':<34} {100 * estimate['langdetect alone']:>21.2f}% "
          f"{100 * estimate['shipped method']:>21.2f}%")


def light_against_shipped(sets) -> None:
    """LIGHT must name what SHIPPED names on every labelled text; only its confidence may
    differ (where heliport was not asked)."""
    calls = differ = methods = parts = confidence = 0
    for rows in sets:
        for variant in (rows, capitals(rows), first_words(rows)):
            for candidates in (None, REVIEW_CANDIDATES):
                for r in variant:
                    if candidates is not None and r["lang"] not in candidates:
                        continue
                    a = L.detect(r["text"], candidates=candidates)
                    b = L.detect(r["text"], candidates=candidates, method=L.LIGHT)
                    calls += 1
                    differ += a.lang != b.lang
                    methods += a.method != b.method
                    parts += [p.lang for p in a.parts] != [p.lang for p in b.parts]
                    confidence += a.confidence != b.confidence
    print("\n## LIGHT (litrev detect: heliport only where needed) against the shipped method\n")
    print(f"  {calls} calls (every set; plain, capitals, first words; no profile and "
          "en,fi,sv,de)")
    print(f"  language differs: {differ}; method differs: {methods}; parts differ: {parts}; "
          f"confidence differs: {confidence} (heliport not asked)")


def speed_table(rows, rounds) -> None:
    labelled = [(r["text"], r["lang"]) for r in rows if len(r["text"]) > 400]
    if DEMO_WORKS.exists():
        labelled += [(w["abstract"], w["language"]) for w in load(DEMO_WORKS)
                     if w.get("abstract")]
    abstracts = [text for text, _ in labelled]
    mean_len = statistics.mean(len(t) for t in abstracts)
    print(f"\n## Speed: {len(abstracts)} abstract-length texts (mean {mean_len:.0f} characters), "
          f"texts per CPU-second on one core, median of {rounds} rounds\n")
    main_abstracts = [text for text, lang in labelled if lang in MAIN]
    print("  (with the review's candidates, the main-language texts only: "
          f"{len(main_abstracts)}; a text outside the candidates costs a langdetect call)")
    for name, method in (*ABLATION[::len(ABLATION) - 1], ("LIGHT (litrev detect)", L.LIGHT)):
        for label, candidates in (("none", None), ("en,fi,sv,de", REVIEW_CANDIDATES)):
            texts = abstracts if candidates is None else main_abstracts
            rate = speed(texts, method, candidates, rounds)
            print(f"  {name:<50} {label:<11} {rate:8.0f} texts/s")
    titles = [r["text"] for r in rows if len(r["text"]) <= 120]
    print(f"\n  titles and short sentences ({len(titles)} texts of <= 120 characters; those under "
          "40 letters always hear all four detectors):")
    for name, method in (*ABLATION[::len(ABLATION) - 1], ("LIGHT (litrev detect)", L.LIGHT)):
        print(f"  {name:<50} {'none':<11} {speed(titles, method, None, rounds):8.0f} texts/s")


if __name__ == "__main__":
    from recording import recorded

    with recorded("language"):
        sys.exit(main())
