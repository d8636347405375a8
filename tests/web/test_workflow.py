"""The 三审 workflow through the reviewer UI (Flask client) and its callbacks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.db import db
from gateway.models import Delivery, Review, StageAction
from tests.conftest import run_worker
from tests.web.conftest import act


def state(app, review_id):
    with app.app_context(), db.session() as s:
        review = s.get(Review, review_id)
        return review.status, review.stage


def block_ids(app, review_id):
    with app.app_context(), db.session() as s:
        return [f.finding_id for f in s.get(Review, review_id).findings if f.severity == "block"]


def test_when_three_reviewers_approve_in_turn_then_cms_gets_signed_approval(app, users, login, flagged, cms) -> None:
    review_id = flagged()
    chu, fu, zhong = login("chu"), login("fu"), login("zhong")
    assert act(chu, review_id, "approve", comment="初审同意").status_code == 303
    assert state(app, review_id) == ("in_review", "复审")
    assert act(fu, review_id, "approve", comment="复审同意").status_code == 303
    assert state(app, review_id) == ("in_review", "终审")
    refused = act(zhong, review_id, "approve", follow_redirects=True)
    assert "仍有拦截级问题未处理" in refused.get_data(as_text=True)
    for finding_id in block_ids(app, review_id):
        act(zhong, review_id, "override", finding=finding_id, reason="经核实为引用的反面案例")
    act(zhong, review_id, "approve", comment="同意发布")
    assert state(app, review_id) == ("approved", "终审")
    run_worker(app, lambda: len(cms.received) >= 1)
    [callback] = cms.received
    assert callback["verified"] and callback["payload"]["type"] == "review.approved"
    assert [a["stage"] for a in callback["payload"]["data"]["approved_by"]] == ["初审", "复审", "终审"]


def test_when_one_person_tries_two_stages_then_it_is_refused(app, users, login, flagged) -> None:
    review_id = flagged(body_html="<p>希望大家再接再励。</p>")
    everyone = login("all")
    act(everyone, review_id, "approve")
    page = act(everyone, review_id, "approve", follow_redirects=True).get_data(as_text=True)
    assert "一事一审" in page
    assert state(app, review_id) == ("in_review", "复审")


def test_when_user_lacks_the_stage_role_then_action_is_refused(app, users, login, flagged) -> None:
    review_id = flagged()
    page = act(login("fu"), review_id, "approve", follow_redirects=True).get_data(as_text=True)
    assert "没有“初审”阶段的审核权限" in page
    assert state(app, review_id) == ("in_review", "初审")


@pytest.mark.parametrize(
    ("action", "form", "message"),
    [
        ("reject", {"reason": " "}, "退回必须填写理由"),
        ("mark", {"finding": "f1", "disposition": "false_positive", "reason": ""}, "标记误报必须填写理由"),
        ("override", {"finding": "f1", "reason": "x"}, "只有终审阶段可以放行"),
    ],
)
def test_when_reason_or_stage_is_missing_then_nothing_changes(
    app, users, login, flagged, action, form, message
) -> None:
    review_id = flagged()
    page = act(login("chu"), review_id, action, follow_redirects=True, **form).get_data(as_text=True)
    assert message in page
    with app.app_context(), db.session() as s:
        assert s.execute(select(StageAction).where(StageAction.review_id == review_id)).first() is None


def test_when_reviewer_rejects_then_review_ends_and_cms_gets_the_reason(app, users, login, flagged, cms) -> None:
    review_id = flagged()
    act(login("chu"), review_id, "reject", reason="涉及敏感表述，请修改后重新提交")
    assert state(app, review_id) == ("rejected", "初审")
    run_worker(app, lambda: len(cms.received) >= 1)
    payload = cms.received[0]["payload"]
    assert payload["type"] == "review.rejected"
    assert payload["data"]["reason"] == "涉及敏感表述，请修改后重新提交"


def test_when_item_is_claimed_then_another_reviewer_cannot_act(app, users, login, flagged) -> None:
    from gateway.auth import grant

    review_id = flagged()
    with app.app_context(), db.session() as s:
        grant(s, "fu", "qd-mzj", "stage1")
    act(login("chu"), review_id, "claim")
    page = act(login("fu"), review_id, "approve", follow_redirects=True).get_data(as_text=True)
    assert "已由 chu 认领" in page


def test_when_finding_is_marked_then_it_shows_on_the_page(app, users, login, flagged) -> None:
    review_id = flagged()
    chu = login("chu")
    act(chu, review_id, "mark", finding="f1", disposition="false_positive", reason="引用原文")
    assert "已标记：误报（引用原文）" in chu.get(f"/reviews/{review_id}").get_data(as_text=True)


def test_when_rule_is_not_overridable_then_override_is_refused(app, users, login, flagged) -> None:
    review_id = flagged()
    with app.app_context(), db.session() as s:
        review = s.get(Review, review_id)
        review.stage_index, review.stage = 2, "终审"
        record = next(f for f in review.findings if f.severity == "block")
        record.data = {**record.data, "overridable": False}
        finding_id = record.finding_id
    page = act(login("zhong"), review_id, "override", finding=finding_id, reason="x", follow_redirects=True)
    assert "不允许放行" in page.get_data(as_text=True)


def test_when_new_revision_arrives_then_reviewers_see_why_and_cannot_act(app, users, login, flagged) -> None:
    first = flagged(revision="1")
    second = flagged(body_html="<p>希望大家再接再厉。法轮功</p>", revision="2")
    chu = login("chu")
    page = chu.get(f"/reviews/{first}").get_data(as_text=True)
    assert "该稿件已被新版本取代" in page and second in page
    refused = act(chu, first, "approve", follow_redirects=True).get_data(as_text=True)
    assert "已被新版本" in refused
    diff = chu.get(f"/reviews/{second}").get_data(as_text=True)
    assert "与上一版本（1）的差异" in diff


def test_when_site_requires_review_of_everything_then_clean_drafts_queue_too(app, users, login, flagged) -> None:
    from gateway.models import Site

    with app.app_context(), db.session() as s:
        s.get(Site, "qd-mzj").policy = {"review_all": True}
    review_id = flagged(body_html="<p>请各单位认真落实。</p>")
    assert state(app, review_id) == ("in_review", "初审")


def test_when_decisions_are_made_then_deliveries_are_recorded(app, users, login, flagged) -> None:
    review_id = flagged()
    act(login("chu"), review_id, "reject", reason="请修改")
    with app.app_context(), db.session() as s:
        events = s.execute(select(Delivery.event).where(Delivery.review_id == review_id)).scalars().all()
    assert events == ["review.rejected"]
