"""The flask-smorest Api with our error shape, the base schema, and the offline docs page.

It also completes the OpenAPI document centrally, so that no route has to remember to
(``ContractPlugin`` and ``SunshineApi.register_blueprint``; ``tests/test_contract.py`` checks
the result over the whole document):

- every operation gets an ``operationId`` derived from its MethodView and HTTP method
  (``Tasks.get`` → ``listTasks``, ``TaskDetail.patch`` → ``updateTask``, ``TaskPublish.post`` →
  ``publishTask``), or the better name in ``OPERATION_IDS``;
- every error response carries the ``Error`` body, and every path with an id its 404;
- in schemas used only for responses, every field is ``required`` (always present, perhaps
  ``null`` when it says ``nullable``), unless its metadata says ``{"optional": True}``;
- the error catalogue (``sunshine.error_catalogue``) is published on the ``Error`` schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import marshmallow as ma
from apispec import BasePlugin
from flask import Flask, g, send_from_directory
from flask_smorest import Api, Blueprint
from flask_smorest.fields import Upload
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from sunshine.error_catalogue import CATALOGUE
from sunshine.errors import HTTP_ERRORS, error_body, translate_field_errors
from sunshine.geo import CoordinateSystem

F = TypeVar("F", bound=Callable[..., Any])


class BaseSchema(ma.Schema):
    """Every schema rejects unknown fields (marshmallow's default, stated here on purpose).

    In a schema used for responses, the document marks every field required: a field that a
    response may leave out says so with ``metadata={"optional": True}``, and one that may be
    ``null`` is declared ``allow_none=True``.
    """

    class Meta:
        unknown = ma.RAISE


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


def decimal_as_string(self: Any, field: ma.fields.Field, **kwargs: Any) -> dict[str, Any]:
    """A ``Decimal(as_string=True)`` is sent as a string (apispec would say number)."""
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal"}
    return {}


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


ERROR_REF = {"$ref": "#/components/schemas/Error"}
# A file, not JSON: for ``@blp.response(200, BINARY, content_type=...)``.
BINARY = {"type": "string", "format": "binary"}

# Better names than the derived ones (keyed "blueprint.MethodView.method"); the contract test
# checks that every key names an operation that exists.
OPERATION_IDS = {
    "consent.CurrentNotice.get": "getPrivacyNotice",
    "consent.Notices.post": "publishPrivacyNotice",
    "members.MyPhone.post": "bindMyPhone",
    "members.MyMember.post": "registerMember",
    "members.MyDeactivation.post": "deactivateMe",
    "tasks.Categories.get": "listTaskCategories",
    "tasks.ShiftSignups.post": "signUpForShift",
    "tasks.ShiftInvitations.post": "inviteToShift",
    "attendance.HandAttendance.post": "recordAttendance",
    "attendance.Excuse.post": "excuseSignup",
    "hours.MyHours.get": "getMyHours",
    "callups.CallUpProposal.post": "proposeCallUp",
    "org.AreaImport.post": "importAreas",
    "org.UnitImport.post": "importUnits",
    "roster.RosterImport.post": "importRoster",
    "imports.Batch.get": "getImportBatch",
    "imports.BatchErrors.get": "downloadImportErrors",
}

# The last word of a MethodView's name that is the action of a POST (``TaskPublish``).
_ACTIONS = {
    "Accept", "Approve", "Cancel", "Confirm", "Decline", "Disable", "Enable", "End",
    "Login", "Logout", "Publish", "Reject", "Review", "Revoke", "Void", "Withdraw",
}  # fmt: skip
_HTTP_VERBS = {"put": "set", "patch": "update", "delete": "delete"}


def _is_plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith("ss")


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    return word[:-1] if _is_plural(word) else word


def operation_id(endpoint: str, method: str) -> str:
    """The operationId of ``method`` on the MethodView registered as ``endpoint``.

    ``Tasks.get`` → listTasks, ``Tasks.post`` → createTask, ``TaskDetail.get``/``patch``/
    ``put``/``delete`` → getTask/updateTask/setTask/deleteTask, ``TaskPublish.post`` →
    publishTask; ``OPERATION_IDS`` holds the names that read better.
    """
    blueprint, _, view = endpoint.rpartition(".")
    view = re.sub(r"_\d+$", "", view)  # flask-smorest's suffix for a repeated endpoint name
    if chosen := OPERATION_IDS.get(f"{blueprint}.{view}.{method}"):
        return chosen
    words = re.findall(r"[A-Z][a-z0-9]*", view)
    if words[-1] == "Detail":
        words.pop()
    if method == "post" and words[-1] in _ACTIONS:
        verb = words.pop().lower()
    elif method == "post":
        verb, words[-1] = "create", _singular(words[-1])
    elif method == "get":
        verb = "list" if _is_plural(words[-1]) else "get"
    else:
        verb = _HTTP_VERBS[method]
    return verb + "".join(words)


class ContractPlugin(BasePlugin):
    """Completes what every operation and response schema owes its clients (module docstring)."""

    def __init__(self) -> None:
        # Per component: the names its dumps always hold, and the fields its schema requires.
        self._always_present: dict[str, list[str]] = {}
        self._declared_required: dict[str, list[str]] = {}

    def schema_helper(self, name: str, definition: Any, **kwargs: Any) -> None:
        schema = kwargs.get("schema")
        instance = schema() if isinstance(schema, type) else schema
        if isinstance(instance, ma.Schema):
            self._always_present[name] = sorted(
                field.data_key or key
                for key, field in instance.dump_fields.items()
                if not field.metadata.get("optional")
            )
        return None

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        for method, operation in (operations or {}).items():
            if rule is not None:
                operation.setdefault("operationId", operation_id(rule.endpoint, method))
            responses = operation.setdefault("responses", {})
            if path and "{" in path and not any(str(s) == "404" for s in responses):
                responses["404"] = {"description": "请求的内容不存在"}
            for status, response in responses.items():
                if str(status)[0] in "45" and isinstance(response, dict):
                    response.setdefault(
                        "content", {"application/json": {"schema": dict(ERROR_REF)}}
                    )

    def complete_schemas(self, schemas: dict[str, Any], paths: dict[str, Any]) -> None:
        """Mark the fields of response-only schemas required; drop ``default: null``."""
        outputs = _referenced(schemas, _sections(paths, "responses"))
        inputs = _referenced(schemas, _sections(paths, "requestBody", "parameters"))
        for name, schema in schemas.items():
            properties = schema.get("properties", {})
            for prop in properties.values():
                # A load_default of None is no default a client should send or assume.
                if "default" in prop and prop["default"] is None:
                    del prop["default"]
            declared = self._declared_required.setdefault(name, schema.get("required", []))
            required = set(declared)
            if name in outputs and name not in inputs and name in self._always_present:
                required |= set(self._always_present[name]) & set(properties)
            if required:
                schema["required"] = sorted(required)
            else:
                schema.pop("required", None)


def _sections(paths: dict[str, Any], *keys: str) -> Iterable[Any]:
    for item in paths.values():
        for operation in item.values():
            if isinstance(operation, dict):
                yield from (operation[k] for k in keys if k in operation)


def _referenced(schemas: dict[str, Any], roots: Iterable[Any]) -> set[str]:
    """The component schemas that ``roots`` use, directly or through other schemas."""
    found: set[str] = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in found and name in schemas:
                    found.add(name)
                    todo.append(schemas[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return found


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
