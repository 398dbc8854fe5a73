"""What the generated TypeScript client relies on, checked in Python too.

``scripts/contract-check`` (run by ``.ci/run``) generates types from the document and
type-checks ``contract/sample.ts``; it needs node. These tests prove the same properties
without it: the operations the sample calls are where ``contract/client.ts`` says, under the
operationIds it uses, and every field of their success bodies is required, so a generated
client reads them without null checks; a nullable nested object is that object or ``null``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from sunshine.hours.models import RecordStatus
from sunshine.hours.schemas import RecordCountsOut
from tests.test_contract import operations, schema_refs, used_schemas

CLIENT = Path(__file__).resolve().parent.parent / "contract" / "client.ts"
ROUTE = re.compile(r'^\s+(\w+): \["(get|post|put|patch|delete)", "([^"]+)"\],$', re.MULTILINE)
NULL_ARM = {"type": "object", "nullable": True}


@pytest.fixture(scope="module")
def spec(app: Flask) -> dict[str, Any]:
    document: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").json  # type: ignore[assignment]
    return document


def sample_routes() -> list[tuple[str, str, str]]:
    routes = ROUTE.findall(CLIENT.read_text(encoding="utf-8"))
    assert len(routes) >= 6, "contract/client.ts: ROUTES not found"
    return routes


def test_the_sample_flow_calls_operations_by_their_ids(spec: dict[str, Any]) -> None:
    by_route = {(m, p): op["operationId"] for p, m, op in operations(spec)}
    assert {name for name, _, _ in sample_routes()} >= {
        "login", "getMyFeed", "signUpForShift", "createPunch", "listMyRecords", "getMyHours"
    }  # fmt: skip
    for name, method, path in sample_routes():
        assert by_route.get((method, path)) == name, (method, path)


def test_every_field_the_sample_flow_reads_is_required(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    roots = [
        spec["paths"][path][method]["responses"][status]
        for _, method, path in sample_routes()
        for status in ("200", "201")
        if status in spec["paths"][path][method]["responses"]
    ]
    bodies = used_schemas(spec, roots)
    read = {"FeedItemOut", "SignupOut", "MySignupOut", "PunchOut", "MyRecordOut", "HoursOut"}
    assert read <= bodies
    optional = {
        f"{name}.{prop}"
        for name in bodies
        for prop in schemas[name].get("properties", {})
        if prop not in schemas[name].get("required", [])
    }
    assert not optional


def test_a_nullable_nested_object_is_that_object_or_null(spec: dict[str, Any]) -> None:
    """apispec's ``{type: object, nullable: true}`` arm would admit any object; ours is null."""
    arms: list[Any] = []
    todo: list[Any] = [spec]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            arms.extend(node.get("anyOf", []))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    loose = [arm for arm in arms if arm == NULL_ARM]
    assert not loose
    record = spec["components"]["schemas"]["PunchOut"]["properties"]["record"]
    assert {**NULL_ARM, "enum": [None]} in record["anyOf"]
    assert list(schema_refs(record)) == ["RecordBriefOut"]


def test_my_hours_count_every_record_status() -> None:
    assert set(RecordCountsOut().fields) == {status.value for status in RecordStatus}
