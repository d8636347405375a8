from __future__ import annotations

import threading
from pathlib import Path

import pytest

from checks import registry
from checks.engine import Engine
from checks.exceptions import LexiconError
from checks.lexicon import Lexicon, conflicts, load_directory, load_tsv, parse_leaders, parse_tsv
from checks.textmodel import Draft
from tests.checks.conftest import HEADER, make_lexicon, tsv


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("再接再励\ttypo\t成语\twarn\t再接再厉\n", r"bad.tsv:2: expected 6 tab-separated columns, got 5"),
        ("\ttypo\t成语\twarn\t再接再厉\tn\n", r"bad.tsv:2: empty term"),
        ("再接再励\tspelling\t成语\twarn\t再接再厉\tn\n", r"bad.tsv:2: kind 'spelling' is not one of"),
        ("再接再励\ttypo\t\twarn\t再接再厉\tn\n", r"bad.tsv:2: category is required"),
        ("再接再励\ttypo\t成语\tsevere\t再接再厉\tn\n", r"bad.tsv:2: severity 'severe' is not one of"),
        ("再接再励\ttypo\t成语\twarn\t\tn\n", r"bad.tsv:2: a typo entry needs a suggestion"),
        ("再接再励\ttypo\t成语\twarn\t再接再励\tn\n", r"bad.tsv:2: suggestion equals the term"),
        ("再接再励\ttypo\t成语\twarn\t再接再厉\t\n", r"bad.tsv:2: note is required"),
        ("共产党\tallow\t正确\twarn\t\tn\n", r"bad.tsv:2: allow entries take no severity"),
        ("a\tdeny\tx\twarn\t\tn\n# comment\na\tdeny\tx\tblock\t\tn\n", r"bad.tsv:4: duplicate of line 2"),
    ],
)
def test_when_row_is_malformed_then_error_names_file_line_and_reason(body: str, message: str) -> None:
    with pytest.raises(LexiconError, match=message):
        parse_tsv(HEADER + body, "bad.tsv")


def test_when_header_is_wrong_then_loading_fails() -> None:
    with pytest.raises(LexiconError, match=r"x.tsv:1: header must be"):
        parse_tsv("term\tkind\n", "x.tsv")


def test_when_file_is_not_utf8_then_loading_fails(tmp_path: Path) -> None:
    path = tmp_path / "gbk.tsv"
    path.write_bytes((HEADER + "再接再励\ttypo\t成语\twarn\t再接再厉\tn\n").encode("gbk"))
    with pytest.raises(LexiconError, match=r"gbk.tsv:0: not UTF-8"):
        load_tsv(path)


def test_when_directory_has_several_files_then_they_merge_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text(tsv(("再接再励", "typo", "成语", "warn", "再接再厉", "a")), "utf-8")
    (tmp_path / "b.tsv").write_text(tsv(("再接再励", "typo", "成语", "block", "再接再厉", "b")), "utf-8")
    (tmp_path / "leaders.tsv").write_text("name\ttitles\tnote\n习近平\t总书记|国家主席\tn\n", "utf-8")
    entries, leaders = load_directory(tmp_path)
    lexicon = Lexicon(entries, leaders)
    assert [str(e.severity) for e in lexicon.entries] == ["block"]
    assert lexicon.leaders[0].titles == ("总书记", "国家主席")


def test_when_leader_row_lacks_titles_then_loading_fails() -> None:
    with pytest.raises(LexiconError, match=r"l.tsv:2: at least one title"):
        parse_leaders("name\ttitles\tnote\n习近平\t\tn\n", "l.tsv")


def test_when_content_changes_then_version_changes_and_order_does_not_matter() -> None:
    a = ("甲乙", "deny", "x", "warn", "", "n")
    b = ("丙丁", "deny", "x", "warn", "", "n")
    assert make_lexicon(a, b).version == make_lexicon(b, a).version
    assert make_lexicon(a).version != make_lexicon(a, b).version
    assert make_lexicon(a).version.startswith("sha256:")


def test_when_site_overlay_is_applied_then_it_overrides_and_extends() -> None:
    base = make_lexicon(("甲乙", "deny", "x", "warn", "", "n"))
    site = parse_tsv(tsv(("甲乙", "deny", "x", "block", "", "site"), ("丙丁", "deny", "x", "warn", "", "s")), "site:qd")
    merged = base.overlay(site)
    assert {(e.term, str(e.severity)) for e in merged.entries} == {("甲乙", "block"), ("丙丁", "warn")}
    assert merged.version != base.version


def test_when_shipped_terms_conflict_then_lint_reports_both_places() -> None:
    entries = parse_tsv(tsv(("甲乙", "deny", "x", "warn", "", "n"), ("甲乙", "typo", "x", "warn", "丙", "n")), "f.tsv")
    assert conflicts(entries) == ["f.tsv:3: typo entry conflicts with deny entry at f.tsv:2"]


def test_when_lexicon_is_swapped_during_checks_then_no_check_fails_or_mixes_versions() -> None:
    old = make_lexicon(("旧词汇", "deny", "x", "warn", "", "n"))
    new = make_lexicon(("新词汇", "deny", "x", "warn", "", "n"))
    engine = Engine(old, checks=registry.create(["sensitive"]))
    draft = Draft(body_html="<p>旧词汇与新词汇</p>")
    seen: list[tuple[str, tuple[str, ...]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def hammer() -> None:
        try:
            while not stop.is_set():
                report = engine.check(draft)
                seen.append((report.lexicon_version, tuple(f.text for f in report.findings)))
        except BaseException as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    while len(seen) < 20:
        pass
    engine.swap(new)
    count = len(seen)
    while len(seen) < count + 20:
        pass
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    expected = {old.version: ("旧词汇",), new.version: ("新词汇",)}
    assert all(expected[version] == texts for version, texts in seen)
    # Each thread may finish one check it began on the old state after the swap; no more.
    after_swap = [version for version, _ in seen[count:]]
    assert after_swap.count(old.version) <= len(threads) < len(after_swap)
    assert engine.check(draft).lexicon_version == new.version
