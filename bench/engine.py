"""Check-engine benchmark: lexicon build cost and per-draft latency at 10k/100k/1M entries.

Prints, per lexicon size: build time, RSS growth, p50/p99 time per 10,000-character draft
for sensitive+typo, and the matching pipeline's throughput (normalise + encode + match +
resolve) as a ratio to a raw ``Automaton.iter()`` over the same folded text with the same
terms in a plain character automaton, measured in the same run. Also: what privacy+secret
add to one draft, when those checks are installed.

    python bench/engine.py [--sizes 10000,100000,1000000] [--runs 200]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

import ahocorasick

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import government_draft, percentile, print_table, rss_mib
from checks import registry
from checks.engine import Engine
from checks.finding import Severity
from checks.lexicon import Entry, Lexicon, default_directory
from checks.textmodel import Draft, TextModel

# Characters for generated terms: the 3,500 most common hanzi would make random 3-grams that
# occur in real text; rarer characters keep generated terms as rare as real deny terms are.
_RARE_START = 0x5E00


def generated_entries(count: int, seed: int = 20261122) -> list[Entry]:
    rng = random.Random(seed)
    seen: set[str] = set()
    entries: list[Entry] = []
    while len(entries) < count:
        size = rng.choice((3, 3, 4, 4, 4, 5, 6))
        term = "".join(chr(rng.randrange(_RARE_START, _RARE_START + 6000)) for _ in range(size))
        if term in seen:
            continue
        seen.add(term)
        kind = "typo" if len(entries) % 3 == 0 else "deny"
        suggestion = term[::-1] if kind == "typo" else ""
        entries.append(Entry(term, kind, "生成", Severity.WARN, suggestion, "benchmark", f"gen:{len(entries)}"))
    return entries


def time_checks(engine: Engine, draft: Draft, names: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        engine.check(draft, only=names)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def plain_automaton(lexicon: Lexicon, engine: Engine) -> ahocorasick.Automaton:
    """The baseline: the same folded terms in an automaton over plain characters."""
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for number, entry in enumerate(lexicon.entries):
        automaton.add_word(engine.state.normalizer.fold_term(entry.term), number)
    automaton.make_automaton()
    return automaton


def throughput_ratio(engine: Engine, automaton: ahocorasick.Automaton, draft: Draft, runs: int):
    """(pipeline ms, raw iter ms, ratio) per draft over the body text."""
    state = engine.state
    text = TextModel(draft).body.text
    folded = state.normalizer.normalize(text).text
    raw = []
    pipeline = []
    for _ in range(runs):
        started = time.perf_counter()
        for _hit in automaton.iter(folded):
            pass
        raw.append(time.perf_counter() - started)
        started = time.perf_counter()
        state.matcher.find(state.normalizer.normalize(text))
        pipeline.append(time.perf_counter() - started)
    raw_ms = percentile(raw, 50) * 1000
    pipe_ms = percentile(pipeline, 50) * 1000
    return pipe_ms, raw_ms, raw_ms / pipe_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    shipped = Lexicon.from_directory(default_directory())
    draft = Draft(title="关于做好政务公开工作的通知", body_html=government_draft(10_000))
    print(
        f"draft: {len(TextModel(draft).body.text):,} characters of plain text; shipped lexicon {len(shipped):,} entries"
    )
    rows = []
    for size in sizes:
        extra = generated_entries(max(size - len(shipped), 0))
        lexicon = Lexicon((*shipped.entries, *extra), shipped.leaders)
        del extra
        gc.collect()
        before = rss_mib()
        started = time.perf_counter()
        engine = Engine(lexicon, checks=registry.create(["sensitive", "typo"]))
        build = time.perf_counter() - started
        growth = rss_mib() - before
        engine.check(draft)  # warm the lazy parts (spell checker, t2s table)
        samples = time_checks(engine, draft, ["sensitive", "typo"], args.runs)
        pipe_ms, raw_ms, ratio = throughput_ratio(engine, plain_automaton(lexicon, engine), draft, args.runs)
        rows.append(
            (
                f"{len(lexicon):,}",
                f"{build:.2f} s",
                f"{growth:,.0f} MiB",
                f"{percentile(samples, 50):.2f} ms",
                f"{percentile(samples, 99):.2f} ms",
                f"{pipe_ms:.2f} / {raw_ms:.2f} ms",
                f"{ratio:.2f}×",
            )
        )
        del engine, lexicon
        gc.collect()
    print_table(
        (
            "entries",
            "build",
            "RSS growth",
            "p50 sensitive+typo",
            "p99 sensitive+typo",
            "match pipeline / raw iter()",
            "throughput vs raw iter()",
        ),
        rows,
    )

    available = set(registry.check_names())
    extra_checks = [name for name in ("privacy", "secret") if name in available]
    if extra_checks:
        engine = Engine(shipped)
        engine.check(draft)
        base = time_checks(engine, draft, ["sensitive", "typo"], args.runs)
        full = time_checks(engine, draft, ["sensitive", "typo", *extra_checks], args.runs)
        print()
        print_table(
            ("checks", "p50", "p99"),
            [
                ("sensitive+typo", f"{percentile(base, 50):.2f} ms", f"{percentile(base, 99):.2f} ms"),
                ("+" + "+".join(extra_checks), f"{percentile(full, 50):.2f} ms", f"{percentile(full, 99):.2f} ms"),
                (
                    "added by " + "+".join(extra_checks),
                    f"{percentile(full, 50) - percentile(base, 50):.2f} ms",
                    f"{percentile(full, 99) - percentile(base, 99):.2f} ms",
                ),
            ],
        )


if __name__ == "__main__":
    main()
