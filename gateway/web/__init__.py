"""The reviewer and admin web UI (server-rendered Jinja2, Chinese, no external assets)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, session

from gateway.auth import check_csrf, csrf_token, load_user, roles_by_site
from gateway.db import db

bp = Blueprint("web", __name__, template_folder="../templates", static_folder="../static", static_url_path="/ui/static")


@bp.before_app_request
def _load_user() -> None:
    g.user = None
    user_id = session.get("uid")
    if user_id is not None:
        with db.session() as s:
            g.user = load_user(s, user_id)
        if g.user is None:
            session.clear()


@bp.before_request
def _csrf() -> None:
    check_csrf()


def _current_user_roles() -> set[str]:
    user = g.get("user")
    return {role for roles in roles_by_site(user).values() for role in roles} if user else set()


@bp.app_context_processor
def _template_globals() -> dict:
    return {
        "csrf_token": csrf_token,
        "current_user": g.get("user"),
        "has_endpoint": lambda name: name in current_app.view_functions,
        "current_user_roles": _current_user_roles,
    }


from gateway.web import admin, lexicon, reviewer  # noqa: E402,F401 - routes register on import
