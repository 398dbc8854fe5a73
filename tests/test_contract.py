"""The OpenAPI document is a contract a client can be generated from, checked over all of it.

A new endpoint cannot skip any of this: every operation is found by walking the document.
That responses really have the documented shape is checked on every response the suite
provokes (``tests/contract.py``, installed by ``conftest.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate

from sunshine.error_catalogue import CATALOGUE
from sunshine.openapi import OPERATION_IDS
from tests.contract import ResponseCheck

METHODS = {"get", "post", "put", "patch", "delete"}
ID_PARAMETER = re.compile(r"\{\w*_id\}")
CJK = re.compile(r"[\u4e00-\u9fff]")
ERROR_REF = "#/components/schemas/Error"

# Response schemas that need not list required fields, each with the reason.
NO_REQUIRED_FIELDS: dict[str, str] = {}


@pytest.fixture(scope="module")
def spec(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json  # type: ignore[assignment]
    return document


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        _, section, kind, name = node["$ref"].split("/")
        node = spec[section][kind][name]
    return node


def schema_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from schema_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_refs(value)


def response_schemas(spec: dict[str, Any]) -> set[str]:
    """Every component schema a response uses, directly or nested."""
    return used_schemas(
        spec,
        [resolve(spec, r) for _, _, op in operations(spec) for r in op["responses"].values()],
    )


def request_schemas(spec: dict[str, Any]) -> set[str]:
    """Every component schema a request body or parameter uses, directly or nested."""
    return used_schemas(
        spec,
        [op.get(key) for _, _, op in operations(spec) for key in ("requestBody", "parameters")],
    )


def used_schemas(spec: dict[str, Any], roots: list[Any]) -> set[str]:
    schemas = spec["components"]["schemas"]
    todo = [name for root in roots for name in schema_refs(root)]
    found: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(schema_refs(schemas[name]))
    return found


def test_document_validates(spec: dict[str, Any]) -> None:
    validate(spec)


def test_every_operation_has_a_unique_operation_id(spec: dict[str, Any]) -> None:
    ids = [op.get("operationId") for _, _, op in operations(spec)]
    assert all(ids), [f"{m} {p}" for p, m, op in operations(spec) if not op.get("operationId")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(i and i[0].islower() and i.isalnum() for i in ids)  # camelCase identifiers


def test_chosen_operation_ids_name_operations_that_exist(app: Flask) -> None:
    views = {
        f"{rule.endpoint}.{method.lower()}"
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
    }
    assert set(OPERATION_IDS) <= views, set(OPERATION_IDS) - views


def test_operation_ids_read_as_verbs_on_resources(spec: dict[str, Any]) -> None:
    by_route = {(m, p): op["operationId"] for p, m, op in operations(spec)}
    assert by_route["get", "/api/v1/tasks"] == "listTasks"
    assert by_route["post", "/api/v1/tasks"] == "createTask"
    assert by_route["get", "/api/v1/tasks/{task_id}"] == "getTask"
    assert by_route["patch", "/api/v1/tasks/{task_id}"] == "updateTask"
    assert by_route["post", "/api/v1/tasks/{task_id}/publish"] == "publishTask"
    assert by_route["post", "/api/v1/auth/login"] == "login"
    assert by_route["post", "/api/v1/shifts/{shift_id}/signups"] == "signUpForShift"


def test_every_error_response_has_the_error_body(spec: dict[str, Any]) -> None:
    missing = []
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status == "default" or status[0] in "45":
                content = resolve(spec, response).get("content", {})
                schema = content.get("application/json", {}).get("schema")
                if schema != {"$ref": ERROR_REF}:
                    missing.append(f"{method} {path} {status}")
    assert not missing


def test_every_path_with_an_id_documents_its_404(spec: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for path, method, operation in operations(spec)
        if ID_PARAMETER.search(path) and "404" not in operation["responses"]
    ]
    assert not missing


def test_a_path_parameter_that_is_no_id_brings_no_404(spec: dict[str, Any]) -> None:
    """``PUT /holidays/{day}`` creates the day when it has none: it cannot answer 404."""
    holiday = spec["paths"]["/api/v1/holidays/{day}"]
    assert "404" not in holiday["put"]["responses"]
    assert "holiday.not_found" in holiday["delete"]["responses"]["404"]["description"]


def test_every_operation_with_a_body_documents_an_unreadable_body(spec: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for path, method, operation in operations(spec)
        if "requestBody" in operation
        and not {"400", "411", "413", "415"} <= set(operation["responses"])
    ]
    assert not missing


def test_every_operation_documents_a_refused_query_and_an_unavailable_service(
    spec: dict[str, Any],
) -> None:
    """422: a control character in any query parameter (sunshine/request_input.py); 503: the
    database or Redis out of reach (sunshine/http.py). Any operation can answer both."""
    missing = [
        f"{method} {path}"
        for path, method, operation in operations(spec)
        if not {"422", "503"} <= set(operation["responses"])
        or "database.unavailable" not in operation["responses"]["503"]["description"]
    ]
    assert not missing


def test_every_operation_has_a_chinese_summary(spec: dict[str, Any]) -> None:
    """The summary is the docstring's first line (flask-smorest); the description follows a
    blank line, where the behaviour needs saying (who may call, what is refused and why)."""
    missing = [
        f"{method} {path}"
        for path, method, operation in operations(spec)
        if not CJK.search(operation.get("summary") or "")
    ]
    assert not missing
    english = [
        f"{method} {path}: {operation['summary']}"
        for path, method, operation in operations(spec)
        if re.search(r"[a-z]{2,}", operation["summary"])  # acronyms (CSV) are fine
    ]
    assert not english
    cancel = spec["paths"]["/api/v1/signups/{signup_id}/cancel"]["post"]
    assert "候补第一位自动递补" in cancel["description"]
    assert "\n" not in cancel["description"]  # unwrapped: no stray spaces between characters


def test_every_success_response_with_a_body_declares_its_media_type(
    spec: dict[str, Any],
) -> None:
    missing = [
        f"{method} {path} {status}"
        for path, method, operation in operations(spec)
        for status, response in operation["responses"].items()
        if status.startswith("2") and status != "204" and not response.get("content")
    ]
    assert not missing
    png = spec["paths"]["/api/v1/tasks/{task_id}/venue-code.png"]["get"]["responses"]["200"]
    csv = spec["paths"]["/api/v1/imports/{batch_id}/errors.csv"]["get"]["responses"]["200"]
    assert png["content"]["image/png"]["schema"] == {"type": "string", "format": "binary"}
    assert csv["content"]["text/csv"]["schema"] == {"type": "string", "format": "binary"}


def test_every_response_schema_declares_its_required_fields(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    missing = [
        name
        for name in sorted(response_schemas(spec))
        if schemas[name].get("properties")
        and not schemas[name].get("required")
        and name not in NO_REQUIRED_FIELDS
    ]
    assert not missing
    assert set(NO_REQUIRED_FIELDS) <= set(schemas)


def test_no_schema_is_both_a_request_and_a_response(spec: dict[str, Any]) -> None:
    """A schema in both would have its response fields left optional (see sunshine/api.py):
    give the response its own ``…Out`` schema."""
    assert not response_schemas(spec) & request_schemas(spec)


def test_a_response_field_that_may_be_left_out_is_not_required(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["Error"]
    assert "fields" not in error["required"]  # only for bad input
    assert {"status", "code", "message", "request_id"} <= set(error["required"])
    assert error["properties"]["request_id"]["nullable"] is True


def test_no_property_claims_a_null_default(spec: dict[str, Any]) -> None:
    """Generators read ``default`` as "always there"; a missing optional field has none."""
    found = [
        f"{name}.{prop}"
        for name, schema in spec["components"]["schemas"].items()
        for prop, definition in schema.get("properties", {}).items()
        if "default" in definition and definition["default"] is None
    ]
    assert not found
    punch = spec["components"]["schemas"]["PunchIn"]
    assert "location" not in punch["required"]


def test_the_error_catalogue_is_published_on_the_error_schema(spec: dict[str, Any]) -> None:
    published = spec["components"]["schemas"]["Error"]["x-error-codes"]
    assert [entry["code"] for entry in published] == [entry.code for entry in CATALOGUE]
    assert all(entry["message"] and entry["when"] for entry in published)


def test_a_response_with_an_undeclared_status_fails_the_test_that_provoked_it() -> None:
    """``tests/contract.py`` holds every status the suite provokes to the document."""
    error = {"type": "object"}
    document = {
        "paths": {"/x": {"post": {"responses": {"409": {"content": {"application/json": {
            "schema": error}}}, "default": {}}}}},
        "components": {"schemas": {}},
    }  # fmt: skip
    check = ResponseCheck(document)
    check.check("/x", "post", 409, {"code": "x.conflict"})
    check.check("/x", "post", 500, {"code": "internal_error"})  # a bug, not an answer
    assert check.take() == []
    check.check("/x", "post", 404, {"code": "x.not_found"})
    assert check.take() == [
        "POST /x → 404: the operation does not declare this status "
        "(add @blp.alt_response(404, description=…))"
    ]
