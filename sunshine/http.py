"""Request plumbing shared by every endpoint: request ids, content types, errors, logging."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, g, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from sunshine import redis_store, request_input
from sunshine.errors import DomainError, UnsupportedMediaType, UpstreamUnavailable, error_body
from sunshine.extensions import db

log = logging.getLogger(__name__)

# On every response (a view may set its own): nothing is sniffed, framed or fetched by a
# JSON response, and no URL leaks through a Referer. The docs page sets its own CSP
# (sunshine/openapi.py). HSTS outside development (the balancer terminates TLS).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
HSTS = "max-age=31536000; includeSubDomains"

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Query-string secrets of the WeChat API and anything that looks like a token or key.
_SECRET_PATTERNS = re.compile(
    r"(?i)((?:secret|access_token|session_key|js_code|code)=)[^&\s\"']+"
    r"|((?:\"|')(?:secret|access_token|session_key)(?:\"|')\s*:\s*(?:\"|'))[^\"']+"
    r"|(Bearer\s+)[A-Za-z0-9._~+/=-]+"
)


# PostgreSQL's DETAIL line quotes the values of the row at fault ("Key (phone)=(138…)",
# "Failing row contains (…)"): names and phones, which hide_parameters does not cover.
_DETAIL_LINE = re.compile(r"(?m)^(\s*DETAIL:).*$")
_TRACEBACKS = logging.Formatter()


class RequestContextFilter(logging.Filter):
    """Adds the request id to every log record; masks secrets in the message and in a
    traceback, and the row values a database error quotes."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request or app context
            record.request_id = "-"
        message = record.getMessage()
        masked = _mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # The formatter prints exc_text when it is set: the masked traceback.
            record.exc_text = _mask(_TRACEBACKS.formatException(record.exc_info))
        return True


def _mask(text: str) -> str:
    text = _SECRET_PATTERNS.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "***", text)
    return _DETAIL_LINE.sub(r"\1 ***", text)


def configure_logging(app: Flask) -> None:
    """One log format with request ids; urllib3 never logs WeChat URLs (they carry secrets)."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    handler.addFilter(RequestContextFilter())
    app.logger.handlers.clear()
    app.logger.addHandler(handler)
    app.logger.setLevel(app.config["LOG_LEVEL"])
    # Flask-Limiter reports its storage going down and coming back (a warning, an info).
    for name in ("sunshine", "flask-limiter"):
        package_logger = logging.getLogger(name)
        if not any(
            isinstance(f, RequestContextFilter) for h in package_logger.handlers for f in h.filters
        ):
            package_logger.addHandler(handler)
        package_logger.setLevel(app.config["LOG_LEVEL"])
        package_logger.propagate = True
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    logging.getLogger("wechatpy").setLevel(logging.WARNING)


def init_http(app: Flask) -> None:
    """Register request hooks and error handlers on the app."""
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    @app.before_request
    def _assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.before_request
    def _check_input() -> None:
        if request.routing_exception is not None:
            return  # the 404 or 405 is the answer, whatever the body
        upload_limit = _upload_limit()
        if upload_limit is not None:
            request.max_content_length = upload_limit
        if request.method in _BODY_METHODS and _has_body():
            if upload_limit is not None:
                if request.mimetype != "multipart/form-data":
                    raise UnsupportedMediaType("请以 multipart/form-data 方式上传文件")
            elif not request.is_json:
                raise UnsupportedMediaType()
        request_input.check_request(request.max_content_length)

    @app.after_request
    def _common_headers(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("Cache-Control", "no-store")
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if current_app.config["ENV_NAME"] != "development":
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(OperationalError, _handle_database_unavailable)
    app.register_error_handler(InterfaceError, _handle_database_unavailable)
    app.register_error_handler(PoolTimeout, _handle_database_unavailable)
    app.register_error_handler(redis_store.RedisError, _handle_redis_unavailable)


def _upload_limit() -> int | None:
    """The upload size the matched view accepts (``sunshine.api.accepts_upload``), if any."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, request.method.lower(), None) if view_class else view
    limit = getattr(handler, "_upload_max_bytes", None)
    return int(limit) if limit is not None else None


def _has_body() -> bool:
    return (
        bool(request.content_length)
        or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    )


def _handle_domain_error(
    error: DomainError,
) -> tuple[dict[str, Any], int] | tuple[dict[str, Any], int, dict[str, str]]:
    """Roll back the request's changes; keep the security record of a refused attempt."""
    db.session.rollback()
    if error.security_event is not None:
        record_refusal(error.security_event)
    body, status = _error(error.status, error.code, error.message, fields=error.fields)
    return (body, status, error.headers) if error.headers else (body, status)


def record_refusal(security_event: Mapping[str, Any]) -> None:
    """Write a refused request's security event once its changes are rolled back, in a
    transaction of its own. The refusal stands even when the database cannot take the record:
    only the record is lost, and the log says so."""
    from sunshine.security import service as security  # the log is a domain; errors.py is not

    event = {k: v for k, v in security_event.items() if v is not None}
    event.setdefault("origin", security.Origin(request.remote_addr, g.get("request_id")))
    try:
        db.session.rollback()
        security.record(**event)
        db.session.commit()
    except (OperationalError, InterfaceError, PoolTimeout) as exc:
        _rollback_quietly()
        log.error(
            "security event %s/%s not recorded: database unavailable (%s)",
            event.get("action"),
            event.get("reason"),
            type(exc.orig if isinstance(exc, DBAPIError) else exc).__name__,
        )


def _handle_database_unavailable(error: SQLAlchemyError) -> tuple[dict[str, Any], int, Any]:
    """PostgreSQL (or SQLite) unreachable, gone away mid-request, busy past its timeouts, or
    no pooled connection free in time: the request could not be served now (503)."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    log.error("database unavailable: %s: %s", type(cause).__name__, first_line)
    _rollback_quietly()
    unavailable = UpstreamUnavailable("服务暂时不可用，请稍后再试", code="database.unavailable")
    return (*_error(unavailable.status, unavailable.code, unavailable.message), _RETRY)


def _handle_redis_unavailable(error: Exception) -> tuple[dict[str, Any], int, Any]:
    log.error("Redis unavailable: %s", type(error).__name__)
    _rollback_quietly()
    unavailable = UpstreamUnavailable("服务暂时不可用，请稍后再试", code="redis.unavailable")
    return (*_error(unavailable.status, unavailable.code, unavailable.message), _RETRY)


_RETRY = {"Retry-After": "5"}


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone; the pool replaces it
        log.debug("rollback after a database error failed", exc_info=True)


def _error(
    status: int, code: str, message: str, fields: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], int]:
    return error_body(status, code, message, request_id=g.get("request_id"), fields=fields), status
