"""False-positive marks from reviewers become allow-list suggestions an admin can accept."""

from __future__ import annotations

import re

from gateway.db import db
from gateway.models import Review
from tests.conftest import dumps, review_body
from tests.web.conftest import act
from tests.web.lexicon_support import check, people_fixture, post, publish, rows, text  # noqa: F401

BODY = "<p>本文批判法轮功邪教组织的危害。</p>"


def submit(client, signed, secret: str, document_id: str, body_html: str = BODY) -> str:
    body = dumps(review_body(id=document_id, body_html=body_html))
    response = client.post("/v1/reviews", data=body, headers=signed(secret, body))
    assert response.status_code == 200 and response.json["status"] == "in_review", response.json
    return response.json["review_id"]


def mark_false_positive(app, reviewer, review_id: str, reason: str) -> None:
    with app.app_context(), db.session() as s:
        [finding] = [f.finding_id for f in s.get(Review, review_id).findings if f.rule == "sensitive.term"]
    response = act(reviewer, review_id, "mark", finding=finding, disposition="false_positive", reason=reason)
    assert response.status_code == 303


def suggestion_rows(page: str) -> dict[str, int]:
    """term → review count, as the suggestions page shows them."""
    found = re.findall(r'<td><strong>([^<]+)</strong>.*?<span class="suggestion-count">(\d+)</span>', page, re.S)
    return {term: int(count) for term, count in found}


def test_when_reviewers_mark_a_term_false_positive_then_accepting_the_suggestion_silences_it(
    app, client, site, signed, people, login
) -> None:
    _, secret = site
    chu, boss = login("chu"), login("boss")
    first, second = submit(client, signed, secret, "cms-fp-1"), submit(client, signed, secret, "cms-fp-2")
    mark_false_positive(app, chu, first, "批判性引用，非宣扬")
    mark_false_positive(app, chu, second, "批判性引用，非宣扬")

    page = text(boss.get("/lexicon/suggestions"))
    assert suggestion_rows(page) == {"法轮功": 2}
    assert "批判性引用，非宣扬（2）" in page
    assert "本文批判<mark>法轮功</mark>邪教组织的危害" in page  # context from the stored revision

    choice = {"site": "qd-mzj", "term": "法轮功", "allow_term": "法轮功", "note": ""}
    accepted = post(boss, "/lexicon/suggestions/accept", True, **choice)
    assert "已将“法轮功”加入 qd-mzj 的白名单" in text(accepted)
    [row] = rows(app)
    assert (row.site_id, row.term, row.kind, row.enabled) == ("qd-mzj", "法轮功", "allow", True)
    assert "2 篇稿件中被审核人员标记为误报" in row.note and "批判性引用" in row.note
    assert suggestion_rows(text(boss.get("/lexicon/suggestions"))) == {}  # handled

    assert ("sensitive.term", "法轮功") in check(client, signed, secret, BODY)  # until published
    publish(boss, "接受误报建议")
    assert check(client, signed, secret, BODY) == []


def test_when_a_suggestion_is_dismissed_then_it_returns_only_with_new_marks(
    app, client, site, signed, people, login
) -> None:
    _, secret = site
    chu, boss = login("chu"), login("boss")
    mark_false_positive(app, chu, submit(client, signed, secret, "cms-fp-1"), "引用")
    assert suggestion_rows(text(boss.get("/lexicon/suggestions"))) == {"法轮功": 1}
    dismissed = post(boss, "/lexicon/suggestions/dismiss", True, site="qd-mzj", term="法轮功")
    assert "已忽略“法轮功”的建议" in text(dismissed)
    assert suggestion_rows(text(dismissed)) == {}
    mark_false_positive(app, chu, submit(client, signed, secret, "cms-fp-2"), "又一次引用")
    assert suggestion_rows(text(boss.get("/lexicon/suggestions"))) == {"法轮功": 2}
    assert rows(app) == []


def test_when_allow_phrase_does_not_contain_the_term_then_accepting_is_refused(
    app, client, site, signed, people, login
) -> None:
    _, secret = site
    chu, boss = login("chu"), login("boss")
    mark_false_positive(app, chu, submit(client, signed, secret, "cms-fp-1"), "引用")
    refused = post(boss, "/lexicon/suggestions/accept", True, site="qd-mzj", term="法轮功", allow_term="别的短语")
    assert "白名单词条必须包含“法轮功”" in text(refused)
    widened = post(boss, "/lexicon/suggestions/accept", True, site="qd-mzj", term="法轮功", allow_term="批判法轮功")
    assert "已将“批判法轮功”加入" in text(widened)
    publish(boss)
    assert check(client, signed, secret, BODY) == []
    assert ("sensitive.term", "法轮功") in check(client, signed, secret, "<p>宣扬法轮功。</p>")
