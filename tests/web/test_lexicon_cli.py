"""`sanshen lexicon import|export|test|publish|versions|rollback` on the test database."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from checks.lexicon import parse_tsv
from gateway.checking import engine_for, watch_for
from gateway.cli import main


@pytest.fixture
def cli(app, monkeypatch):
    """The CLI on the test database and Redis, with the shipped lexicon files (the spelling
    word lists live next to them; SANSHEN_LEXICON_DIR would also move those)."""
    for key in ("DATABASE_URL", "REDIS_URL", "QUEUE_NAME"):
        monkeypatch.setenv(f"SANSHEN_{key}", app.config[key])
    monkeypatch.setenv("SANSHEN_INSTANCE_PATH", app.instance_path)

    def run(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return run


def test_when_cli_imports_and_publishes_then_tests_and_running_processes_see_the_term(cli, app, site, tmp_path) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("命令行词甲\n命令行词乙\n", encoding="utf-8")
    base = ("lexicon", "import", str(terms), "--site", "qd-mzj", "--kind", "deny", "--category", "测试")

    no_note = cli(*base, "--dry-run")
    assert no_note.exit_code == 3 and "terms.txt:1: 说明必填" in no_note.output
    dry = cli(*base, "--note", "命令行导入", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "qd-mzj: 2 new, 0 changed" in dry.output and "dry run: nothing written" in dry.output
    written = cli(*base, "--note", "命令行导入")
    assert "written: 2 added, 0 updated" in written.output

    sample = "这里有命令行词甲。"
    assert cli("lexicon", "test", sample, "--site", "qd-mzj").exit_code == 0  # not published yet
    draft = cli("lexicon", "test", sample, "--site", "qd-mzj", "--draft")
    assert draft.exit_code == 1 and "sensitive.term" in draft.output

    watch = watch_for(app)  # a running process: its subscriber gets the CLI's announcement
    watch.start()
    try:
        before = engine_for(app, "qd-mzj")
        published = cli("lexicon", "publish", "--note", "命令行发布")
        assert published.output.startswith("published #1 (2 overlay entries); processes notified")
        deadline = time.monotonic() + 5
        while watch.publication_id != 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert watch.notifications >= 1
        assert engine_for(app, "qd-mzj") is not before
        assert {"命令行词甲", "命令行词乙"} <= {e.term for e in engine_for(app, "qd-mzj").state.lexicon.entries}
    finally:
        watch.stop()

    found = cli("lexicon", "test", sample, "--site", "qd-mzj")
    assert found.exit_code == 1 and "sensitive.term" in found.output
    versions = cli("lexicon", "versions").output.splitlines()
    assert len(versions) == 1 and versions[0].startswith("#1\t") and versions[0].endswith("\tcli\t2\t命令行发布")
    assert "added\tqd-mzj\t命令行词甲\tdeny" in cli("lexicon", "versions", "--diff", "0", "1").output

    exported = cli("lexicon", "export", "--site", "qd-mzj").output
    assert [e.term for e in parse_tsv(exported, "export.tsv")] == ["命令行词乙", "命令行词甲"]
    again = tmp_path / "again.tsv"
    again.write_text(exported, encoding="utf-8")
    assert "0 new, 0 changed, 2 unchanged" in cli(*base[:2], str(again), *base[3:], "--dry-run").output

    same = cli("lexicon", "rollback", "1", "--note", "无变化")
    assert same.exit_code == 3 and "没有需要发布的修改" in same.output


def test_when_neither_or_both_scopes_are_given_then_import_refuses(cli, tmp_path, site) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("某词\n", encoding="utf-8")
    args = ("lexicon", "import", str(terms), "--kind", "deny", "--category", "测试", "--note", "x")
    assert cli(*args).exit_code == 3
    assert cli(*args, "--site", "qd-mzj", "--all-sites").exit_code == 3
    assert cli(*args, "--all-sites", "--dry-run").exit_code == 0
