"""Lexicon administration pages: entries, import with a dry run, export, versions, sandbox,
false-positive suggestions. Admins act; auditors may read the lists and versions."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from checks.engine import Report
from checks.textmodel import TextModel
from gateway import lexicons as lx
from gateway.auth import login_required, roles_by_site
from gateway.checking import announce
from gateway.db import db
from gateway.models import LexiconEntryRow
from gateway.web import bp
from gateway.web.highlight import highlight

PAGE_SIZE = 100
MAX_UPLOAD_BYTES = 4 * 1024 * 1024


def _is_admin() -> bool:
    return any("admin" in roles for roles in roles_by_site(g.user).values())


def _require_reader(s: Session) -> None:
    if not lx.may_read(s, g.user):
        abort(403)


def _require_admin() -> None:
    if not _is_admin():
        abort(403)


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _scope_options(s: Session) -> list[tuple[str, str]]:
    """(form value, label) of the scopes the user may edit; sites first (the safer default)."""
    scopes = lx.editable_scopes(s, g.user)
    ordered = [x for x in scopes if x is not None] + [x for x in scopes if x is None]
    return [(s_id or lx.GLOBAL, lx.scope_label(s_id)) for s_id in ordered]


def _common(s: Session) -> dict[str, Any]:
    return {
        "kinds": lx.KIND_LABELS,
        "severities": lx.SEVERITY_LABELS,
        "is_admin": _is_admin(),
        "scope_options": _scope_options(s),
    }


@bp.app_template_filter("severity_label")
def _severity_label(value: str) -> str:
    return lx.SEVERITY_LABELS.get(value, "—") if value else "—"


# -- entries ---------------------------------------------------------------------------


def _render_list(s: Session, form: dict[str, str] | None = None, error: str | None = None, status: int = 200):
    filters = {k: request.args.get(k, "") for k in ("q", "kind", "category", "severity", "site", "state")}
    items, categories = lx.list_entries(_app(), s, g.user, filters)
    try:
        page = max(int(request.args.get("page", "1")), 1)
    except ValueError:
        page = 1
    pages = max((len(items) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(page, pages)
    editable = {scope for scope, _ in _scope_options(s)}
    scope = [s_id for s_id in lx.editable_scopes(s, g.user)]
    pending = lx.pending_changes(s, scope) if scope else []
    readable = sorted(lx.readable_site_ids(s, g.user))
    return (
        render_template(
            "lexicon_list.html",
            items=items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            total=len(items),
            page=page,
            pages=pages,
            filters=filters,
            categories=categories,
            sites=readable,
            editable=editable,
            pending=pending,
            form=form or {"kind": "deny", "severity": "warn"},
            error=error,
            **_common(s),
        ),
        status,
    )


@bp.get("/lexicon")
@login_required
def lexicon_list():
    with db.session() as s:
        _require_reader(s)
        return _render_list(s)


@bp.post("/lexicon/entries")
@login_required
def lexicon_add():
    _require_admin()
    form = {k: request.form.get(k, "") for k in ("site", "term", "kind", "category", "severity", "suggestion", "note")}
    try:
        with db.session() as s:
            row, notices = lx.add_entry(_app(), s, g.user, lx.parse_scope(form["site"]), form)
            term, scope = row.term, lx.scope_label(row.site_id)
    except lx.LexiconPermissionError:
        abort(403)
    except lx.LexiconAdminError as exc:
        with db.session() as s:
            return _render_list(s, form, str(exc), 400)
    for notice in notices:
        flash(notice.message, "ok")
    flash(f"已添加“{term}”（{scope}），发布后生效", "ok")
    return redirect(url_for("web.lexicon_list")), 303


def _editable_row(s: Session, row_id: int) -> LexiconEntryRow:
    try:
        row = lx.get_row(s, row_id)
    except lx.LexiconAdminError:
        abort(404)
    if row.site_id is not None and row.site_id not in lx.readable_site_ids(s, g.user):
        abort(404)
    return row


@bp.get("/lexicon/entries/<int:row_id>")
@login_required
def lexicon_entry(row_id: int):
    return _render_entry(row_id)


def _render_entry(row_id: int, error: str | None = None, form: dict[str, str] | None = None, status: int = 200):
    with db.session() as s:
        _require_reader(s)
        row = _editable_row(s, row_id)
        try:
            lx.require_edit(s, g.user, row.site_id)
            can_edit = True
        except lx.LexiconPermissionError:
            can_edit = False
        history = lx.entry_history(s, row.id)
        published = {lx.item_key(i): i for i in lx.published_items(s)}
        state = lx.published_state(row, published)
        return (
            render_template(
                "lexicon_entry.html",
                row=row,
                state=state,
                can_edit=can_edit,
                history=history,
                form=form or lx.row_item(row),
                error=error,
                **_common(s),
            ),
            status,
        )


@bp.post("/lexicon/entries/<int:row_id>")
@login_required
def lexicon_edit(row_id: int):
    _require_admin()
    form = {k: request.form.get(k, "") for k in ("category", "severity", "suggestion", "note")}
    reason = request.form.get("reason", "")
    try:
        with db.session() as s:
            row = _editable_row(s, row_id)
            lx.edit_entry(s, g.user, row.id, form, reason)
            term = row.term
    except lx.LexiconPermissionError:
        abort(403)
    except lx.LexiconAdminError as exc:
        return _render_entry(row_id, str(exc), {**form, "reason": reason}, 400)
    flash(f"已修改“{term}”，发布后生效", "ok")
    return redirect(url_for("web.lexicon_entry", row_id=row_id)), 303


@bp.post("/lexicon/entries/<int:row_id>/<any(disable, enable):action>")
@login_required
def lexicon_toggle(row_id: int, action: str):
    _require_admin()
    try:
        with db.session() as s:
            row = _editable_row(s, row_id)
            lx.set_enabled(s, g.user, row.id, action == "enable", request.form.get("reason", ""))
            term = row.term
    except lx.LexiconPermissionError:
        abort(403)
    except lx.LexiconAdminError as exc:
        return _render_entry(row_id, str(exc), None, 400)
    flash(f"已{'启用' if action == 'enable' else '停用'}“{term}”，发布后生效", "ok")
    return redirect(url_for("web.lexicon_entry", row_id=row_id)), 303


# -- import and export -----------------------------------------------------------------

IMPORT_FIELDS = ("site", "format", "kind", "category", "severity", "note", "documents")


def _import_form() -> dict[str, str]:
    form = {k: request.form.get(k, "") for k in IMPORT_FIELDS}
    form["format"] = form["format"] or "auto"
    return form


def _import_text() -> str:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise lx.LexiconAdminError("文件过大（最大 4 MB）")
        return lx.decode_upload(data)
    return request.form.get("text", "")


def _documents(form: dict[str, str]) -> int:
    try:
        return min(max(int(form.get("documents") or lx.DEFAULT_IMPACT_DOCUMENTS), 0), 500)
    except ValueError:
        return lx.DEFAULT_IMPACT_DOCUMENTS


@bp.route("/lexicon/import", methods=["GET", "POST"])
@login_required
def lexicon_import():
    _require_admin()
    with db.session() as s:
        common = _common(s)
        if request.method == "GET":
            form = {"format": "auto", "kind": "deny", "severity": "warn", "documents": str(lx.DEFAULT_IMPACT_DOCUMENTS)}
            return render_template("lexicon_import.html", form=form, formats=lx.FORMATS, plan=None, **common)
        form = _import_form()
        try:
            import_text = _import_text()
            site_id = lx.parse_scope(form["site"])
            defaults = {k: form[k] for k in ("kind", "category", "severity", "note")}
            parsed = lx.parse_import(import_text, form["format"], defaults, site_id)
            plan = lx.plan_import(_app(), s, g.user, site_id, parsed, _documents(form))
        except lx.LexiconPermissionError:
            abort(403)
        except lx.LexiconAdminError as exc:
            return render_template(
                "lexicon_import.html", form=form, formats=lx.FORMATS, plan=None, error=str(exc), **common
            ), 400
        return render_template(
            "lexicon_import.html",
            form=form,
            formats=lx.FORMATS,
            plan=plan,
            import_text=import_text,
            digest=hashlib.sha256(import_text.encode("utf-8")).hexdigest(),
            **common,
        )


@bp.post("/lexicon/import/apply")
@login_required
def lexicon_import_apply():
    _require_admin()
    form = _import_form()
    import_text = request.form.get("text", "")
    if hashlib.sha256(import_text.encode("utf-8")).hexdigest() != request.form.get("digest", ""):
        flash("导入内容与试运行时不一致，请重新试运行", "error")
        return redirect(url_for("web.lexicon_import")), 303
    try:
        with db.session() as s:
            site_id = lx.parse_scope(form["site"])
            defaults = {k: form[k] for k in ("kind", "category", "severity", "note")}
            parsed = lx.parse_import(import_text, form["format"], defaults, site_id)
            plan = lx.plan_import(_app(), s, g.user, site_id, parsed, impact_documents=0)
            counts = lx.apply_import(s, g.user, plan, f"web:{request.form.get('source', '')}")
    except lx.LexiconPermissionError:
        abort(403)
    except lx.LexiconAdminError as exc:
        flash(str(exc), "error")
        return redirect(url_for("web.lexicon_import")), 303
    flash(
        f"已导入：新增 {counts['added']} 条，更新 {counts['updated']} 条，"
        f"跳过冲突 {counts['skipped']} 条，未变 {counts['unchanged']} 条。发布后生效。",
        "ok",
    )
    return redirect(url_for("web.lexicon_list", site=form["site"] or lx.GLOBAL)), 303


@bp.get("/lexicon/export")
@login_required
def lexicon_export() -> Response:
    with db.session() as s:
        _require_reader(s)
        site_id = lx.parse_scope(request.args.get("site"))
        if site_id is not None and site_id not in lx.readable_site_ids(s, g.user):
            abort(403)
        what = request.args.get("what", "overlay")
        if what == "overlay":
            body = lx.export_overlay(s, site_id)
        elif what in ("merged", "draft"):
            body = lx.export_merged(_app(), s, site_id, published=what == "merged")
        else:
            abort(404)
    name = f"lexicon-{site_id or 'all-sites'}-{what}.tsv"
    return Response(
        body,
        mimetype="text/tab-separated-values",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


# -- versions --------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/lexicon/versions")
@login_required
def lexicon_versions():
    with db.session() as s:
        _require_reader(s)
        scope = lx.editable_scopes(s, g.user)
        versions = lx.publications(s)
        old_id, new_id = _int_arg("old"), _int_arg("new")
        compared = None
        if new_id is not None:
            try:
                compared = lx.publication_diff(s, old_id, new_id)
            except lx.LexiconAdminError as exc:
                flash(str(exc), "error")
        return render_template(
            "lexicon_versions.html",
            versions=versions,
            pending=lx.pending_changes(s, scope) if scope else [],
            scope=[lx.scope_label(x) for x in scope],
            compared=compared,
            old_id=old_id,
            new_id=new_id,
            **_common(s),
        )


def _announce(publication_id: int) -> None:
    if not announce(_app(), publication_id):
        flash("未能通知其他进程（Redis 不可用）；它们会在轮询时加载新版本", "error")


@bp.post("/lexicon/publish")
@login_required
def lexicon_publish():
    _require_admin()
    try:
        with db.session() as s:
            publication = lx.publish(s, g.user, request.form.get("note", ""))
            publication_id, count = publication.id, len(publication.entries)
    except lx.LexiconPermissionError:
        abort(403)
    except lx.LexiconAdminError as exc:
        flash(str(exc), "error")
        back = request.form.get("back", "")
        safe = back.startswith("/") and not back.startswith("//")
        return redirect(back if safe else url_for("web.lexicon_versions")), 303
    _announce(publication_id)
    flash(f"已发布版本 #{publication_id}（{count} 条自定义词条），各进程即时生效", "ok")
    return redirect(url_for("web.lexicon_versions")), 303


@bp.post("/lexicon/versions/<int:publication_id>/rollback")
@login_required
def lexicon_rollback(publication_id: int):
    _require_admin()
    try:
        with db.session() as s:
            publication = lx.rollback(s, g.user, publication_id, request.form.get("note", ""))
            new_id = publication.id
            old_id = lx.previous_publication_id(s, new_id)
    except lx.LexiconPermissionError:
        abort(403)
    except lx.LexiconAdminError as exc:
        flash(str(exc), "error")
        return redirect(url_for("web.lexicon_versions")), 303
    _announce(new_id)
    flash(f"已回滚到版本 #{publication_id}，并发布为版本 #{new_id}", "ok")
    return redirect(url_for("web.lexicon_versions", old=old_id, new=new_id)), 303


# -- sandbox ---------------------------------------------------------------------------


def _report_view(result_report: Report, model: TextModel) -> dict[str, Any]:
    findings = [f.to_dict() for f in result_report.findings]
    by_field: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_field.setdefault(f["field"], []).append(f)
    return {"findings": findings, "html": highlight(model.body.text, by_field.get("body", []))}


@bp.route("/lexicon/sandbox", methods=["GET", "POST"])
@login_required
def lexicon_sandbox():
    _require_admin()
    with db.session() as s:
        common = _common(s)
        sites = sorted(lx.admin_site_ids(s, g.user))
        site_value = request.form.get("site", sites[0] if sites else lx.GLOBAL)
        text_value = request.form.get("text", "")
        result = None
        if request.method == "POST" and text_value.strip():
            site_id = lx.parse_scope(site_value)
            if site_id is not None and site_id not in sites:
                abort(403)
            outcome = lx.sandbox(_app(), s, site_id, text_value[:20000])
            result = {
                "published": _report_view(outcome.published, outcome.model),
                "draft": _report_view(outcome.draft, outcome.model),
                "published_version": outcome.published_version,
                "draft_version": outcome.draft_version,
            }
        return render_template(
            "lexicon_sandbox.html", sites=sites, site_value=site_value, text_value=text_value, result=result, **common
        )


# -- false-positive suggestions --------------------------------------------------------


@bp.get("/lexicon/suggestions")
@login_required
def lexicon_suggestions():
    _require_admin()
    with db.session() as s:
        items = lx.suggestions(s, lx.admin_site_ids(s, g.user))
        return render_template("lexicon_suggestions.html", items=items, **_common(s))


@bp.post("/lexicon/suggestions/<any(accept, dismiss):action>")
@login_required
def lexicon_suggestion_action(action: str):
    _require_admin()
    form = request.form
    site_id, term = form.get("site", ""), form.get("term", "")
    try:
        with db.session() as s:
            if action == "accept":
                allow_term, note = form.get("allow_term", ""), form.get("note", "")
                row = lx.accept_suggestion(_app(), s, g.user, site_id, term, allow_term, note)
                message = f"已将“{row.term}”加入 {site_id} 的白名单，发布后生效"
            else:
                lx.dismiss_suggestion(s, g.user, site_id, term, form.get("reason", ""))
                message = f"已忽略“{term}”的建议"
    except lx.LexiconPermissionError:
        abort(403)
    except lx.LexiconAdminError as exc:
        flash(str(exc), "error")
        return redirect(url_for("web.lexicon_suggestions")), 303
    flash(message, "ok")
    return redirect(url_for("web.lexicon_suggestions")), 303
