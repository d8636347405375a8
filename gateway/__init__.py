"""Sanshen gateway: the Flask application factory."""

from __future__ import annotations

import logging
import os
import traceback
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, g, request
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

    from gateway import api, health

    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    _register_error_handlers(app)

    @app.before_request
    def _request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response

    return app


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
