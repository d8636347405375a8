"""Import parsing and entry validation (no database): formats, encodings, line numbers."""

from __future__ import annotations

import pytest

from gateway import lexicons as lx

DEFAULTS = {"kind": "deny", "category": "导入", "severity": "warn", "note": "专项通知"}


def terms(parsed: lx.ParsedImport) -> list[tuple[int, str, str, str]]:
    return [(line, e.term, e.kind, e.suggestion) for line, e in parsed.entries]


def test_when_a_csv_has_a_chinese_header_then_its_columns_override_the_chosen_defaults() -> None:
    text = "词条,类型,建议\n按装错,typo,安装\n新词甲,,\n"
    parsed = lx.parse_import(text, "auto", DEFAULTS, "qd-mzj")
    assert parsed.format == "csv" and parsed.errors == []
    assert terms(parsed) == [(2, "按装错", "typo", "安装"), (3, "新词甲", "deny", "")]
    assert all(e.note == "专项通知" and e.category == "导入" for _, e in parsed.entries)


def test_when_lines_have_no_header_then_term_suggestion_and_note_are_read_by_position() -> None:
    text = "# 错别字表\n错字甲\t正字甲\t词典\n\n错字乙\t正字乙\n"
    parsed = lx.parse_import(text, "auto", {**DEFAULTS, "kind": "typo"}, None)
    assert parsed.format == "tsv"
    assert terms(parsed) == [(2, "错字甲", "typo", "正字甲"), (4, "错字乙", "typo", "正字乙")]
    assert [e.note for _, e in parsed.entries] == ["词典", "专项通知"]


def test_when_one_term_per_line_then_commas_are_not_split() -> None:
    parsed = lx.parse_import("甲乙,丙丁\n戊己\n", "lines", DEFAULTS, "qd-mzj")
    assert [e.term for _, e in parsed.entries] == ["甲乙,丙丁", "戊己"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("好词\n坏\n", 2, "词条规范化后不足 2 个字"),
        ("好词\n好词\n", 2, "与第 1 行重复"),
        ("term\tcolour\n好词\tred\n", 1, "不认识的列：colour"),
        ("term\tkind\n好词\tdeny\textra\n", 2, "列数过多"),
        ("term\tkind\n好词\tblue\n", 2, "类型必须是"),
        ("term\tseverity\n好词\tfatal\n", 2, "级别必须是"),
    ],
)
def test_when_a_line_is_invalid_then_its_number_and_reason_are_reported(text: str, line: int, message: str) -> None:
    parsed = lx.parse_import(text, "auto", DEFAULTS, "qd-mzj")
    assert any(n == line and message in m for n, m in parsed.errors), parsed.errors


def test_when_the_note_is_missing_everywhere_then_every_line_is_an_error() -> None:
    parsed = lx.parse_import("甲词\n乙词\n", "auto", {**DEFAULTS, "note": ""}, "qd-mzj")
    assert parsed.entries == []
    assert parsed.errors == [(1, "说明必填（写明词条的依据）"), (2, "说明必填（写明词条的依据）")]


def test_when_a_file_is_gb18030_then_it_is_decoded() -> None:
    assert lx.decode_upload("词条\n错别字".encode("gb18030")) == "词条\n错别字"
    assert lx.decode_upload("\ufeff词条".encode()) == "词条"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"term": "违规\t词"}, "词条不能包含制表符或换行"),
        ({"term": "长" * 201}, "词条过长"),
        ({"kind": "typo", "suggestion": ""}, "必须填写建议"),
        ({"kind": "typo", "suggestion": "好词"}, "建议不能与词条相同"),
        ({"kind": "allow", "suggestion": "别的"}, "白名单词条不设建议"),
        ({"category": ""}, "类别必填"),
    ],
)
def test_when_fields_break_the_lexicon_rules_then_the_reason_is_given_in_chinese(fields, message: str) -> None:
    with pytest.raises(lx.LexiconAdminError, match=message):
        lx.validate(
            {"term": "好词", "kind": "deny", "category": "测试", "severity": "warn", "note": "依据", **fields}, None
        )


def test_when_an_allow_entry_gets_a_severity_then_it_is_dropped_and_tsv_round_trips() -> None:
    entry = lx.validate(
        {"term": "好词", "kind": "allow", "category": "正确用法", "severity": "block", "note": "依据"}, None
    )
    item = lx.entry_item(entry, "qd-mzj")
    assert item["severity"] == ""
    exported = lx.to_tsv([item])
    assert exported.splitlines()[1] == "好词\tallow\t正确用法\t\t\t依据"
    again = lx.parse_import(exported, "auto", DEFAULTS, "qd-mzj")
    assert [lx.entry_item(e, "qd-mzj") for _, e in again.entries] == [item]


def test_when_two_snapshots_differ_then_the_diff_names_added_removed_and_changed_fields() -> None:
    base = {"site": "qd-mzj", "kind": "deny", "category": "测试", "severity": "warn", "suggestion": "", "note": "n"}
    old = [{**base, "term": "甲词"}, {**base, "term": "乙词"}]
    new = [{**base, "term": "甲词", "severity": "block"}, {**base, "term": "丙词", "site": None}]
    changes = {(c.term, c.status): c.fields for c in lx.diff(old, new)}
    assert changes == {("甲词", "changed"): ["severity"], ("乙词", "removed"): [], ("丙词", "added"): []}
