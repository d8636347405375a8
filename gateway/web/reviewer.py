"""Login, the reviewer queue and the review page with its actions."""

from __future__ import annotations

import difflib
from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checks.textmodel import TextModel
from gateway import jobs, workflow
from gateway.auth import AccountError, authenticate, has_role, login_required, roles_by_site
from gateway.db import db
from gateway.models import Document, FindingRecord, Review, Revision, Site, StageAction, utcnow
from gateway.schemas import ReviewRequest
from gateway.web import bp
from gateway.web.highlight import highlight

CHECK_LABELS = {
    "sensitive": "敏感词",
    "typo": "错别字与规范表述",
    "privacy": "个人隐私",
    "secret": "保密",
    "disclosure": "公开属性",
    "format": "公文格式",
    "link": "链接",
    "link_reachability": "错链",
    "attachments": "附件",
}
STATUS_LABELS = {
    "pending": "检查中",
    "in_review": "待审核",
    "passed": "已通过",
    "approved": "已批准",
    "rejected": "已退回",
    "superseded": "已被取代",
}
VERDICT_LABELS = {"pass": "通过", "annotate": "需审核", "block": "拦截", "pending": "检查中"}


@bp.app_template_global()
def labels() -> dict[str, dict[str, str]]:
    return {"check": CHECK_LABELS, "status": STATUS_LABELS, "verdict": VERDICT_LABELS}


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        user_id = None
        with db.session() as s:
            try:
                user_id = authenticate(s, username, password, request.remote_addr or "?").id
            except AccountError as exc:
                error = str(exc)  # caught inside the session: the failed attempt is committed
        if user_id is not None:
            session.clear()
            session["uid"] = user_id
            session.permanent = False
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("web.queue"))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("web.login"))


def _visible_sites(s: Session) -> list[Site]:
    sites = roles_by_site(g.user)
    return list(s.execute(select(Site).where(Site.id.in_(sites)).order_by(Site.id)).scalars())


@bp.get("/")
@login_required
def queue():
    args = request.args
    with db.session() as s:
        sites = _visible_sites(s)
        site_ids = [site.id for site in sites]
        query = select(Review).where(Review.site_id.in_(site_ids), Review.status == "in_review")
        if args.get("site") in site_ids:
            query = query.where(Review.site_id == args["site"])
        if args.get("stage"):
            query = query.where(Review.stage == args["stage"])
        if args.get("verdict") in ("annotate", "block", "pass"):
            query = query.where(Review.verdict == args["verdict"])
        if args.get("check") in CHECK_LABELS:
            query = query.where(
                Review.id.in_(select(FindingRecord.review_id).where(FindingRecord.check == args["check"]))
            )
        if args.get("age", "").isdigit():
            query = query.where(Review.created_at <= utcnow() - timedelta(hours=int(args["age"])))
        items = list(s.execute(query.order_by(Review.created_at.asc()).limit(500)).scalars())
        counts = dict(
            s.execute(
                select(Review.stage, func.count())
                .where(Review.site_id.in_(site_ids), Review.status == "in_review")
                .group_by(Review.stage)
            ).all()
        )
        titles = _titles(s, items)
        finding_counts = _finding_counts(s, items)
    overdue_before = utcnow() - timedelta(hours=current_app.config["REVIEW_REMINDER_HOURS"])
    rows = [
        {
            "review": r,
            "title": titles.get(r.id, ""),
            "findings": finding_counts.get(r.id, {}),
            "overdue": workflow._aware(r.created_at) < overdue_before,
            "mine": has_role(g.user, r.site_id, workflow.stage_role(r)),
        }
        for r in items
    ]
    return render_template(
        "queue.html",
        rows=rows,
        counts=counts,
        sites=sites,
        overdue=sum(1 for row in rows if row["overdue"]),
        filters=args,
        reminder_hours=current_app.config["REVIEW_REMINDER_HOURS"],
    )


def _titles(s: Session, reviews: list[Review]) -> dict[str, str]:
    revision_ids = {r.revision_id: r.id for r in reviews}
    rows = s.execute(select(Revision.id, Revision.title).where(Revision.id.in_(revision_ids))).all()
    return {revision_ids[rid]: title for rid, title in rows}


