from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from gateway.auth import create_user, grant
from gateway.db import db
from tests.conftest import dumps, review_body

PASSWORD = "correct-horse-42"


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def users(app, site) -> dict[str, str]:
    """Three stage reviewers, an admin and an auditor on the test site."""
    site_id, _ = site
    roles = {"chu": ["stage1"], "fu": ["stage2"], "zhong": ["stage3"], "all": ["stage1", "stage2", "stage3"],
             "boss": ["admin"], "audit": ["auditor"]}  # fmt: skip
    with app.app_context(), db.session() as s:
        for name, granted in roles.items():
            create_user(s, name, PASSWORD, f"用户{name}")
            for role in granted:
                grant(s, name, site_id, role)
    return {name: PASSWORD for name in roles}


@pytest.fixture
def login(app) -> Callable:
    """A logged-in test client for a user."""

    def log_in(username: str, password: str = PASSWORD):
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return log_in


@pytest.fixture
def flagged(client, site, signed, cms) -> Callable[..., str]:
    """Submit a draft through the signed API; returns its review id."""

    def submit(body_html: str = "<p>希望大家再接再励，宣扬法轮功。</p>", **document) -> str:
        payload = {**review_body(body_html=body_html, **document), "callback_url": cms.url}
        body = dumps(payload)
        response = client.post("/v1/reviews", data=body, headers=signed(site[1], body))
        assert response.status_code == 200, response.json
        return response.json["review_id"]

    return submit


def act(client, review_id: str, action: str, follow_redirects: bool = False, **form: str):
    page = client.get(f"/reviews/{review_id}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), **form}
    return client.post(f"/reviews/{review_id}/{action}", data=data, follow_redirects=follow_redirects)
