"""Local accounts (argon2), per-site roles, login throttling and lock-out, CSRF."""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from gateway import audit
from gateway.models import LoginAttempt, RoleGrant, Site, User, utcnow

ROLES = ("stage1", "stage2", "stage3", "stage4", "stage5", "admin", "auditor")
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


class AccountError(Exception):
    """An account command or login cannot be carried out; the message is safe to show."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    return _hasher.hash(password)


def create_user(session: Session, username: str, password: str, display_name: str = "", actor: str = "cli") -> User:
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise AccountError(f"用户 {username} 已存在")
    user = User(username=username, display_name=display_name or username, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit.append(session, actor, "user.add", username)
    return user


def get_user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AccountError(f"没有用户 {username}")
    return user


def set_password(session: Session, username: str, password: str, actor: str = "cli") -> None:
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    audit.append(session, actor, "user.passwd", username)


def set_disabled(session: Session, username: str, disabled: bool, actor: str = "cli") -> None:
    get_user(session, username).disabled = disabled
    audit.append(session, actor, "user.disable" if disabled else "user.enable", username)


def grant(session: Session, username: str, site_id: str, role: str, actor: str = "cli") -> None:
    if role not in ROLES:
        raise AccountError(f"角色必须是 {', '.join(ROLES)} 之一")
    if session.get(Site, site_id) is None:
        raise AccountError(f"没有站点 {site_id}")
    user = get_user(session, username)
    if not any(g.site_id == site_id and g.role == role for g in user.grants):
        user.grants.append(RoleGrant(site_id=site_id, role=role))
        audit.append(session, actor, "user.grant", username, {"site": site_id, "role": role})


def revoke(session: Session, username: str, site_id: str, role: str, actor: str = "cli") -> None:
    user = get_user(session, username)
    user.grants = [g for g in user.grants if not (g.site_id == site_id and g.role == role)]
    audit.append(session, actor, "user.revoke", username, {"site": site_id, "role": role})


def authenticate(session: Session, username: str, password: str, ip: str) -> User:
    """Check a login, with per-address throttling and per-account lock-out.

    Every attempt is recorded; messages do not reveal whether the account exists.
    """
    config = current_app.config
    now = utcnow()
    window_start = now - timedelta(seconds=config["LOGIN_RATE_WINDOW_SECONDS"])
    recent = session.execute(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.ip == ip, LoginAttempt.at >= window_start)
    ).scalar_one()
    if recent >= config["LOGIN_RATE_LIMIT"]:
        raise AccountError("登录尝试过于频繁，请稍后再试")
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = False
    if user is not None and not user.disabled:
        locked = user.locked_until is not None and _aware(user.locked_until) > now
        if locked:
            session.add(LoginAttempt(ip=ip, username=username[:64], success=False))
            raise AccountError("账号已被暂时锁定，请稍后再试或联系管理员")
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if ok:
            user.failed_logins, user.locked_until = 0, None
        else:
            user.failed_logins += 1
            if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
                user.locked_until = now + timedelta(seconds=config["LOGIN_LOCKOUT_SECONDS"])
                audit.append(session, username, "user.locked", username)
    session.add(LoginAttempt(ip=ip, username=username[:64], success=ok))
    if not ok:
        raise AccountError("用户名或密码错误")
    audit.append(session, username, "user.login", username, {"ip": ip})
    return user


def _aware(moment):
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_user(session: Session, user_id: int) -> User | None:
    user = session.execute(
        select(User).options(selectinload(User.grants)).where(User.id == user_id)
    ).scalar_one_or_none()
    return None if user is None or user.disabled else user


def roles_by_site(user: User) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for grant_row in user.grants:
        result.setdefault(grant_row.site_id, set()).add(grant_row.role)
    return result


def has_role(user: User, site_id: str, *roles: str) -> bool:
    return bool(roles_by_site(user).get(site_id, set()) & set(roles))


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Every state-changing form carries the session's token (double submit in the form)."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sent = request.form.get("csrf_token", "")
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent, expected):
            abort(400, description="csrf")


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("web.login", next=request.full_path if request.query_string else request.path))
        return view(*args, **kwargs)

    return wrapped
