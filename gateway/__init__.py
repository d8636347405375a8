"""Sanshen gateway: the Flask application factory."""

from __future__ import annotations

import logging
import os
import traceback
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from werkzeug.exceptions import HTTPException

from gateway import config as config_module
from gateway import errors

log = logging.getLogger("sanshen.app")

_HTTP_ERRORS: dict[int, type[errors.ApiError]] = {
    400: errors.MalformedRequest,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("SANSHEN_INSTANCE_PATH")
    app = Flask(
        __name__, instance_path=str(Path(instance).resolve()) if instance else None, instance_relative_config=True
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.load(Path(app.instance_path), test_config))

    from gateway.db import db
    from gateway.queue import job_queue

    db.init_app(app)
    job_queue.init_app(app)

    from gateway import api, health, web

    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(web.bp)
    _register_error_handlers(app)

    @app.before_request
    def _request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response

    from gateway import observability

    observability.init_app(app)  # logs context, access log, /metrics, Sentry
    return app


_PAGE_MESSAGES = {403: "您没有访问该页面的权限", 404: "页面或稿件不存在", 405: "不支持该操作"}


def _wants_html() -> bool:
    """Reviewer pages get HTML errors; the API and probes always get JSON."""
    return not (request.path.startswith("/v1/") or request.path in ("/healthz", "/readyz", "/metrics"))


def _register_error_handlers(app: Flask) -> None:
    from gateway.api import json_response

    @app.errorhandler(errors.ApiError)
    def _api_error(exc: errors.ApiError):
        return json_response(exc.to_dict(), exc.status, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        mapped = _HTTP_ERRORS.get(exc.code or 500)
        error = mapped() if mapped else errors.ApiError()
        if mapped is None:
            error.status = exc.code or 500
        if _wants_html():
            message = _PAGE_MESSAGES.get(error.status, error.public_message)
            if exc.description == "csrf":
                message = "表单已过期或来源不明，请刷新页面后重试"
            return render_template("error.html", status=error.status, message=message), error.status
        return json_response(error.to_dict(), error.status)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Type and code locations only: exception messages may quote the draft.
        log.error(
            "unhandled %s in %s %s\n%s",
            type(exc).__name__,
            request.method,
            request.path,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        error = errors.ApiError()
        return json_response(error.to_dict(), error.status)
