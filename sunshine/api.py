"""The flask-smorest Api with our error shape, the base schema, and the offline docs page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma
from flask import Flask, g, send_from_directory
from flask_smorest import Api, Blueprint
from flask_smorest.fields import Upload
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from sunshine.errors import HTTP_ERRORS, error_body, translate_field_errors

F = TypeVar("F", bound=Callable[..., Any])


class BaseSchema(ma.Schema):
    """Every schema rejects unknown fields (marshmallow's default, stated here on purpose)."""

    class Meta:
        unknown = ma.RAISE


class Shown:
    """An object as one caller sees it, for an output schema to dump.

    The keyword arguments replace or add attributes (a masked phone, a hidden contact, a
    value read for the whole page); every other attribute is read from the object, so a view
    states only what differs from the object instead of re-listing the schema's fields.
    """

    def __init__(self, obj: Any, /, **shown: Any) -> None:
        self.__dict__.update(shown)
        self.__dict__["_Shown__obj"] = obj

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_Shown__obj"], name)


class ErrorSchema(BaseSchema):
    """The one error shape."""

    status = ma.fields.Integer(required=True, metadata={"description": "HTTP status"})
    code = ma.fields.String(
        required=True, metadata={"description": "stable machine code, e.g. auth.invalid_code"}
    )
    message = ma.fields.String(required=True, metadata={"description": "中文提示，可直接展示"})
    field_errors = ma.fields.Dict(
        data_key="fields", metadata={"description": "field errors for bad input"}
    )
    request_id = ma.fields.String(metadata={"description": "also in the X-Request-ID header"})


def request_id() -> str | None:
    """The current request's id (set by sunshine.http)."""
    return g.get("request_id")


class SunshineApi(Api):
    """Api whose HTTP errors (werkzeug, webargs, Flask-Limiter) use the one error shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> tuple[dict[str, Any], int, Any]:
        status = error.code or 500
        code, message = HTTP_ERRORS.get(status, (f"http.{status}", error.name))
        fields = None
        headers: dict[str, str] = {}
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") or data.get("errors")
        if messages:
            fields, body_errors = _split_locations(translate_field_errors(messages))
            if status == 400 and body_errors:
                code, message = "request.bad_json", "；".join(body_errors)
        headers.update(data.get("headers") or {})
        if status == 405 and error.get_response().headers.get("Allow"):
            headers["Allow"] = error.get_response().headers["Allow"]
        if status == 429 and error.get_response().headers.get("Retry-After"):
            headers["Retry-After"] = error.get_response().headers["Retry-After"]
        body = error_body(status, code, message, request_id=request_id(), fields=fields)
        return body, status, headers


def _split_locations(messages: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """webargs groups errors by location (json, query…); clients want them by field.

    A location whose error is a plain list is about the whole body (invalid JSON).
    """
    fields: dict[str, Any] = {}
    whole: list[str] = []
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            fields.update(location_errors)
        else:
            whole.extend(str(e) for e in location_errors)
    return fields or None, whole


BEARER_AUTH = {"bearerAuth": {"type": "http", "scheme": "bearer"}}

_AUTH_ERRORS = {
    str(status): {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for status, description in [(401, "未登录或令牌无效"), (403, "没有权限")]
}


def document_bearer_auth(func: F) -> F:
    """Mark an operation in the OpenAPI document as needing a bearer token."""
    return Blueprint.doc(security=[{"bearerAuth": []}], responses=_AUTH_ERRORS)(func)


def register_docs_page(app: Flask) -> None:
    """Serve Swagger UI from the swagger-ui-bundle package so the docs page works offline."""
    import swagger_ui_bundle  # a static-file package; imported here to keep start-up lean

    folder = swagger_ui_bundle.swagger_ui_path

    @app.route("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename: str) -> Response:
        return send_from_directory(folder, filename, max_age=86400)


# Ids as the columns hold them: PostgreSQL answers a larger number with an error, not a miss,
# so both path converters and body validators stop it first (INTEGER and BIGINT columns).
INT_ID_MAX = 2**31 - 1
BIG_ID_MAX = 2**63 - 1
ID = ma.validate.Range(min=1, max=INT_ID_MAX)
BIG_ID = ma.validate.Range(min=1, max=BIG_ID_MAX)


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a positive id an INTEGER column can hold, else a 404."""

    def __init__(self, map: Map, max: int = INT_ID_MAX) -> None:
        super().__init__(map, min=1, max=max)


class BigIdConverter(IdConverter):
    """``<bigid:…>``: an id of a BIGINT table (signups, records, corrections …)."""

    def __init__(self, map: Map) -> None:
        super().__init__(map, max=BIG_ID_MAX)


def install_id_converters(app: Flask) -> None:
    """Route ids through the converters above; call before any route is added."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["bigid"] = BigIdConverter


def id_parameter_schema(converter: IdConverter) -> dict[str, Any]:
    """How the OpenAPI document describes a path id."""
    return {"type": "integer", "minimum": 1, "maximum": converter.max}


def cursor_page_schema(item: type[ma.Schema]) -> type[ma.Schema]:
    """The envelope of a cursor page of ``item``."""
    return type(
        f"{item.__name__.removesuffix('Out')}Page",
        (BaseSchema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item), required=True),
            "next_cursor": ma.fields.Integer(
                allow_none=True, metadata={"description": "null on the last page"}
            ),
        },
    )


def accepts_upload(max_bytes: int) -> Callable[[F], F]:
    """Let a view take multipart/form-data uploads of up to ``max_bytes`` (others: JSON only)."""

    def mark(view: F) -> F:
        view._upload_max_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


class UploadIn(BaseSchema):
    file = Upload(required=True, metadata={"description": "CSV（UTF-8 或 GBK）或 XLSX"})


# A reason an administrator or member gives for a decision: required where rules say so.
REASON = ma.validate.And(
    ma.validate.Length(min=1, max=200), ma.validate.Regexp(r"\S", error="原因不能为空白")
)


class ReasonIn(BaseSchema):
    reason = ma.fields.String(required=True, validate=REASON)


class OptionalReasonIn(BaseSchema):
    reason = ma.fields.String(validate=REASON, load_default=None)
