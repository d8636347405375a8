"""Lexicon quality: false alarms per 10,000 clean characters, and recall on known errors.

Prints, for the shipped lexicons with the sensitive and typo checks:
  (a) warn/block findings per 10,000 characters on ../shared/seeds (real government text)
      and on bench/data/clean (our own clean government-style corpus);
  (b) recall on bench/data/error_sentences.tsv (one known error per sentence: found when a
      finding covers exactly the wrong form) and the share of bench/data/clean_sentences.txt
      with no finding at all.
Targets: 0 block and <= 0.5 warn per 10,000 clean characters; recall >= 0.95; >= 0.99 of
clean sentences unflagged.

    python bench/lexicon_eval.py [--show]
"""

from __future__ import annotations

import argparse
import csv
import sys
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, print_table
from checks import registry
from checks.engine import Engine
from checks.finding import Severity
from checks.textmodel import Draft

DATA = ROOT / "bench" / "data"
SEEDS = ROOT.parent / "shared" / "seeds"
LEXICON_CHECKS = ["sensitive", "typo"]


def document(text: str) -> Draft:
    lines = text.splitlines()
    return Draft(title=lines[0] if lines else "", body_html="".join(f"<p>{escape(x)}</p>" for x in lines[1:]))


def rate(engine: Engine, paths: list[Path], show: bool) -> tuple[int, int, int]:
    characters = blocks = warns = 0
    for path in paths:
        text = path.read_text("utf-8")
        characters += len(text)
        for f in engine.check(document(text)).findings:
            if f.severity is Severity.BLOCK:
                blocks += 1
            elif f.severity is Severity.WARN:
                warns += 1
            else:
                continue
            if show:
                print(f"  {path.name}: {f.severity} {f.rule} {f.text!r} {f.message}")
    return characters, blocks, warns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="print every finding counted")
    args = parser.parse_args()
    engine = Engine(checks=registry.create(LEXICON_CHECKS))
    print(f"lexicon {engine.lexicon_version[:19]}, {len(engine.state.lexicon):,} entries")

    rows = []
    for label, paths in (
        ("seeds (../shared/seeds)", sorted(SEEDS.glob("*.txt"))),
        ("clean corpus (bench/data/clean)", sorted((DATA / "clean").glob("*.txt"))),
    ):
        chars, blocks, warns = rate(engine, paths, args.show)
        per = 10_000 / chars if chars else 0
        rows.append(
            (label, f"{len(paths)}", f"{chars:,}", f"{blocks}", f"{blocks * per:.2f}", f"{warns}", f"{warns * per:.2f}")
        )
    print_table(("corpus", "files", "characters", "block", "block / 10k", "warn", "warn / 10k"), rows)
    print()

    with open(DATA / "error_sentences.tsv", encoding="utf-8", newline="") as handle:
        errors = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    found = 0
    for row in errors:
        start = row["sentence"].find(row["wrong"])
        report = engine.check(Draft(title="", body_html=f"<p>{escape(row['sentence'])}</p>"))
        if any(f.start == start and f.end == start + len(row["wrong"]) for f in report.findings):
            found += 1
        elif args.show:
            print(f"  missed: {row['wrong']} in {row['sentence']}")
    clean = [s for s in (DATA / "clean_sentences.txt").read_text("utf-8").splitlines() if s.strip()]
    unflagged = 0
    for sentence in clean:
        report = engine.check(Draft(title="", body_html=f"<p>{escape(sentence)}</p>"))
        flagged = [f for f in report.findings if f.severity is not Severity.INFO]
        if not flagged:
            unflagged += 1
        elif args.show:
            print(f"  flagged clean: {sentence} → {[(f.rule, f.text) for f in flagged]}")
    print_table(
        ("sentence list", "sentences", "result"),
        [
            ("error_sentences.tsv (recall)", f"{len(errors)}", f"{found / len(errors):.3f} ({found} found)"),
            ("clean_sentences.txt (unflagged)", f"{len(clean)}", f"{unflagged / len(clean):.3f} ({unflagged} clean)"),
        ],
    )


if __name__ == "__main__":
    main()
