"""The ``sanshen`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from checks.exceptions import CheckEngineError
from checks.finding import Finding, Severity, Verdict

EXIT_ERROR = 3
_SEVERITY_STYLE = {Severity.BLOCK: "bold red", Severity.WARN: "yellow", Severity.INFO: "cyan"}
_VERDICT_LABEL = {Verdict.PASS: "通过 pass", Verdict.ANNOTATE: "需审核 annotate", Verdict.BLOCK: "拦截 block"}


@click.group()
@click.version_option(package_name="sanshen-gateway")
def main() -> None:
    """Sanshen: machine review (三审) of drafts before they go live on a government website."""


def _display_text(text: str, findings: list[Finding], field: str) -> str:
    """The field text with every finding's span replaced by its (masked) ``text``."""
    chars = list(text)
    for f in findings:
        if f.field == field and f.end - f.start == len(f.text) and f.end <= len(chars):
            chars[f.start : f.end] = list(f.text)
    return "".join(chars)


def _context(text: str | None, finding: Finding, width: int):
    from rich.text import Text

    if text is None or finding.start >= finding.end:
        return Text(finding.text or "—")
    before = text[max(finding.start - width, 0) : finding.start].replace("\n", "⏎").replace("\t", " ")
    after = text[finding.end : finding.end + width].replace("\n", "⏎").replace("\t", " ")
    context = Text("…" + before)
    context.append(text[finding.start : finding.end], style="reverse " + _SEVERITY_STYLE[finding.severity])
    context.append(after + "…")
    return context


def _print_table(console, name: str, report, model) -> None:
    from rich.table import Table

    from checks import defaults

    verdict_style = {Verdict.PASS: "green", Verdict.ANNOTATE: "yellow", Verdict.BLOCK: "bold red"}
    console.print(
        f"[bold]{name}[/bold]  →  [{verdict_style[report.verdict]}]{_VERDICT_LABEL[report.verdict]}"
        f"[/]  ({len(report.findings)} 项, {report.checked_ms:.1f} ms, 词库 {report.lexicon_version[:19]})"
    )
    if report.pending_checks:
        console.print(f"  未运行的异步检查: {', '.join(report.pending_checks)}")
    if not report.findings:
        return
    table = Table(show_lines=False, expand=False)
    for column in ("#", "级别", "规则", "位置", "上下文", "建议", "说明"):
        table.add_column(column, overflow="fold")
    displayed: dict[str, str | None] = {}
    for f in report.findings:
        if f.field not in displayed:
            raw = model.text_of(f.field)
            displayed[f.field] = None if raw is None else _display_text(raw, report.findings, f.field)
        table.add_row(
            f.id,
            f"[{_SEVERITY_STYLE[f.severity]}]{f.severity}[/]",
            f.rule,
            f"{f.field}:{f.start}",
            _context(displayed[f.field], f, defaults.CONTEXT_CHARACTERS),
            f.suggestion or "",
            f.message,
        )
    console.print(table)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file per line (JSON Lines).")
@click.option("--lexicons", type=click.Path(path_type=Path, file_okay=False), help="Lexicon folder.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path, dir_okay=False), help="Site policy JSON.")
@click.option("--check-links", is_flag=True, help="Also fetch links (the only check that uses the network).")
def check(
    files: tuple[Path, ...], as_json: bool, lexicons: Path | None, policy_file: Path | None, check_links: bool
) -> None:
    """Check draft FILES (.html, .txt, .json request bodies, .docx, .xlsx, .pdf).

    Exit status: 0 pass, 1 annotate, 2 block, 3 error.
    """
    from rich.console import Console

    from checks.engine import Engine
    from checks.lexicon import Lexicon, default_directory
    from checks.policy import Policy
    from checks.textmodel import TextModel
    from gateway.drafts import draft_from_file

    try:
        engine = Engine(Lexicon.from_directory(lexicons or default_directory()))
        policy = Policy.from_dict(json.loads(policy_file.read_text("utf-8"))) if policy_file else Policy()
    except (CheckEngineError, OSError, ValueError) as exc:
        click.echo(f"sanshen: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    names = [c.name for c in engine.checks if check_links or c.name != "link_reachability"]
    console = Console(highlight=False)
    status = 0
    for path in files:
        try:
            draft = draft_from_file(path)
        except CheckEngineError as exc:
            status = EXIT_ERROR
            if as_json:
                print(
                    json.dumps(
                        {"file": str(path), "error": {"code": "unreadable", "message": str(exc)}}, ensure_ascii=False
                    )
                )
            else:
                click.echo(f"sanshen: {exc}", err=True)
            continue
        model = TextModel(draft)
        report = engine.check(draft, policy, include_async=True, only=names, model=model)
        if status != EXIT_ERROR:
            status = max(status, int(report.verdict))
        if as_json:
            print(json.dumps({"file": str(path), **report.to_dict()}, ensure_ascii=False))
        else:
            _print_table(console, str(path), report, model)
    sys.exit(status)
