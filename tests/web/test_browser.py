"""Browser tests: Playwright driving Debian's Chromium against the real app on loopback.

Three reviewers take a flagged draft through 初审 → 复审 → 终审; the second stage's attempt
by the first reviewer is refused (一事一审); the CMS stand-in receives the signed
review.approved. Screenshots of the pages are written to docs/ for the README.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import run_worker

CHROMIUM = "/usr/bin/chromium"
# Screenshots go to docs/ (shown in README) only when asked, so test runs leave the tree alone.
DOCS = Path(__file__).resolve().parents[2] / "docs"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def live(app):
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def sign_in(browser, live: str, username: str, password: str):
    page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    page.goto(f"{live}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live}/")
    return page


def approve(page, live: str, review_id: str, comment: str) -> None:
    page.goto(f"{live}/reviews/{review_id}")
    page.get_by_label("审核意见").fill(comment)
    page.get_by_role("button", name="通过").click()


def test_when_three_reviewers_sign_off_in_chromium_then_cms_receives_signed_approval(
    app, live, browser, users, flagged, cms, request, tmp_path
) -> None:
    shots = DOCS if os.environ.get("SANSHEN_UPDATE_SCREENSHOTS") and "sqlite" in request.node.callspec.id else tmp_path
    review_id = flagged()
    chu = sign_in(browser, live, "chu", users["chu"])
    assert chu.get_by_role("link", name="关于开展活动的通知").is_visible()
    chu.screenshot(path=str(shots / "queue.png"), full_page=True)
    chu.goto(f"{live}/reviews/{review_id}")
    mark = chu.locator("mark.finding").first
    mark.focus()
    assert "typo.confusion" in (mark.get_attribute("title") or "")
    chu.screenshot(path=str(shots / "review.png"), full_page=True)
    assert (shots / "review.png").stat().st_size > 10_000
    approve(chu, live, review_id, "初审同意")
    chu.wait_for_url(f"{live}/")
    assert "已通过，转入“复审”" in chu.content()

    # The 初审 reviewer also holds no 复审 role: the page offers no action, and a forged
    # POST is refused by the server.
    chu.goto(f"{live}/reviews/{review_id}")
    assert chu.get_by_role("button", name="通过，转下一阶段").count() == 0

    everyone = sign_in(browser, live, "all", users["all"])
    fu = sign_in(browser, live, "fu", users["fu"])
    approve(fu, live, review_id, "复审同意")
    fu.wait_for_url(f"{live}/")
    # "all" holds every stage role but cannot approve a second stage after approving one.
    approve(everyone, live, review_id, "终审同意")
    zhong = sign_in(browser, live, "zhong", users["zhong"])
    zhong.goto(f"{live}/reviews/{review_id}")
    for form in zhong.locator("form:has(button:text('放行'))").all():
        form.get_by_label("放行理由", exact=False).fill("经核实为新闻报道中引述的反面案例")
        form.get_by_role("button", name="放行").click()
        zhong.wait_for_load_state()
    approve(zhong, live, review_id, "同意发布")
    zhong.wait_for_url(f"{live}/")
    assert "已审核通过" in zhong.content()

    run_worker(app, lambda: len(cms.received) >= 1)
    [callback] = cms.received
    assert callback["verified"]
    assert callback["payload"]["type"] == "review.approved"
    assert [a["user"] for a in callback["payload"]["data"]["approved_by"]] == ["chu", "fu", "zhong"]


def test_when_same_person_tries_a_second_stage_in_chromium_then_it_is_refused(
    app, live, browser, users, flagged
) -> None:
    review_id = flagged(body_html="<p>希望大家再接再励。</p>")
    everyone = sign_in(browser, live, "all", users["all"])
    approve(everyone, live, review_id, "初审同意")
    everyone.wait_for_url(f"{live}/")
    approve(everyone, live, review_id, "复审也同意")
    alert = everyone.get_by_role("alert")
    assert "一事一审" in alert.inner_text()


def test_when_keyboard_user_reviews_then_findings_are_reachable_by_tab(live, browser, users, flagged) -> None:
    review_id = flagged(body_html="<p>希望大家再接再励。</p>")
    page = sign_in(browser, live, "chu", users["chu"])
    page.goto(f"{live}/reviews/{review_id}")
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "MARK":
            break
    assert page.evaluate("document.activeElement.dataset.finding")


def test_when_admin_adds_and_publishes_a_term_in_chromium_then_the_next_check_finds_it(
    app, live, browser, users, client, site, signed, request, tmp_path
) -> None:
    from tests.conftest import dumps, review_body

    shots = DOCS if os.environ.get("SANSHEN_UPDATE_SCREENSHOTS") and "sqlite" in request.node.callspec.id else tmp_path
    body = dumps(review_body(body_html="<p>本次活动由某某娱乐城赞助。</p>"))
    before = client.post("/v1/check", data=body, headers=signed(site[1], body)).json
    assert not any(f["text"] == "某某娱乐城" for f in before["findings"])

    admin = sign_in(browser, live, "boss", users["boss"])
    admin.get_by_role("link", name="词库管理").click()
    admin.get_by_label("词条", exact=True).fill("某某娱乐城")
    admin.get_by_label("类型", exact=True).select_option("deny")
    admin.get_by_label("类别", exact=True).fill("赌博")
    admin.get_by_label("级别", exact=True).select_option("block")
    admin.get_by_label("说明", exact=True).fill("本地常见博彩推广名称")
    admin.get_by_role("button", name="添加").click()
    admin.wait_for_load_state()
    admin.screenshot(path=str(shots / "lexicon.png"), full_page=True)
    admin.goto(f"{live}/lexicon/versions")
    admin.get_by_label("发布说明").fill("新增本地博彩推广名称")
    admin.get_by_role("button", name="发布").click()
    admin.wait_for_load_state()

    after = client.post("/v1/check", data=body, headers=signed(site[1], body)).json
    assert any(f["text"] == "某某娱乐城" and f["severity"] == "block" for f in after["findings"])
    assert after["lexicon_version"] != before["lexicon_version"]


def test_when_reviewers_mark_false_positives_in_chromium_then_admin_sees_an_allow_suggestion(
    app, live, browser, users, flagged
) -> None:
    reviewer = sign_in(browser, live, "chu", users["chu"])
    for number in (1, 2):
        review_id = flagged(body_html="<p>希望大家再接再励。</p>", id=f"cms-fp-{number}")
        reviewer.goto(f"{live}/reviews/{review_id}")
        item = reviewer.locator("li", has_text="typo.confusion").first
        item.get_by_label("f1 标记理由").fill("引用历史文献原文")
        item.get_by_role("button", name="标记误报").click()
        reviewer.wait_for_load_state()
        assert "已标记：误报（引用历史文献原文）" in reviewer.content()

    admin = sign_in(browser, live, "boss", users["boss"])
    admin.goto(f"{live}/lexicon/suggestions")
    row = admin.locator("tr, li, section", has_text="再接再励").first
    assert row.is_visible()
    assert "2" in row.inner_text()
    admin.get_by_role("button", name="接受“再接再励”").click()
    admin.wait_for_load_state()
    admin.goto(f"{live}/lexicon?kind=allow")
    assert "再接再励" in admin.content()
