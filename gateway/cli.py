"""The ``sanshen`` command line."""

from __future__ import annotations

import gc
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


def _print_table(console, name: str, report, model, skipped: list[str]) -> None:
    from rich.table import Table

    from checks import defaults

    verdict_style = {Verdict.PASS: "green", Verdict.ANNOTATE: "yellow", Verdict.BLOCK: "bold red"}
    console.print(
        f"[bold]{name}[/bold]  →  [{verdict_style[report.verdict]}]{_VERDICT_LABEL[report.verdict]}"
        f"[/]  ({len(report.findings)} 项, {report.checked_ms:.1f} ms, 词库 {report.lexicon_version[:19]})"
    )
    if report.pending_checks:
        console.print(f"  未运行的异步检查: {', '.join(report.pending_checks)}")
    if skipped:
        console.print(f"  无元数据，未运行: {', '.join(skipped)}（可用 --metadata 提供公开属性等）")
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
@click.option(
    "--metadata",
    "metadata_json",
    default=None,
    help='CMS metadata for non-JSON files, e.g. \'{"disclosure": "主动公开"}\'; without it, '
    "metadata checks are skipped.",
)
def check(
    files: tuple[Path, ...],
    as_json: bool,
    lexicons: Path | None,
    policy_file: Path | None,
    check_links: bool,
    metadata_json: str | None,
) -> None:
    """Check draft FILES (.html, .txt, .json request bodies, .docx, .xlsx, .pdf).

    Exit status: 0 pass, 1 annotate, 2 block, 3 error.
    """
    from rich.console import Console

    from checks.engine import Engine
    from checks.lexicon import Lexicon, default_directory
    from checks.policy import Policy
    from checks.textmodel import TextModel
    from gateway.drafts import draft_from_file, has_metadata

    try:
        engine = Engine(Lexicon.from_directory(lexicons or default_directory()))
        policy = Policy.from_dict(json.loads(policy_file.read_text("utf-8"))) if policy_file else Policy()
        metadata = json.loads(metadata_json) if metadata_json else None
        if metadata is not None and not isinstance(metadata, dict):
            raise ValueError("--metadata must be a JSON object")
    except (CheckEngineError, OSError, ValueError) as exc:
        click.echo(f"sanshen: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    names = [c.name for c in engine.checks if check_links or c.name != "link_reachability"]
    console = Console(highlight=False)
    status = 0
    for path in files:
        try:
            draft = draft_from_file(path, metadata)
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
        # A bare file carries no CMS metadata: checks of 公开属性 and the like would only
        # report that it is missing, so they are skipped and named as skipped.
        skipped = [] if has_metadata(draft) else [c.name for c in engine.checks if c.needs_metadata]
        wanted = [name for name in names if name not in skipped]
        report = engine.check(draft, policy, include_async=True, only=wanted, model=model)
        if status != EXIT_ERROR:
            status = max(status, int(report.verdict))
        if as_json:
            print(json.dumps({"file": str(path), **report.to_dict(), "skipped_checks": skipped}, ensure_ascii=False))
        else:
            _print_table(console, str(path), report, model, skipped)
    sys.exit(status)


def _app():
    from gateway import create_app
    from gateway.db import db

    app = create_app()
    # One application per command, its context pushed until the command ends.
    context = app.app_context()
    context.push()
    click.get_current_context().call_on_close(context.pop)
    db.upgrade()
    return app


@main.group(name="db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (also done by serve and worker on start)."""
    _app()
    click.echo("database is at the newest migration")


def _print_signing_help(app, site_id: str) -> None:
    bind = app.config["SERVE_BIND"]
    click.echo(
        f"""
Sanshen gateway on http://{bind}  (instance folder: {app.instance_path})
Sign each request with the site's secret (Standard Webhooks); for example:

  sanshen sign --site {site_id} --secret <whsec_...> examples/draft.json | sh

or by hand: signature = base64(HMAC-SHA256(secret_bytes, "<webhook-id>.<unix-ts>.<body>")),
sent as headers webhook-id, webhook-timestamp, webhook-signature: v1,<signature>.
"""
    )


@main.command()
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
@click.option("--bind", default=None, help="host:port (default SANSHEN_SERVE_BIND).")
@click.option("--workers", type=int, default=None, help="gunicorn worker processes.")
def serve(dev: bool, bind: str | None, workers: int | None) -> None:
    """Run the HTTP gateway on the configured database and queue."""
    from gateway.checking import engine_for
    from gateway.sites import ensure_demo_site

    app = _app()
    bind = bind or app.config["SERVE_BIND"]
    app.config["SERVE_BIND"] = bind
    site_id = ensure_demo_site(app)
    engine_for(app)  # load the lexicon before forking: workers share it
    _print_signing_help(app, site_id)
    if dev:
        host, _, port = bind.rpartition(":")
        app.run(host=host or "127.0.0.1", port=int(port), debug=True, use_reloader=True)
        return
    from gunicorn.app.base import BaseApplication

    from gateway import observability

    settings = observability.prepare_serve(app)  # JSON logs, clean multiprocess metrics folder
    # The app and lexicon loaded above live as long as the workers: out of the collector's
    # reach, a full collection does not walk them (a pause of tens of ms per request burst)
    # and workers do not dirty the pages they share with the master copy-on-write.
    gc.freeze()

    class Gunicorn(BaseApplication):
        def load_config(self) -> None:
            for key, value in settings.items():
                self.cfg.set(key, value)
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers or app.config["SERVE_WORKERS"])
            threads = app.config["SERVE_THREADS"]
            self.cfg.set("threads", threads)
            # The sync worker takes a request only when free (see deploy/gunicorn.conf.py).
            self.cfg.set("worker_class", "sync" if threads == 1 else "gthread")
            self.cfg.set("preload_app", True)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", None)

        def load(self):
            return app

    Gunicorn().run()


@main.command()
@click.option("--burst", is_flag=True, help="Process what is queued, then exit.")
def worker(burst: bool) -> None:
    """Run an RQ worker (with the scheduler for callback retries) and the sweeper."""
    import threading

    from rq import Worker
    from rq.serializers import JSONSerializer

    from gateway import jobs, observability
    from gateway.checking import engine_for
    from gateway.queue import job_queue

    app = _app()
    observability.init_worker(app)  # JSON logs (RQ's too), optional /metrics
    jobs.set_worker_app(app)
    engine_for(app)  # load once in the parent; work horses inherit it
    stop = threading.Event()

    def sweep_round() -> None:
        jobs.sweep(app)
        jobs.purge_idempotency_records(app)

    def sweeper() -> None:
        while not stop.wait(app.config["SWEEP_INTERVAL_SECONDS"]):
            try:
                sweep_round()
            except Exception as exc:
                click.echo(f"sweeper: {type(exc).__name__}", err=True)

    sweep_round()
    if not burst:
        threading.Thread(target=sweeper, name="sanshen-sweeper", daemon=True).start()
    try:
        observability.worker_class(Worker)(
            [job_queue.queue()], connection=job_queue.redis, serializer=JSONSerializer
        ).work(burst=burst, with_scheduler=True)
    finally:
        stop.set()


@main.group()
def site() -> None:
    """Sites (CMSs) and their signing secrets."""


@site.command("add")
@click.argument("site_id")
@click.option("--name", default="")
@click.option("--callback-host", "callback_hosts", multiple=True, help="Allowed callback host (repeatable).")
@click.option("--intranet", is_flag=True, help="Allow callbacks to private addresses (intranet CMS).")
@click.option("--policy", "policy_json", default=None, help="Site policy as JSON.")
def site_add(site_id: str, name: str, callback_hosts: tuple[str, ...], intranet: bool, policy_json: str | None) -> None:
    """Register a site and print its first secret."""
    from gateway.sites import SiteError, add_site

    app = _app()
    try:
        policy = json.loads(policy_json) if policy_json else {}
        secret = add_site(app, site_id, name, list(callback_hosts), intranet, policy)
    except (SiteError, ValueError) as exc:
        click.echo(f"sanshen: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"site {site_id} added; secret (store it in the CMS, it is shown once):\n{secret}")


@site.command("list")
def site_list() -> None:
    from gateway.sites import list_sites

    app = _app()
    for row in list_sites(app):
        click.echo(
            f"{row['id']}\t{row['name']}\tsecrets={row['active_secrets']}\tintranet={row['intranet']}\t"
            f"callback_hosts={','.join(row['callback_hosts'])}"
        )


@site.group("secret")
def site_secret() -> None:
    """Secret rotation."""


@site_secret.command("rotate")
@click.argument("site_id")
@click.option("--retire-old", is_flag=True, help="Deactivate the previous secrets now.")
def secret_rotate(site_id: str, retire_old: bool) -> None:
    """Add a new secret; old ones stay valid until retired (both verify meanwhile)."""
    from gateway.sites import SiteError, rotate_secret

    app = _app()
    try:
        secret = rotate_secret(app, site_id, retire_old)
    except SiteError as exc:
        click.echo(f"sanshen: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(secret)


@main.group()
def deliveries() -> None:
    """Callback deliveries to CMSs."""


@deliveries.command("list")
@click.option("--status", default=None, help="pending, delivered, failed or disabled.")
@click.option("--limit", default=50)
def deliveries_list(status: str | None, limit: int) -> None:
    from gateway.sites import list_deliveries

    app = _app()
    for row in list_deliveries(app, status, limit):
        click.echo("\t".join(str(v) for v in row))


@deliveries.command("retry")
@click.argument("delivery_ids", nargs=-1)
@click.option("--all-failed", is_flag=True, help="Retry every failed delivery.")
def deliveries_retry(delivery_ids: tuple[str, ...], all_failed: bool) -> None:
    """Send failed deliveries again (same webhook-id, so the CMS can dedupe)."""
    from gateway.sites import retry_deliveries

    app = _app()
    count = retry_deliveries(app, list(delivery_ids), all_failed)
    click.echo(f"{count} deliveries queued")


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--secret", envvar="SANSHEN_SITE_SECRET", required=True, help="The site's whsec_… secret.")
@click.option("--site", "site_id", default=None, help="Adds the sanshen-site header.")
@click.option("--url", default="http://127.0.0.1:8700/v1/reviews", show_default=True)
def sign(file: Path, secret: str, site_id: str | None, url: str) -> None:
    """Print a curl command that sends FILE (a request body) signed with SECRET."""
    import shlex
    import uuid

    from webhooks.signing import sign_headers

    body = file.read_text("utf-8")
    headers = sign_headers([secret], f"msg_{uuid.uuid4().hex}", body)
    if site_id:
        headers["sanshen-site"] = site_id
    parts = ["curl", "-sS", "-X", "POST", url]
    for key, value in headers.items():
        parts += ["-H", f"{key}: {value}"]
    parts += ["--data-binary", f"@{file}"]
    click.echo(" ".join(shlex.quote(p) for p in parts))


@main.group()
def user() -> None:
    """Reviewer and admin accounts."""


def _account(action) -> None:
    from gateway.auth import AccountError
    from gateway.db import db

    _app()
    try:
        with db.session() as session:
            action(session)
    except AccountError as exc:
        click.echo(f"sanshen: {exc}", err=True)
        sys.exit(EXIT_ERROR)


@user.command("add")
@click.argument("username")
@click.option("--name", "display_name", default="")
@click.password_option()
def user_add(username: str, display_name: str, password: str) -> None:
    from gateway.auth import create_user

    _account(lambda s: create_user(s, username, password, display_name))
    click.echo(f"user {username} added")


@user.command("passwd")
@click.argument("username")
@click.password_option()
def user_passwd(username: str, password: str) -> None:
    from gateway.auth import set_password

    _account(lambda s: set_password(s, username, password))
    click.echo(f"password of {username} changed")


@user.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable the account again.")
def user_disable(username: str, enable: bool) -> None:
    from gateway.auth import set_disabled

    _account(lambda s: set_disabled(s, username, not enable))
    click.echo(f"user {username} {'enabled' if enable else 'disabled'}")


@user.command("grant")
@click.argument("username")
@click.argument("site_id")
@click.argument("role")
def user_grant(username: str, site_id: str, role: str) -> None:
    """Give USERNAME a ROLE on SITE_ID: stage1 (初审), stage2 (复审), stage3 (终审), admin, auditor."""
    from gateway.auth import grant

    _account(lambda s: grant(s, username, site_id, role))
    click.echo(f"{username}: {role} on {site_id}")


@user.command("revoke")
@click.argument("username")
@click.argument("site_id")
@click.argument("role")
def user_revoke(username: str, site_id: str, role: str) -> None:
    from gateway.auth import revoke

    _account(lambda s: revoke(s, username, site_id, role))
    click.echo(f"{username}: {role} on {site_id} revoked")


@main.group(name="audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the chain; names every edited, inserted or deleted entry. Exit 1 if broken."""
    from gateway import audit
    from gateway.db import db

    _app()
    with db.session() as session:
        problems = audit.verify(session)
        total = session.query(audit.AuditEntry).count()
    if not problems:
        click.echo(f"audit log intact: {total} entries")
        return
    for problem in problems:
        click.echo(f"entry {problem.entry_id}: {problem.problem}")
    sys.exit(1)


@main.group()
def lexicon() -> None:
    """Lexicon overlays in the database: import, export, test, publish, versions, rollback.

    Changes are drafts until `sanshen lexicon publish`; every process then swaps to the
    new lexicon without a restart.
    """


def _lexicon_scope(site_id: str | None, all_sites: bool) -> str | None:
    if bool(site_id) == all_sites:
        click.echo("sanshen: give either --site SITE or --all-sites", err=True)
        sys.exit(EXIT_ERROR)
    return None if all_sites else site_id


def _lexicon_fail(exc: Exception) -> None:
    click.echo(f"sanshen: {exc}", err=True)
    sys.exit(EXIT_ERROR)


@lexicon.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--site", "site_id", default=None, help="The site whose overlay receives the entries.")
@click.option("--all-sites", is_flag=True, help="Entries for every site instead of one.")
@click.option("--kind", type=click.Choice(["deny", "typo", "term", "allow"]), required=True)
@click.option("--category", required=True, help="Category for rows that do not name one.")
@click.option("--severity", type=click.Choice(["info", "warn", "block"]), default="warn", show_default=True)
@click.option("--note", default="", help="Basis of the entries, for rows without a note column.")
@click.option("--format", "fmt", type=click.Choice(["auto", "tsv", "csv", "lines"]), default="auto", show_default=True)
@click.option("--documents", default=50, show_default=True, help="Recent documents for the findings impact.")
@click.option("--dry-run", is_flag=True, help="Report errors, conflicts and impact; write nothing.")
def lexicon_import(
    file: Path,
    site_id: str | None,
    all_sites: bool,
    kind: str,
    category: str,
    severity: str,
    note: str,
    fmt: str,
    documents: int,
    dry_run: bool,
) -> None:
    """Import FILE (TSV/CSV with a header, `term[,suggestion[,note]]` lines, or one term per line)."""
    from gateway import lexicons as lx
    from gateway.db import db

    app = _app()
    scope = _lexicon_scope(site_id, all_sites)
    defaults = {"kind": kind, "category": category, "severity": severity, "note": note}
    try:
        text = lx.decode_upload(file.read_bytes())
        with db.session() as session:
            parsed = lx.parse_import(text, fmt, defaults, scope)
            plan = lx.plan_import(app, session, None, scope, parsed, documents)
            for line, message in parsed.errors:
                click.echo(f"{file.name}:{line}: {message}", err=True)
            for conflict in plan.conflicts:
                action = "skipped" if conflict.kind == "kind" else "severity overridden"
                click.echo(f"{file.name}:{conflict.line}: {conflict.message} ({action})")
            click.echo(
                f"{lx.scope_label(scope)}: {len(plan.new)} new, {len(plan.updates)} changed, "
                f"{len(plan.unchanged)} unchanged, {len(plan.conflicts)} conflicts, {len(parsed.errors)} errors"
            )
            if plan.impact is not None:
                i = plan.impact
                click.echo(
                    f"impact on the last {i.documents} documents: {i.before} → {i.after} findings "
                    f"({i.after - i.before:+d}) in {i.documents_changed} documents"
                )
                for rule, hit, count in i.added[:10]:
                    click.echo(f"  + {hit}\t{rule}\t{count}")
                for rule, hit, count in i.removed[:10]:
                    click.echo(f"  - {hit}\t{rule}\t{count}")
            if parsed.errors:
                sys.exit(EXIT_ERROR)
            if dry_run:
                click.echo("dry run: nothing written")
                return
            counts = lx.apply_import(session, None, plan, f"cli:{file.name}")
    except lx.LexiconAdminError as exc:
        _lexicon_fail(exc)
    click.echo(
        f"written: {counts['added']} added, {counts['updated']} updated, {counts['skipped']} skipped; "
        "run `sanshen lexicon publish --note …` to put them in force"
    )


@lexicon.command("export")
@click.option("--site", "site_id", default=None, help="A site (default: the all-sites overlay).")
@click.option(
    "--what",
    type=click.Choice(["overlay", "merged", "draft"]),
    default="overlay",
    show_default=True,
    help="overlay: the scope's own entries (importable); merged/draft: the whole lexicon, published or draft.",
)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None)
def lexicon_export(site_id: str | None, what: str, output: Path | None) -> None:
    """Print entries in the shipped TSV format."""
    from gateway import lexicons as lx
    from gateway.db import db

    app = _app()
    with db.session() as session:
        if what == "overlay":
            body = lx.export_overlay(session, site_id)
        else:
            body = lx.export_merged(app, session, site_id, published=what == "merged")
    if output is None:
        click.echo(body, nl=False)
    else:
        output.write_text(body, encoding="utf-8")
        click.echo(f"written to {output}", err=True)


@lexicon.command("test")
@click.argument("text_or_file")
@click.option("--site", "site_id", default=None, help="Use this site's lexicon (default: all-sites only).")
@click.option("--draft", is_flag=True, help="Use the unpublished draft instead of the published lexicon.")
def lexicon_test(text_or_file: str, site_id: str | None, draft: bool) -> None:
    """Run the lexicon checks over TEXT (or a file) and print the hits. Exit 0/1/2 by verdict."""
    from rich.console import Console

    from checks.textmodel import TextModel
    from gateway import lexicons as lx
    from gateway.checking import build_engine, merged_lexicon, shipped_lexicon
    from gateway.db import db
    from gateway.drafts import draft_from_file

    app = _app()
    path = Path(text_or_file)
    try:
        document = draft_from_file(path) if path.is_file() else lx.text_draft(text_or_file)
    except CheckEngineError as exc:
        _lexicon_fail(exc)
    with db.session() as session:
        overlays = lx.draft_overlays(session) if draft else lx.published_overlays(session)
        policy = None
        if site_id is not None:
            from gateway.checking import site_policy
            from gateway.models import Site

            site = session.get(Site, site_id)
            if site is None:
                _lexicon_fail(Exception(f"no site {site_id}"))
            policy = site_policy(site)
    engine = build_engine(merged_lexicon(shipped_lexicon(app), overlays, site_id))
    model = TextModel(document)
    report = engine.check(document, policy, only=lx.LEXICON_CHECKS, model=model)
    name = str(path) if path.is_file() else "text"
    _print_table(Console(highlight=False), f"{name} ({'draft' if draft else 'published'})", report, model, [])
    sys.exit(int(report.verdict))


@lexicon.command("publish")
@click.option("--note", required=True, help="What changed and why.")
@click.option("--site", "sites", multiple=True, help="Publish only these sites (repeatable; '*' = all-sites).")
def lexicon_publish(note: str, sites: tuple[str, ...]) -> None:
    """Publish the draft overlays; every process swaps to them without a restart."""
    from gateway import lexicons as lx
    from gateway.checking import announce
    from gateway.db import db

    app = _app()
    scope = [lx.parse_scope(s) for s in sites] or None
    try:
        with db.session() as session:
            publication = lx.publish(session, None, note, scope)
            publication_id, count = publication.id, len(publication.entries)
    except lx.LexiconAdminError as exc:
        _lexicon_fail(exc)
    told = announce(app, publication_id)
    click.echo(
        f"published #{publication_id} ({count} overlay entries); "
        + ("processes notified" if told else "Redis unavailable: processes pick it up by polling")
    )


@lexicon.command("versions")
@click.option("--diff", "compare", nargs=2, type=int, default=None, help="OLD NEW: show the changes between two.")
def lexicon_versions(compare: tuple[int, int] | None) -> None:
    """List publications, newest first (or the changes between two)."""
    from gateway import lexicons as lx
    from gateway.db import db

    _app()
    with db.session() as session:
        if compare:
            try:
                changes = lx.publication_diff(session, compare[0], compare[1])
            except lx.LexiconAdminError as exc:
                _lexicon_fail(exc)
            for c in changes:
                detail = ", ".join(f"{k}: {c.before[k]!r} → {c.after[k]!r}" for k in c.fields) if c.fields else ""
                click.echo(f"{c.status}\t{c.site or lx.GLOBAL}\t{c.term}\t{c.kind}\t{detail}".rstrip())
            return
        for p in lx.publications(session):
            click.echo(f"#{p.id}\t{p.published_at:%Y-%m-%d %H:%M:%S}\t{p.published_by}\t{len(p.entries)}\t{p.note}")


@lexicon.command("rollback")
@click.argument("publication_id", type=int)
@click.option("--note", required=True, help="Why.")
def lexicon_rollback(publication_id: int, note: str) -> None:
    """Restore the overlays to publication PUBLICATION_ID and publish that as a new version."""
    from gateway import lexicons as lx
    from gateway.checking import announce
    from gateway.db import db

    app = _app()
    try:
        with db.session() as session:
            publication = lx.rollback(session, None, publication_id, note)
            new_id = publication.id
    except lx.LexiconAdminError as exc:
        _lexicon_fail(exc)
    announce(app, new_id)
    click.echo(f"rolled back to #{publication_id}, published as #{new_id}")
