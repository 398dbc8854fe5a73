"""The DomainError tree and the one error shape every response uses.

Every error leaves the API as::

    {"status": 422, "code": "request.invalid", "message": "提交的内容有误，请检查后重试",
     "fields": {"code": ["此项必填"]}, "request_id": "3f2a…"}

``code`` is stable and meant for programs; ``message`` is Chinese and fit to show a user;
``fields`` appears only for bad input. This module imports no domain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar


class DomainError(Exception):
    """A broken rule. Subclasses fix the HTTP status; instances carry a stable code."""

    status: ClassVar[int] = 400
    code: str = "request.bad"
    message: str = "请求有误"
    headers: dict[str, str] | None = None  # extra response headers (a 429's Retry-After)

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: Mapping[str, Any] | None = None,
        security_event: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.fields = dict(fields) if fields else None
        # A failed attempt that the security log must keep even though the request's own
        # transaction is rolled back (a failed login, a refused grant).
        self.security_event = dict(security_event) if security_event else None
        super().__init__(self.code)


class BadRequest(DomainError):
    status = 400


class Unauthorized(DomainError):
    status = 401
    code = "auth.unauthenticated"
    message = "请先登录"


class Forbidden(DomainError):
    status = 403
    code = "auth.forbidden"
    message = "没有权限进行此操作"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "请求的内容不存在"


@dataclass(frozen=True)
class Missing:
    """What an unknown object of one kind answers: 404 with this code and message.

    The lookup raises ``error()``; a refusal of an object outside the caller's scope answers
    the very same (``access.permissions.authorize``), so a caller cannot tell a foreign id
    from an unknown one.
    """

    code: str
    message: str

    def error(self, *, security_event: Mapping[str, Any] | None = None) -> NotFound:
        error = NotFound(self.message, security_event=security_event)
        error.code = self.code  # the code is the constant's (the catalogue test reads those)
        return error


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = "操作与当前状态冲突"


class ContentTooLarge(DomainError):
    status = 413
    code = "request.too_large"
    message = "请求内容过大"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "request.unsupported_media_type"
    message = "请求内容类型不受支持，请使用 application/json"


class Gone(DomainError):
    """What was there is no longer (an export's file past its time)."""

    status = 410
    code = "gone"
    message = "请求的内容已不存在"


class Invalid(DomainError):
    status = 422
    code = "request.invalid"
    message = "提交的内容有误，请检查后重试"


class TooManyRequests(DomainError):
    status = 429
    code = "rate_limited"
    message = "操作太频繁，请稍后再试"

    def __init__(self, *args: Any, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if retry_after is not None:
            self.headers = {"Retry-After": str(retry_after)}


class UpstreamError(DomainError):
    status = 502
    code = "upstream.error"
    message = "外部服务出错，请稍后再试"


class UpstreamUnavailable(DomainError):
    status = 503
    code = "upstream.unavailable"
    message = "外部服务暂时不可用，请稍后再试"


# Errors raised by Flask/werkzeug before our code runs, by HTTP status.
HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("request.malformed", "请求格式有误"),
    401: ("auth.unauthenticated", "请先登录"),
    403: ("auth.forbidden", "没有权限进行此操作"),
    404: ("not_found", "请求的内容不存在"),
    405: ("method_not_allowed", "不支持此请求方法"),
    409: ("conflict", "操作与当前状态冲突"),
    411: ("request.length_required", "请求须带 Content-Length，或以服务器能读取的分块方式发送"),
    413: ("request.too_large", "请求内容过大"),
    415: ("request.unsupported_media_type", "请求内容类型不受支持，请使用 application/json"),
    422: ("request.invalid", "提交的内容有误，请检查后重试"),
    429: ("rate_limited", "操作太频繁，请稍后再试"),
    500: ("internal_error", "服务器开小差了，请稍后再试"),
    503: ("service_unavailable", "服务暂时不可用，请稍后再试"),
}


def error_body(
    status: int,
    code: str,
    message: str,
    *,
    request_id: str | None,
    fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the one error shape."""
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    body["request_id"] = request_id
    return body


# marshmallow/webargs speak English; field errors are shown to users, so translate the
# messages they produce. Anything not listed passes through unchanged.
_FIELD_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), m)
    for p, m in [
        (r"^Missing data for required field\.$", "此项必填"),
        (r"^Field may not be null\.$", "不能为空"),
        (r"^Unknown field\.$", "不允许的字段"),
        (r"^Not a valid string\.$", "应为文本"),
        (r"^Not a valid integer\.$", "应为整数"),
        (r"^Not a valid number\.$", "应为数字"),
        (r"^Not a valid boolean\.$", "应为 true 或 false"),
        (r"^Not a valid datetime\.$", "应为带时区的 ISO 8601 时间"),
        (r"^Not a valid date\.$", "应为 ISO 8601 日期"),
        (r"^Not a valid list\.$", "应为列表"),
        (r"^Not a valid mapping type\.$", "应为对象"),
        (r"^Invalid input type\.$", "数据类型有误"),
        (r"^Invalid value\.$", "取值无效"),
        (r"^Invalid JSON body\.$", "请求体不是有效的 JSON"),
        (r"^Must be one of: (.*)\.$", r"取值必须是以下之一：\1"),
        (r"^Length must be between (\d+) and (\d+)\.$", r"长度必须在 \1 到 \2 之间"),
        (r"^Shorter than minimum length (\d+)\.$", r"长度不能少于 \1"),
        (r"^Longer than maximum length (\d+)\.$", r"长度不能超过 \1"),
        (
            r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
            r"必须在 \1 到 \2 之间",
        ),
        (r"^Must be greater than or equal to (\S+)\.$", r"不能小于 \1"),
        (r"^Must be less than or equal to (\S+)\.$", r"不能大于 \1"),
    ]
]


def translate_field_errors(errors: Any) -> Any:
    """Translate marshmallow's messages, keeping the nesting of fields."""
    if isinstance(errors, Mapping):
        return {str(k): translate_field_errors(v) for k, v in errors.items()}
    if isinstance(errors, list | tuple):
        return [translate_field_errors(v) for v in errors]
    if isinstance(errors, str):
        for pattern, replacement in _FIELD_MESSAGES:
            if pattern.match(errors):
                return pattern.sub(replacement, errors)
    return errors