def _finding_counts(s: Session, reviews: list[Review]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    rows = s.execute(
        select(FindingRecord.review_id, FindingRecord.severity, func.count())
        .where(FindingRecord.review_id.in_([r.id for r in reviews]))
        .group_by(FindingRecord.review_id, FindingRecord.severity)
    ).all()
    for review_id, severity, count in rows:
        result.setdefault(review_id, {})[severity] = count
    return result


def _load_review(s: Session, review_id: str) -> Review:
    review = s.get(Review, review_id)
    if review is None or review.site_id not in roles_by_site(g.user):
        abort(404)
    return review


def _text_model(revision: Revision) -> TextModel:
    return TextModel(ReviewRequest.model_validate_json(revision.request_body).to_draft())


def _diff(previous: str, current: str) -> Markup:
    """Line diff of the plain text of two revisions, marked up for reading."""
    out = []
    for line in difflib.ndiff(previous.splitlines(), current.splitlines()):
        tag, text = line[:1], line[2:]
        if tag == "?":
            continue
        css = {"+": "ins", "-": "del"}.get(tag, "same")
        out.append(f'<div class="diff-{css}"><span aria-hidden="true">{escape(tag)}</span> {escape(text)}</div>')
    return Markup("".join(out))


@bp.get("/reviews/<review_id>")
@login_required
def review_page(review_id: str):
    with db.session() as s:
        review = _load_review(s, review_id)
        revision = s.get(Revision, review.revision_id)
        document = s.get(Document, review.document_id)
        model = _text_model(revision)
        findings = [
            r.data | {"disposition": r.disposition, "disposition_reason": r.disposition_reason} for r in review.findings
        ]
        history = list(
            s.execute(select(StageAction).where(StageAction.review_id == review.id).order_by(StageAction.id)).scalars()
        )
        previous = s.execute(
            select(Revision)
            .where(Revision.document_id == document.id, Revision.created_at < revision.created_at)
            .order_by(Revision.created_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        diff = _diff(_text_model(previous).body.text, model.body.text) if previous else None
        stage_names = workflow.stages(s, review)
        last_stage = workflow.is_last_stage(s, review)
        can_act = review.status == "in_review" and has_role(g.user, review.site_id, workflow.stage_role(review))
    by_field: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_field.setdefault(f["field"], []).append(f)
    other_fields = {k: v for k, v in by_field.items() if k not in ("title", "body")}
    return render_template(
        "review.html",
        review=review,
        document=document,
        revision=revision,
        title_html=highlight(model.title.text, by_field.get("title", [])),
        body_html=highlight(model.body.text, by_field.get("body", [])),
        findings=findings,
        other_fields=other_fields,
        history=history,
        diff=diff,
        previous=previous,
        stage_names=stage_names,
        last_stage=last_stage,
        can_act=can_act,
    )


@bp.post("/reviews/<review_id>/<action>")
@login_required
def review_action(review_id: str, action: str):
    form = request.form
    delivery_id = None
    try:
        with db.session() as s:
            review = _load_review(s, review_id)
            if action == "claim":
                workflow.claim(s, review, g.user)
                message = "已认领"
            elif action == "release":
                workflow.release(s, review, g.user)
                message = "已释放认领"
            elif action == "approve":
                delivery = workflow.approve(s, review, g.user, form.get("comment", ""))
                delivery_id = delivery.id if delivery else None
                message = "已审核通过" if review.status == "approved" else f"已通过，转入“{review.stage}”"
            elif action == "reject":
                delivery = workflow.reject(s, review, g.user, form.get("reason", ""))
                delivery_id = delivery.id if delivery else None
                message = "已退回"
            elif action == "mark":
                workflow.mark_finding(
                    s, review, g.user, form.get("finding", ""), form.get("disposition", ""), form.get("reason", "")
                )
                message = "已标记"
            elif action == "override":
                workflow.override(s, review, g.user, form.get("finding", ""), form.get("reason", ""))
                message = "已放行该问题"
            else:
                abort(404)
    except workflow.WorkflowError as exc:
        flash(str(exc), "error")
        return redirect(url_for("web.review_page", review_id=review_id)), 303
    if delivery_id:
        jobs.enqueue_delivery(delivery_id)
    flash(message, "ok")
    if action in ("approve", "reject"):
        return redirect(url_for("web.queue")), 303
    return redirect(url_for("web.review_page", review_id=review_id)), 303
