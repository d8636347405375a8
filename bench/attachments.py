"""Attachment benchmark: a generated ~10 MB xlsx and a 200-page docx, read and checked.

For each file prints: its size, the baseline (openpyxl read-only iteration over every cell,
or python-docx iteration over every paragraph and table cell, of the same file), our
extraction alone, extraction plus every registered check (the worker path), and both as a
ratio to the baseline measured in the same run. Target: extraction + checks ≤ 30 s per file.

    python bench/attachments.py [--xlsx-mb 10] [--pages 200]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import CLEAN_CORPUS, print_table, rss_mib
from checks.attachments import add_attachment_fields
from checks.engine import Engine
from checks.lexicon import Lexicon, default_directory
from checks.textmodel import Attachment, Draft, TextModel

TARGET_SECONDS = 30.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬燕彬鹏辉建国建华志强海燕春梅"
DISTRICTS = ["市南区", "市北区", "李沧区", "崂山区", "黄岛区", "城阳区", "即墨区", "胶州市", "平度市", "莱西市"]


def corpus_lines() -> list[str]:
    lines = []
    for path in sorted(CLEAN_CORPUS.glob("*.txt")):
        lines.extend(line.strip() for line in path.read_text("utf-8").splitlines() if line.strip())
    if not lines:
        raise SystemExit("bench/data/clean is empty")
    return lines


def _rows(rng: random.Random, count: int, start: int) -> list[list[object]]:
    rows = []
    for i in range(start, start + count):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        rows.append(
            [
                i,
                name,
                rng.choice(DISTRICTS) + f"{rng.randrange(1, 300)}号{rng.randrange(1, 30)}号楼",
                f"370{rng.randrange(100, 999)}********{rng.randrange(1000, 9999)}",
                f"1{rng.choice('3589')}{rng.randrange(0, 10)}****{rng.randrange(1000, 9999)}",
                round(rng.uniform(300, 3000), 2),
                f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                rng.choice(("城乡低保", "特困供养", "临时救助", "高龄津贴", "残疾人两项补贴")),
                f"备注{rng.randrange(100000, 999999)}",
            ]
        )
    return rows


def make_xlsx(target_bytes: int) -> bytes:
    """A write-only workbook of 公示-style rows, grown until it is about ``target_bytes``."""
    import openpyxl

    def build(rows: int) -> bytes:
        rng = random.Random(20261122)
        workbook = openpyxl.Workbook(write_only=True)
        sheets = [workbook.create_sheet(f"名单{n + 1}") for n in range(3)]
        header = ["序号", "姓名", "住址", "身份证号", "电话", "金额", "日期", "类别", "备注"]
        for sheet in sheets:
            sheet.append(header)
        done = 0
        while done < rows:
            chunk = min(5000, rows - done)
            for row in _rows(rng, chunk, done + 1):
                sheets[(done // 5000) % 3].append(row)
            done += chunk
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    trial_rows = 10_000
    trial = build(trial_rows)
    return build(int(trial_rows * target_bytes / len(trial)))


def make_docx(pages: int) -> bytes:
    """``pages`` pages of government text (about 25 lines each) with a table every tenth page."""
    from docx import Document

    lines = corpus_lines()
    document = Document()
    document.core_properties.author = "青岛市民政局"
    n = 0
    for page in range(pages):
        document.add_heading(f"第{page + 1}部分", level=2)
        for _ in range(12):
            document.add_paragraph(lines[n % len(lines)])
            n += 1
        if page % 10 == 0:
            table = document.add_table(rows=6, cols=4)
            for r, row in enumerate(table.rows):
                for c, cell in enumerate(row.cells):
                    cell.text = f"第{r + 1}行第{c + 1}列 {lines[(n + r + c) % len(lines)][:12]}"
        document.add_page_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def baseline_xlsx(data: bytes) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += sum(1 for value in row if value is not None)
    workbook.close()
    return cells


def baseline_docx(data: bytes) -> int:
    from docx import Document

    document = Document(io.BytesIO(data))
    chars = sum(len(p.text) for p in document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            chars += sum(len(cell.text) for cell in row.cells)
    return chars


def timed(function, *args):  # a tiny stopwatch
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def per_check(engine: Engine, draft: Draft, model: TextModel) -> dict[str, float]:
    """Seconds per check over the already extracted attachment text (model reused)."""
    times = {}
    for name in _offline(engine):
        seconds, _ = timed(lambda n=name: engine.check(draft, only=[n], model=model))
        times[name] = seconds
    return times


def measure(engine: Engine, name: str, data: bytes, baseline, breakdown: dict) -> list[object]:
    baseline_s, _ = timed(baseline, data)
    draft = Draft(body_html="<p>附件：" + name.rsplit(".", 1)[0] + "</p>", metadata={"disclosure": "主动公开"})
    draft.attachments = [Attachment(name, "", data)]
    model = TextModel(draft)
    extract_s, _findings = timed(add_attachment_fields, model)
    chars = sum(len(f.text) for n, f in model.fields.items() if n.startswith("attachment:"))
    breakdown[name] = per_check(engine, draft, model)
    draft2 = Draft(body_html=draft.body_html, metadata=draft.metadata, attachments=draft.attachments)
    total_s, report = timed(lambda: engine.check(draft2, include_async=True, only=_offline(engine)))
    verdict = "ok" if total_s <= TARGET_SECONDS else "SLOW"
    return [
        name,
        f"{len(data) / 1e6:.1f} MB",
        f"{chars:,}",
        f"{baseline_s:.2f}",
        f"{extract_s:.2f} ({extract_s / baseline_s:.2f}x)",
        f"{total_s:.2f} ({total_s / baseline_s:.2f}x)",
        len(report.findings),
        f"{verdict} (≤{TARGET_SECONDS:.0f} s)",
    ]


def _offline(engine: Engine) -> list[str]:
    return [c.name for c in engine.checks if c.name != "link_reachability"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xlsx-mb", type=float, default=10.0)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    print(f"generating a {args.xlsx_mb:g} MB xlsx and a {args.pages}-page docx …", flush=True)
    xlsx = make_xlsx(int(args.xlsx_mb * 1_000_000))
    docx = make_docx(args.pages)
    engine = Engine(Lexicon.from_directory(default_directory()))
    print(f"checks: {', '.join(_offline(engine))}; RSS before {rss_mib():.0f} MiB\n")
    breakdown: dict[str, dict[str, float]] = {}
    rows = [
        measure(engine, "名单.xlsx", xlsx, baseline_xlsx, breakdown),
        measure(engine, "报告.docx", docx, baseline_docx, breakdown),
    ]
    print_table(
        [
            "file",
            "size",
            "chars",
            "baseline s",
            "extraction s (x baseline)",
            "extraction+checks s (x baseline)",
            "findings",
            "target",
        ],
        rows,
    )
    print("\nseconds per check on the extracted text (separate runs, same model):\n")
    names = _offline(engine)
    print_table(["file", *names], [[f, *(f"{t[n]:.2f}" for n in names)] for f, t in breakdown.items()])
    print(
        "\nbaseline: openpyxl read_only iteration over every cell (xlsx) / python-docx over every "
        f"paragraph and table cell (docx), same file, same run. RSS after {rss_mib():.0f} MiB"
    )


if __name__ == "__main__":
    main()
