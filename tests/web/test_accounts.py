"""Accounts, sessions, CSRF, throttling and what each role may see."""

from __future__ import annotations

import pytest

from gateway.auth import AccountError, create_user, set_disabled
from gateway.db import db
from tests.web.conftest import PASSWORD, csrf_from


def post_login(client, username: str, password: str):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def test_when_password_is_right_then_session_cookie_is_httponly_and_lax(app, users) -> None:
    client = app.test_client()
    response = post_login(client, "chu", PASSWORD)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_when_secure_cookies_are_configured_then_the_cookie_is_secure(app, users) -> None:
    app.config["SESSION_COOKIE_SECURE"] = True
    response = post_login(app.test_client(), "chu", PASSWORD)
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(("username", "password"), [("chu", "wrong-password"), ("nobody", PASSWORD)])
def test_when_login_fails_then_the_message_does_not_tell_which_part(app, users, username, password) -> None:
    response = post_login(app.test_client(), username, password)
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_when_password_fails_five_times_then_the_account_locks(app, users) -> None:
    client = app.test_client()
    for _ in range(5):
        post_login(client, "chu", "wrong-password")
    locked = post_login(client, "chu", PASSWORD)
    assert locked.status_code == 401
    assert "账号已被暂时锁定" in locked.get_data(as_text=True)


def test_when_one_address_tries_too_often_then_it_is_throttled(app, users) -> None:
    app.config["LOGIN_RATE_LIMIT"] = 3
    client = app.test_client()
    for name in ("a", "b", "c"):
        post_login(client, name, "x")
    response = post_login(client, "chu", PASSWORD)
    assert "登录尝试过于频繁" in response.get_data(as_text=True)


def test_when_account_is_disabled_then_login_and_existing_session_stop(app, users, login) -> None:
    client = login("chu")
    with app.app_context(), db.session() as s:
        set_disabled(s, "chu", True)
    assert client.get("/").status_code == 302  # back to the login page
    assert post_login(app.test_client(), "chu", PASSWORD).status_code == 401


def test_when_form_lacks_csrf_token_then_400(app, users, login, flagged) -> None:
    review_id = flagged()
    client = login("chu")
    response = client.post(f"/reviews/{review_id}/approve", data={"comment": "x"})
    assert response.status_code == 400
    assert "表单已过期或来源不明" in response.get_data(as_text=True)


def test_when_logged_out_then_pages_redirect_to_login(app, users, login) -> None:
    client = login("chu")
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_when_user_has_no_role_on_a_site_then_its_reviews_are_invisible(app, users, login, flagged) -> None:
    from gateway.auth import grant
    from gateway.sites import add_site

    review_id = flagged()
    add_site(app, "other-site", "", [])
    with app.app_context(), db.session() as s:
        create_user(s, "outsider", PASSWORD)
        grant(s, "outsider", "other-site", "stage1")
    client = login("outsider")
    assert review_id not in client.get("/").get_data(as_text=True)
    assert client.get(f"/reviews/{review_id}").status_code == 404


def test_when_queue_is_filtered_then_only_matching_items_show(app, users, login, flagged) -> None:
    typo_only = flagged(body_html="<p>希望大家再接再励。</p>", id="cms-typo")
    blocked = flagged(body_html="<p>宣扬法轮功。</p>", id="cms-block")
    client = login("chu")
    page = client.get("/?verdict=block").get_data(as_text=True)
    assert blocked in page and typo_only not in page
    page = client.get("/?check=typo").get_data(as_text=True)
    assert typo_only in page and blocked not in page
    assert "初审</span> <strong>2</strong>" in client.get("/").get_data(as_text=True)


def test_when_item_waits_too_long_then_queue_flags_it_overdue(app, users, login, flagged) -> None:
    flagged()
    app.config["REVIEW_REMINDER_HOURS"] = 0
    page = login("chu").get("/").get_data(as_text=True)
    assert "超时" in page and "超过 0 小时未审" in page


@pytest.mark.parametrize(("password", "message"), [("short", "密码至少 10 位")])
def test_when_password_is_weak_then_account_is_refused(app, password, message) -> None:
    with app.app_context(), db.session() as s, pytest.raises(AccountError, match=message):
        create_user(s, "weak", password)
