"""The OpenAPI document, completed centrally so that no route has to remember to
(``ContractPlugin``, called by ``SunshineApi``; ``tests/test_contract.py`` checks the result
over the whole document):

- every operation gets an ``operationId`` derived from its MethodView and HTTP method
  (``Tasks.get`` → ``listTasks``, ``TaskDetail.patch`` → ``updateTask``, ``TaskPublish.post`` →
  ``publishTask``), or the better name in ``OPERATION_IDS``;
- every error response carries the ``Error`` body, every path with an id (a ``{…_id}``
  parameter) its 404, every operation that takes a request body the answers to a body it
  cannot read (400 unreadable or too deep JSON, 411 an unreadable chunked body, 413 too large,
  415 wrong media type), and every operation 422 (a control character in a query parameter)
  and 503 (the database or Redis out of reach);
- a description (the docstring after its summary) is unwrapped: the line breaks that keep the
  source under 100 columns would show as stray spaces between Chinese characters;
- in schemas used only for responses, every field is ``required`` (always present, perhaps
  ``null`` when it says ``nullable``), unless its metadata says ``{"optional": True}``;
- a nullable nested object is that object or ``null`` (``nullable_ref_admits_only_null``);
- the error catalogue (``sunshine.error_catalogue``) is published on the ``Error`` schema
  (by ``SunshineApi``).

Also the bearer-token security scheme and the offline Swagger UI page with its
Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import marshmallow as ma
from apispec import BasePlugin
from flask import Flask, request, send_from_directory
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

F = TypeVar("F", bound=Callable[..., Any])


def decimal_as_string(self: Any, field: ma.fields.Field, **kwargs: Any) -> dict[str, Any]:
    """A ``Decimal(as_string=True)`` is sent as a string (apispec would say number)."""
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal"}
    return {}


def nullable_ref_admits_only_null(
    self: Any, field: ma.fields.Field, ret: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """``Nested(..., allow_none=True)``: the schema or ``null``, not the schema or any object.

    For OpenAPI 3.0 apispec writes ``anyOf: [{type: object, nullable: true}, {$ref: …}]``,
    whose first arm admits every object (a generated client reads ``Record<string, never>``);
    ``enum: [null]`` narrows that arm to ``null`` alone (``X | null`` in TypeScript).
    """
    arms = ret.get("anyOf")
    if field.allow_none and isinstance(arms, list):
        return {
            "anyOf": [
                {**arm, "enum": [None]} if arm == {"type": "object", "nullable": True} else arm
                for arm in arms
            ]
        }
    return {}


BEARER_AUTH = {"bearerAuth": {"type": "http", "scheme": "bearer"}}

_AUTH_ERRORS = {
    str(status): {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for status, description in [(401, "未登录或令牌无效"), (403, "没有权限")]
}


ERROR_REF = {"$ref": "#/components/schemas/Error"}
# A path parameter that names a row: a 404 when no such row (or not one the caller may see).
_ID_PARAMETER = re.compile(r"\{\w*_id\}")
# What any operation that takes a body may answer before the view runs (sunshine/http.py and
# SunshineApi.handle_http_exception); declared once here, like 422 by flask-smorest.
_BODY_ERRORS = {
    "400": "请求体无法解析或 JSON 嵌套过深（request.bad_json）",
    "411": "分块发送的请求体无法读取（request.length_required）",
    "413": "请求内容过大（request.too_large）",
    "415": "请求内容类型不受支持（request.unsupported_media_type）",
}
# What every operation may answer (sunshine/request_input.py, sunshine/http.py): a query
# parameter with a control character, and the database or Redis out of reach.
_ANY_ERRORS = {
    "422": "参数有误（request.invalid）：如查询参数中含控制字符",
    "503": "服务暂时不可用：数据库或 Redis 不可用（database.unavailable、redis.unavailable）",
}
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
    "invitations.ShiftInvitations.post": "inviteToShift",
    "attendance.HandAttendance.post": "recordAttendance",
    "attendance.Excuse.post": "excuseSignup",
    "hours.MyHours.get": "getMyHours",
    "anomalies.AnomalyAnswer.post": "answerAnomaly",
    "evaluations.CommunityEvaluations.post": "evaluateMembers",
    "evaluations.MemberEvaluation.put": "evaluateMember",
    "evaluations.EvaluationSettings.get": "getEvaluationSettings",
    "hours.RecordTotals.get": "getRecordTotals",
    "callups.CallUpProposal.post": "proposeCallUp",
    "org.AreaImport.post": "importAreas",
    "org.UnitImport.post": "importUnits",
    "roster.RosterImport.post": "importRoster",
    "imports.Batch.get": "getImportBatch",
    "imports.BatchErrors.get": "downloadImportErrors",
    "statements.MyStatements.post": "requestMyStatements",
    "statements.MyStatementPdf.get": "downloadMyStatementPdf",
    "statements.StatementPdf.get": "downloadStatementPdf",
    "statements.StatementVerification.get": "verifyStatement",
    "exports.ExportFile.get": "downloadExport",
}

# The last word of a MethodView's name that is the action of a POST (``TaskPublish``).
_ACTIONS = {
    "Accept", "Approve", "Cancel", "Confirm", "Decline", "Disable", "Enable", "End",
    "Lock", "Login", "Logout", "Publish", "Reject", "Review", "Revoke", "Unlock", "Void",
    "Withdraw",
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


def unwrap(text: str) -> str:
    """Join wrapped lines (a space only between two ASCII words); keep blank-line paragraphs."""
    return "\n\n".join(
        re.sub(r"(?<=[A-Za-z0-9.,;:)])\n(?=[A-Za-z0-9(])", " ", para).replace("\n", "")
        for para in text.split("\n\n")
    )


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
            if "description" in operation:
                operation["description"] = unwrap(operation["description"])
            responses = operation.setdefault("responses", {})
            if path and _ID_PARAMETER.search(path) and not any(str(s) == "404" for s in responses):
                responses["404"] = {"description": "请求的内容不存在，或不在您的管辖范围内"}
            declared = {
                **(_BODY_ERRORS if "requestBody" in operation else {}),
                **_ANY_ERRORS,
            }
            for status, description in declared.items():
                existing = next((r for s, r in responses.items() if str(s) == status), None)
                if existing is None:
                    responses[status] = {"description": description}
                elif status == "503" and "database.unavailable" not in str(existing):
                    existing["description"] = existing.get("description", "") + "；" + description
            for status, response in responses.items():
                if str(status)[0] in "45" and isinstance(response, dict):
                    response.setdefault(
                        "content", {"application/json": {"schema": dict(ERROR_REF)}}
                    )

    def complete_schemas(self, schemas: dict[str, Any], paths: dict[str, Any]) -> None:
        """Mark the fields of response-only schemas required; drop ``default: null``."""
        # flask-smorest registers the schema of its X-Pagination header whatever the routes
        # do; no listing pages by number (every one that can grow pages by cursor).
        schemas.pop("PaginationMetadata", None)
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


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
# The page's CSP: Swagger UI's files from this server only (the assets route below), its one
# inline script by hash, the document fetched from here; Swagger UI sets style attributes
# and shows data: images. Nothing may frame the page.
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def docs_page_csp(html: str) -> str:
    """The Content-Security-Policy of the docs page: its inline scripts allowed by hash."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return _DOCS_CSP.format(hashes=hashes)


def register_docs_page(app: Flask) -> None:
    """Serve Swagger UI from the swagger-ui-bundle package so the docs page works offline."""
    import swagger_ui_bundle  # a static-file package; imported here to keep start-up lean

    folder = swagger_ui_bundle.swagger_ui_path

    @app.route("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename: str) -> Response:
        return send_from_directory(folder, filename, max_age=86400)

    @app.after_request
    def _docs_page_csp(response: Response) -> Response:
        # flask-smorest renders the page (api-docs.openapi_swagger_ui) from its template.
        if request.endpoint == "api-docs.openapi_swagger_ui" and response.status_code == 200:
            csp = docs_page_csp(response.get_data(as_text=True))
            response.headers["Content-Security-Policy"] = csp
        return response
