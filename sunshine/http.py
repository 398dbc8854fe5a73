"""Request plumbing shared by every endpoint: request ids, content types, errors, logging."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Flask, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from sunshine.errors import DomainError, UnsupportedMediaType, error_body
from sunshine.extensions import db

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Query-string secrets of the WeChat API and anything that looks like a token or key.
_SECRET_PATTERNS = re.compile(
    r"(?i)((?:secret|access_token|session_key|js_code|code)=)[^&\s\"']+"
    r"|((?:\"|')(?:secret|access_token|session_key)(?:\"|')\s*:\s*(?:\"|'))[^\"']+"
    r"|(Bearer\s+)[A-Za-z0-9._~+/=-]+"
)


class RequestContextFilter(logging.Filter):
    """Adds the request id to every log record and masks secrets in the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request or app context
            record.request_id = "-"
        message = record.getMessage()
        masked = _SECRET_PATTERNS.sub(
            lambda m: (m.group(1) or m.group(2) or m.group(3)) + "***", message
        )
        if masked != message:
            record.msg, record.args = masked, None
        return True


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
    package_logger = logging.getLogger("sunshine")
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
    def _check_body_type() -> None:
        upload_limit = _upload_limit()
        if upload_limit is not None:
            request.max_content_length = upload_limit
        if request.method not in _BODY_METHODS or not _has_body():
            return
        if upload_limit is not None:
            if request.mimetype != "multipart/form-data":
                raise UnsupportedMediaType("请以 multipart/form-data 方式上传文件")
        elif not request.is_json:
            raise UnsupportedMediaType()

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.register_error_handler(DomainError, _handle_domain_error)


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


def _handle_domain_error(error: DomainError) -> tuple[dict[str, Any], int]:
    """Roll back the request's changes; keep the security record of a refused attempt."""
    db.session.rollback()
    if error.security_event is not None:
        from sunshine.security import service as security  # the log is a domain; errors.py is not

        event = {"ip": request.remote_addr, "request_id": g.get("request_id")}
        event.update({k: v for k, v in error.security_event.items() if v is not None})
        security.record(**event)
        db.session.commit()
    body = error_body(
        error.status, error.code, error.message, request_id=g.get("request_id"), fields=error.fields
    )
    return body, error.status
