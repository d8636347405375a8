"""Shared pieces of the benchmarks: a government-style draft, RSS, percentiles, tables."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLEAN_CORPUS = ROOT / "bench" / "data" / "clean"


def government_draft(characters: int = 10_000) -> str:
    """About ``characters`` characters of real-register text as HTML paragraphs.

    Taken from our own clean corpus (bench/data/clean), repeated as needed.
    """
    paragraphs: list[str] = []
    for path in sorted(CLEAN_CORPUS.glob("*.txt")):
        paragraphs.extend(line.strip() for line in path.read_text("utf-8").splitlines() if line.strip())
    if not paragraphs:
        raise SystemExit("bench/data/clean is empty: the draft is built from that corpus")
    out: list[str] = []
    size = 0
    i = 0
    while size < characters:
        line = paragraphs[i % len(paragraphs)]
        out.append(f"<p>{line}</p>")
        size += len(line)
        i += 1
    return "".join(out)


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table, so the output can be pasted into README as is."""
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
