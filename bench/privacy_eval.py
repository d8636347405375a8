"""Precision and recall of the privacy check per recognizer, next to a plain-regex baseline.

The corpus is ``bench/privacy_corpus.py`` (invented documents with gold spans). Ours is the
``privacy`` check through the engine; a finding counts at ``warn`` or ``block`` (an ``info``
e-mail of a company or an agency's channel is not a privacy claim). Person findings count
for their name and for each identifier they carry. The baseline is what a regex-only
scanner does: the same shapes without checksums, dates, prefixes, context or masking
awareness, run over the same text in the same process.

A predicted span is a true positive when it overlaps a gold span of the same kind.

    python bench/privacy_eval.py [--docs 160] [--seed 20240611]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.privacy_corpus import KINDS, SEED, generate
from checks import registry
from checks.engine import Engine
from checks.finding import Severity
from checks.lexicon import Lexicon
from checks.textmodel import Draft, extract_text

TODAY = date(2024, 6, 1)
_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
BASELINE = {
    "resident_id": re.compile(_B + r"[0-9]{17}[0-9Xx]" + _E),
    "mobile": re.compile(_B + r"1[3-9][0-9]{9}" + _E),
    "bank_card": re.compile(_B + r"[0-9]{16,19}" + _E),
    "passport": re.compile(_B + r"(?:[GE][0-9]{8}|E[A-Z][0-9]{7})" + _E),
    "permit": re.compile(_B + r"[CHM][0-9]{8}(?:[0-9]{2})?" + _E),
    "plate": re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}" + _E),
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    "address": re.compile(r"[\u4e00-\u9fff0-9]{2,30}?[0-9]+(?:室|户|单元)"),
    "person": re.compile(r"(?:姓名|申请人|户主|联系人|患者|当事人|收件人)[：:]?([\u4e00-\u9fff]{2,3})"),
}


def ours(engine: Engine, title: str, body: str) -> dict[str, list[tuple[int, int]]]:
    report = engine.check(Draft(title=title, body_html=body), today=TODAY)
    spans: dict[str, list[tuple[int, int]]] = {k: [] for k in KINDS}
    for f in report.findings:
        if f.field != "body" or f.severity < Severity.WARN:
            continue
        if f.rule == "privacy.person":
            spans["person"].append((f.details["name_start"], f.details["name_end"]))
            for ident in f.details["identifiers"]:
                spans[ident["rule"].split(".", 1)[1]].append((ident["start"], ident["end"]))
        else:
            spans[f.rule.split(".", 1)[1]].append((f.start, f.end))
    return spans


def baseline(text: str) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for kind, pattern in BASELINE.items():
        spans[kind] = [m.span(1) if m.groups() else m.span() for m in pattern.finditer(text)]
    return spans


def score(gold: list[tuple[int, int]], predicted: list[tuple[int, int]]) -> tuple[int, int, int]:
    def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return a[0] < b[1] and b[0] < a[1]

    matched_gold = sum(1 for g in gold if any(overlaps(g, p) for p in predicted))
    true_pred = sum(1 for p in predicted if any(overlaps(g, p) for g in gold))
    return matched_gold, len(gold) - matched_gold, len(predicted) - true_pred


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def _row(label: str, o: list[int], b: list[int]) -> str:
    gold = o[0] + o[1]
    cells = (
        f"{ratio(o[0], o[0] + o[2]):.3f}",
        f"{ratio(o[0], gold):.3f}",
        str(o[2]),
        f"{ratio(b[0], b[0] + b[2]):.3f}",
        f"{ratio(b[0], gold):.3f}",
        str(b[2]),
    )
    return f"| {label:<12} | {gold:>4} | " + " | ".join(f"{c:>7}" for c in cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=160)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--show-errors", action="store_true", help="print our misses and false positives")
    args = parser.parse_args()

    docs = generate(args.docs, args.seed)
    engine = Engine(Lexicon([]), checks=registry.create(["privacy"]))
    totals = {name: {k: [0, 0, 0] for k in KINDS} for name in ("ours", "baseline")}
    started = time.perf_counter()
    for doc in docs:
        text = extract_text(doc.body_html)[0]
        predictions = {"ours": ours(engine, doc.title, doc.body_html), "baseline": baseline(text)}
        for name, spans in predictions.items():
            for kind in KINDS:
                tp, fn, fp = score(doc.gold[kind], spans[kind])
                t = totals[name][kind]
                t[0], t[1], t[2] = t[0] + tp, t[1] + fn, t[2] + fp
                if args.show_errors and name == "ours" and (fn or fp):
                    print(f"[{doc.genre}] {kind}: {fn} missed, {fp} false", file=sys.stderr)
    elapsed = time.perf_counter() - started

    print(f"privacy check on {len(docs)} invented documents (seed {args.seed}); a hit overlaps a gold span")
    columns = ("ours P", "ours R", "ours FP", "regex P", "regex R", "regex FP")
    header = f"| {'recognizer':<12} | {'gold':>4} | " + " | ".join(f"{c:>7}" for c in columns) + " |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    all_ours = [0, 0, 0]
    all_base = [0, 0, 0]
    for kind in KINDS:
        o, b = totals["ours"][kind], totals["baseline"][kind]
        for acc, t in ((all_ours, o), (all_base, b)):
            for i in range(3):
                acc[i] += t[i]
        print(_row(kind, o, b))
    print(_row("all", all_ours, all_base))
    print(
        f"(baseline = the same shapes as plain regexes: no checksum, date, prefix, context or masking rules; "
        f"{elapsed:.1f}s for both)"
    )


if __name__ == "__main__":
    main()
