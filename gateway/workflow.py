"""The 三审 approval workflow: claims, stage approvals, 退回, finding marks and overrides.

Rules (DESIGN.md "Approval workflow"): only the holder of a stage's role acts on that
stage; one person never approves two stages of one review (一事一审); rejection needs a
reason; a block finding can be overridden only where its rule is overridable, only at the
last stage and only with a reason, and the last stage cannot approve while a block finding
stands. Every action is a StageAction and an audit entry; decisions create the signed
callbacks.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import audit
from gateway.auth import has_role
from gateway.checking import site_policy
from gateway.models import Delivery, FindingRecord, Review, Site, StageAction, User, utcnow
from gateway.reviews import add_event

DISPOSITIONS = ("confirmed", "false_positive")


class WorkflowError(Exception):
    """An action the rules do not allow; the message is shown to the reviewer."""


def _aware(moment):
    from datetime import UTC

    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def stage_role(review: Review) -> str:
    return f"stage{review.stage_index + 1}"


def stages(session: Session, review: Review) -> tuple[str, ...]:
    return site_policy(session.get(Site, review.site_id)).stages


def is_last_stage(session: Session, review: Review) -> bool:
    return review.stage_index == len(stages(session, review)) - 1


def _require_actionable(session: Session, review: Review, user: User) -> None:
    if review.status == "superseded":
        raise WorkflowError(f"该稿件已被新版本（{review.superseded_by}）取代，请审核新版本")
    if review.status != "in_review":
        raise WorkflowError(f"该稿件当前状态为“{review.status}”，不能再审核")
    if not has_role(user, review.site_id, stage_role(review)):
        raise WorkflowError(f"您没有“{review.stage}”阶段的审核权限")
    claimed_by = review.claimed_by
    if claimed_by and claimed_by != user.username and not _claim_lapsed(review):
        raise WorkflowError(f"该稿件已由 {claimed_by} 认领")


def _claim_lapsed(review: Review) -> bool:
    timeout = timedelta(minutes=current_app.config["CLAIM_TIMEOUT_MINUTES"])
    return review.claimed_at is None or _aware(review.claimed_at) < utcnow() - timeout


def _record(session: Session, review: Review, user: User, action: str, comment: str = "") -> None:
    session.add(
        StageAction(review_id=review.id, stage=review.stage or "", action=action, actor=user.username, comment=comment)
    )
    audit.append(session, user.username, f"review.{action}", review.id, {"stage": review.stage, "site": review.site_id})


def claim(session: Session, review: Review, user: User) -> None:
    _require_actionable(session, review, user)
    review.claimed_by, review.claimed_at = user.username, utcnow()
    _record(session, review, user, "claim")


def release(session: Session, review: Review, user: User) -> None:
    if review.claimed_by == user.username:
        review.claimed_by = review.claimed_at = None
        _record(session, review, user, "release")


def _approved_stages_by(session: Session, review: Review, username: str) -> list[str]:
    return list(
        session.execute(
            select(StageAction.stage).where(
                StageAction.review_id == review.id, StageAction.action == "approve", StageAction.actor == username
            )
        ).scalars()
    )


def _finding(review: Review, finding_id: str) -> FindingRecord:
    for record in review.findings:
        if record.finding_id == finding_id:
            return record
    raise WorkflowError(f"没有问题项 {finding_id}")


def approve(session: Session, review: Review, user: User, comment: str = "") -> Delivery | None:
    """Approve the current stage; the last stage's approval ends the review."""
    _require_actionable(session, review, user)
    earlier = _approved_stages_by(session, review, user.username)
    if earlier:
        raise WorkflowError(f"一事一审：您已审核过本稿件的“{earlier[0]}”阶段，不能再审核其他阶段")
    names = stages(session, review)
    if review.stage_index == len(names) - 1:
        standing = [r.finding_id for r in review.findings if r.severity == "block" and r.disposition != "overridden"]
        if standing:
            raise WorkflowError(f"仍有拦截级问题未处理（{', '.join(standing)}），须逐项说明理由后放行或退回")
        _record(session, review, user, "approve", comment)
        review.status = "approved"
        review.claimed_by = review.claimed_at = None
        return add_event(
            session, review, "review.approved", {"comment": comment, "approved_by": _approvers(session, review)}
        )
    _record(session, review, user, "approve", comment)
    review.stage_index += 1
    review.stage = names[review.stage_index]
    review.claimed_by = review.claimed_at = None
    return None


def _approvers(session: Session, review: Review) -> list[dict[str, str]]:
    actions = session.execute(
        select(StageAction)
        .where(StageAction.review_id == review.id, StageAction.action == "approve")
        .order_by(StageAction.id)
    ).scalars()
    return [{"stage": a.stage, "user": a.actor} for a in actions]


def reject(session: Session, review: Review, user: User, reason: str) -> Delivery | None:
    """退回: the draft goes back to its author with the reason."""
    if not reason.strip():
        raise WorkflowError("退回必须填写理由")
    _require_actionable(session, review, user)
    _record(session, review, user, "reject", reason.strip())
    review.status = "rejected"
    review.claimed_by = review.claimed_at = None
    return add_event(session, review, "review.rejected", {"reason": reason.strip(), "stage": review.stage})


def mark_finding(session: Session, review: Review, user: User, finding_id: str, disposition: str, reason: str) -> None:
    if disposition not in DISPOSITIONS:
        raise WorkflowError("标记必须是“确认”或“误报”")
    if disposition == "false_positive" and not reason.strip():
        raise WorkflowError("标记误报必须填写理由")
    _require_actionable(session, review, user)
    record = _finding(review, finding_id)
    record.disposition, record.disposition_reason = disposition, reason.strip() or None
    _record(session, review, user, f"mark_{disposition}", f"{finding_id}: {reason.strip()}")


def override(session: Session, review: Review, user: User, finding_id: str, reason: str) -> None:
    """Release one block finding at the last stage, with a reason, where the rule allows it."""
    _require_actionable(session, review, user)
    if not is_last_stage(session, review):
        raise WorkflowError("只有终审阶段可以放行拦截级问题")
    record = _finding(review, finding_id)
    if record.severity != "block":
        raise WorkflowError("只有拦截级问题需要放行")
    if not record.data.get("overridable", True):
        raise WorkflowError(f"规则 {record.rule} 不允许放行")
    if not reason.strip():
        raise WorkflowError("放行必须填写理由")
    record.disposition, record.disposition_reason = "overridden", reason.strip()
    _record(session, review, user, "override", f"{finding_id} {record.rule}: {reason.strip()}")
