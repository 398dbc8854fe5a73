"""The flask-smorest Api with our error shape, the base schema, and shared schema pieces.

The OpenAPI document is completed centrally by ``sunshine.openapi`` (operationIds, the Error
body on every error response, required fields of response schemas).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma
from flask import Flask, g
from flask_smorest import Api, Blueprint
from flask_smorest.fields import Upload
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from sunshine.error_catalogue import CATALOGUE
from sunshine.errors import HTTP_ERRORS, error_body, translate_field_errors
from sunshine.geo import CoordinateSystem
from sunshine.openapi import ContractPlugin, decimal_as_string, nullable_ref_admits_only_null

F = TypeVar("F", bound=Callable[..., Any])


class BaseSchema(ma.Schema):
    """Every schema rejects unknown fields (marshmallow's default, stated here on purpose).

    In a schema used for responses, the document marks every field required: a field that a
    response may leave out says so with ``metadata={"optional": True}``, and one that may be
    ``null`` is declared ``allow_none=True``.
    """

    class Meta:
        unknown = ma.RAISE

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        # Every integer a client sends fits a BIGINT, whether or not its field states a range:
        # past it SQLite raises OverflowError and PostgreSQL an error where a query compares.
        while isinstance(field_obj, ma.fields.List):
            field_obj = field_obj.inner
        if isinstance(field_obj, ma.fields.Integer) and not any(
            _bounded(v) for v in field_obj.validators
        ):
            field_obj.validators = [*field_obj.validators, _fits_bigint]


class DateSpan(BaseSchema):
    """A schema with a span of days: ``date_span`` names its two fields. The end may not come
    before the start, nor (``max_span_days``) that many days or more after it; the one 422
    names the end as the client sends it (its ``data_key``). Either end may be left out."""

    date_span: tuple[str, str] = ("date_from", "date_to")
    max_span_days: int | None = None

    @ma.validates_schema
    def _span_in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        first, last = self.date_span
        start, end = data.get(first), data.get(last)
        if start is None or end is None:
            return
        name = self.fields[last].data_key or last
        if start > end:
            raise ma.ValidationError("结束日期不能早于开始日期", field_name=name)
        if self.max_span_days is not None and (end - start).days >= self.max_span_days:
            raise ma.ValidationError(f"日期范围不能超过 {self.max_span_days} 天", field_name=name)


def _bounded(validator: Any) -> bool:
    """Whether ``validator`` is a range that keeps integers inside a BIGINT."""
    return (
        isinstance(validator, ma.validate.Range)
        and validator.min is not None
        and validator.max is not None
        and validator.min >= -BIG_ID_MAX - 1
        and validator.max <= BIG_ID_MAX
    )


def _fits_bigint(value: int) -> None:
    if not -BIG_ID_MAX - 1 <= value <= BIG_ID_MAX:
        raise ma.ValidationError(f"必须在 {-BIG_ID_MAX - 1} 到 {BIG_ID_MAX} 之间")


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
    """The one error shape (``sunshine.errors.error_body``)."""

    status = ma.fields.Integer(required=True, metadata={"description": "HTTP status"})
    code = ma.fields.String(
        required=True,
        metadata={
            "description": "稳定的机器可读错误码，如 auth.invalid_code；全部错误码见 x-error-codes"
        },
    )
    message = ma.fields.String(required=True, metadata={"description": "中文提示，可直接展示"})
    field_errors = ma.fields.Dict(
        data_key="fields",
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        metadata={"description": "逐字段的错误（仅输入有误时出现）", "optional": True},
    )
    request_id = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "also in the X-Request-ID header"},
    )


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

    def _init_spec(self, **kwargs: Any) -> None:
        self._contract = ContractPlugin()
        kwargs["extra_plugins"] = [*(kwargs.get("extra_plugins") or ()), self._contract]
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(decimal_as_string)
        self.ma_plugin.converter.add_attribute_function(nullable_ref_admits_only_null)
        # flask-smorest has registered ERROR_SCHEMA as "Error" for its default responses.
        self.spec.components.schemas["Error"]["x-error-codes"] = [
            entry.document() for entry in CATALOGUE
        ]

    def register_blueprint(self, blp: Blueprint, **options: Any) -> None:
        super().register_blueprint(blp, **options)
        # Again after each blueprint: a schema first seen in a response may turn up in a
        # request body of a later one (then it is an input too, and nothing is forced).
        # (apispec keeps the paths in ``_paths``; ``to_dict()`` would only hand back the same.)
        self._contract.complete_schemas(self.spec.components.schemas, self.spec._paths)


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


class CursorArgs(BaseSchema):
    """The query of a cursor listing (ids of an INTEGER table); listings add their filters."""

    cursor = ma.fields.Integer(
        validate=ID, metadata={"description": "the next_cursor of the previous page"}
    )
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class BigCursorArgs(CursorArgs):
    """The query of a cursor listing of a BIGINT table."""

    cursor = ma.fields.Integer(
        validate=BIG_ID, metadata={"description": "the next_cursor of the previous page"}
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


# Points on the map: a pair of numbers means nothing without its coordinate system (GCJ-02 and
# WGS-84 differ by hundreds of metres in China; see sunshine/geo.py).
_SYSTEM_HELP = (
    "gcj02: Tencent/WeChat maps and wx.getLocation({type: 'gcj02'}); "
    "wgs84: GPS, and wx.getLocation() without a type"
)


class PointIn(BaseSchema):
    """A point on the map, in the coordinate system it names."""

    latitude = ma.fields.Float(required=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(required=True, validate=ma.validate.Range(min=-180, max=180))
    system = ma.fields.Enum(
        CoordinateSystem, by_value=True, required=True, metadata={"description": _SYSTEM_HELP}
    )


class PointOut(BaseSchema):
    """A point on the map; venue points always come back in GCJ-02."""

    latitude = ma.fields.Float()
    longitude = ma.fields.Float()
    system = ma.fields.Enum(CoordinateSystem, by_value=True)
