"""Helpers for the lexicon administration tests: accounts, forms, signed checks."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from sqlalchemy import select

from gateway import auth
from gateway.auth import create_user, grant
from gateway.db import db
from gateway.models import LexiconEntryRow
from tests.conftest import dumps, review_body
from tests.web.conftest import PASSWORD, csrf_from


@functools.cache
def _password_hash() -> str:
    return auth._hasher.hash(PASSWORD)


@pytest.fixture(name="people")
def people_fixture(app, site, monkeypatch) -> dict[str, str]:
    """An admin, a 初审 reviewer and an auditor of the test site.

    The accounts are made with ``create_user``; the argon2 hash of the shared test password
    is computed once per run (a third of a second each here), logins still verify it.
    """
    site_id, _ = site
    monkeypatch.setattr(auth, "hash_password", lambda password: _password_hash())
    with app.app_context(), db.session() as s:
        for name, role in (("boss", "admin"), ("chu", "stage1"), ("audit", "auditor")):
            create_user(s, name, PASSWORD, f"用户{name}")
            grant(s, name, site_id, role)
    return {"admin": "boss", "reviewer": "chu", "auditor": "audit"}


def token(client) -> str:
    """The session's CSRF token (every page carries it in the logout form)."""
    return csrf_from(client.get("/lexicon").get_data(as_text=True))


def post(client, url: str, follow: bool = False, **form: Any):
    return client.post(url, data={"csrf_token": token(client), **form}, follow_redirects=follow)


def add(client, follow: bool = True, **fields: str):
    data = {"site": "qd-mzj", "kind": "deny", "category": "测试", "severity": "block", "suggestion": "", **fields}
    return post(client, "/lexicon/entries", follow, **data)


def publish(client, note: str = "测试发布"):
    response = post(client, "/lexicon/publish", True, note=note)
    assert response.status_code == 200
    return response


def check(client, signed, secret: str, html: str) -> list[tuple[str, str]]:
    """(rule, text) of every finding of a signed /v1/check."""
    body = dumps(review_body(body_html=html))
    response = client.post("/v1/check", data=body, headers=signed(secret, body))
    assert response.status_code == 200, response.json
    return [(f["rule"], f["text"]) for f in response.json["findings"]]


def rows(app) -> list[LexiconEntryRow]:
    with app.app_context(), db.session() as s:
        return list(s.execute(select(LexiconEntryRow).order_by(LexiconEntryRow.id)).scalars())


def text(response) -> str:
    return response.get_data(as_text=True)
