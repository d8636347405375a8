"""The one error hierarchy of the service. Each error carries its HTTP status, a stable code
and a public message; clients never see ``str(exception)`` of anything else."""

from __future__ import annotations


class ApiError(Exception):
    status = 500
    code = "internal_error"
    message = "服务器内部错误"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.message)
        self.public_message = message or self.message
        self.headers = headers or {}

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.public_message}}


class MalformedRequest(ApiError):
    status, code, message = 400, "malformed_request", "请求体不是合法的 JSON"


class InvalidSignature(ApiError):
    status, code, message = 401, "invalid_signature", "签名无效或时间戳超出允许范围"


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", "无权访问"


class NotFound(ApiError):
    status, code, message = 404, "not_found", "资源不存在"


class UnknownSite(ApiError):
    status, code, message = 404, "unknown_site", "站点未注册"


class MethodNotAllowed(ApiError):
    status, code, message = 405, "method_not_allowed", "不支持该请求方法"


class Conflict(ApiError):
    status, code, message = 409, "conflict", "请求冲突"


class PayloadTooLarge(ApiError):
    status, code, message = 413, "payload_too_large", "请求体超过大小限制"


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "unsupported_media_type", "请求体必须是 application/json"


class ValidationFailed(ApiError):
    status, code, message = 422, "validation_failed", "请求内容不符合接口约定"


class ServiceUnavailable(ApiError):
    status, code, message = 503, "service_unavailable", "服务暂不可用，请稍后重试"

    def __init__(self, message: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
