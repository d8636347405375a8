"""The seed documents are real, published government text: the shipped lexicons and every
synchronous check must not block any of them, and every warning they raise is listed here
with the reason it is right."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

import pytest

from checks.engine import Engine
from checks.textmodel import Draft

SEEDS = Path(os.environ.get("SANSHEN_SEEDS_DIR", Path(__file__).resolve().parents[3] / "shared" / "seeds"))

EXPECTED_WARNINGS = {
    "000_d1533ba94f38ca83.txt": [],
    "001_8a0c49ba816527bc.txt": [
        # 冀政辦字〔2020〕111 號: a space between the number and 号 (GB/T 9704 7.2.5).
        ("format.doc_number", "〔2020〕111 號"),
        # "…經濟開發區管委會))": the 牽頭單位 parenthesis is closed twice.
        ("typo.bracket", ")"),
        # "發展?fàn)I造": the seed's 營(yíng) is garbled, leaving a lone ")".
        ("typo.bracket", ")"),
    ],
    "002_55b14f99225b71ef.txt": [],
    "003_bfd6ec3c30909d96.txt": [],
    "004_e5a2bacd13d43bc2.txt": [
        # 青政办字[2022]22号: square brackets where GB/T 9704 requires 六角括号 〔〕.
        ("format.doc_number", "[2022]22号"),
        # "附件:2022年青岛市民政局政务公开工作责任分工.doc" is named but no file came with the draft.
        ("format.attachment_missing", "2022年青岛市民政局政务公开工作责任分工.doc"),
    ],
}

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed documents not found at {SEEDS}")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def seed_draft(path: Path) -> Draft:
    lines = path.read_text("utf-8").splitlines()
    body = "".join(f"<p>{escape(line)}</p>" for line in lines[1:])
    return Draft(title=lines[0], body_html=body, metadata={"disclosure": "主动公开"})


@pytest.mark.parametrize("name", sorted(EXPECTED_WARNINGS))
def test_when_a_seed_is_checked_then_nothing_blocks_and_each_warning_is_known(engine: Engine, name: str) -> None:
    checks = [c.name for c in engine.checks if not c.asynchronous]
    report = engine.check(seed_draft(SEEDS / name), only=checks)
    assert [f for f in report.findings if str(f.severity) == "block"] == []
    warnings = [(f.rule, f.text) for f in report.findings if str(f.severity) == "warn"]
    assert warnings == EXPECTED_WARNINGS[name]


def test_when_seed_folder_is_read_then_every_seed_is_covered() -> None:
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == sorted(EXPECTED_WARNINGS)
