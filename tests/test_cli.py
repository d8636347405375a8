from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import main
from tests.checks.conftest import tsv


@pytest.fixture
def lexicon_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "lexicons"
    folder.mkdir()
    (folder / "test.tsv").write_text(
        tsv(
            ("再接再励", "typo", "成语", "warn", "再接再厉", "成语"),
            ("法轮功", "deny", "邪教", "block", "", "邪教组织"),
        ),
        "utf-8",
    )
    return folder


def invoke(lexicon_dir: Path, *args: str):
    return CliRunner().invoke(main, ["check", "--lexicons", str(lexicon_dir), *args], env={"COLUMNS": "250"})


@pytest.mark.parametrize(
    ("name", "content", "status"),
    [
        ("clean.txt", "通知\n请各单位认真落实。", 0),
        ("typo.html", "<p>希望再接再励</p>", 1),
        ("block.txt", "标题\n宣扬法轮功", 2),
    ],
)
def test_when_file_is_checked_then_exit_status_is_the_verdict(tmp_path, lexicon_dir, name, content, status) -> None:
    path = tmp_path / name
    path.write_text(content, "utf-8")
    result = invoke(lexicon_dir, str(path))
    assert result.exit_code == status, result.output


def test_when_json_is_requested_then_each_file_is_one_line(tmp_path, lexicon_dir) -> None:
    a, b = tmp_path / "a.html", tmp_path / "b.json"
    a.write_text("<p>希望再接再励</p>", "utf-8")
    b.write_text(
        json.dumps(
            {"site": "demo", "document": {"id": "x1", "title": "宣扬法轮功", "body_html": ""}}, ensure_ascii=False
        ),
        "utf-8",
    )
    result = invoke(lexicon_dir, "--json", str(a), str(b))
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(line["file"], line["verdict"]) for line in lines] == [(str(a), "annotate"), (str(b), "block")]
    assert lines[0]["findings"][0]["suggestion"] == "再接再厉"
    assert lines[0]["annotated_html"] == '<p>希望<mark data-finding="f1">再接再励</mark></p>'
    assert lines[1]["findings"][0]["field"] == "title"
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.json", "{not json", "malformed JSON at line 1 column 2"),
        ("shape.json", '{"site": "demo", "document": {}}', "document.id: Field required"),
        (
            "b64.json",
            '{"site":"d","document":{"id":"x","attachments":[{"name":"a.pdf","content_base64":"@@"}]}}',
            "document.attachments.0.content_base64: Value error, is not valid base64",
        ),
        ("draft.odt", "x", "unsupported file type .odt"),
        ("latin1.txt", b"\xff\xfe\x00\xd8", "neither UTF-8 nor GB18030"),
    ],
)
def test_when_input_is_unreadable_then_exit_3_with_one_line_reason(
    tmp_path, lexicon_dir, name, content, reason
) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = invoke(lexicon_dir, str(path))
    assert result.exit_code == 3
    assert reason in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_when_one_of_several_files_fails_then_others_are_still_checked(tmp_path, lexicon_dir) -> None:
    good = tmp_path / "good.html"
    good.write_text("<p>希望再接再励</p>", "utf-8")
    result = invoke(lexicon_dir, "--json", str(tmp_path / "missing.txt"), str(good))
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0]["error"]["code"] == "unreadable"
    assert lines[1]["verdict"] == "annotate"
    assert result.exit_code == 3


def test_when_table_output_is_shown_then_it_has_rule_severity_and_context(tmp_path, lexicon_dir) -> None:
    path = tmp_path / "t.html"
    path.write_text("<p>我们要再接再励，争取更大成绩</p>", "utf-8")
    result = invoke(lexicon_dir, str(path))
    assert "typo.confusion" in result.output
    assert "warn" in result.output
    assert "再接再厉" in result.output
    assert "我们要再接再励，争取" in result.output


def test_when_lexicon_folder_is_broken_then_exit_3(tmp_path) -> None:
    folder = tmp_path / "lex"
    folder.mkdir()
    (folder / "x.tsv").write_text("term\tkind\n", "utf-8")
    path = tmp_path / "a.txt"
    path.write_text("标题\n正文", "utf-8")
    result = invoke(folder, str(path))
    assert result.exit_code == 3
    assert "x.tsv:1: header must be" in result.output


def test_when_plain_file_has_no_metadata_then_metadata_checks_are_skipped_and_named(tmp_path, lexicon_dir) -> None:
    path = tmp_path / "a.txt"
    path.write_text("通知\n请各单位认真落实。", "utf-8")
    line = json.loads(invoke(lexicon_dir, "--json", str(path)).output)
    assert line["skipped_checks"] == ["disclosure"]
    assert line["verdict"] == "pass"


def test_when_metadata_is_given_then_disclosure_rules_apply(tmp_path, lexicon_dir) -> None:
    path = tmp_path / "a.txt"
    path.write_text("通知\n请各单位认真落实。", "utf-8")
    result = invoke(lexicon_dir, "--json", "--metadata", '{"disclosure": "不予公开"}', str(path))
    line = json.loads(result.output)
    assert line["skipped_checks"] == []
    assert line["verdict"] == "block"
    assert any(f["check"] == "disclosure" for f in line["findings"])
    assert result.exit_code == 2
