"""Every JSON response the suite provokes is checked against the OpenAPI document.

The document marks response fields required and nullable centrally (``sunshine/api.py``); this
proves it per response: a field the code leaves out, a ``null`` where the document promises a
value, or a field the document does not know fails the test that provoked it. So does a status
the operation does not declare (only a 500 is left to ``default``): every answer a client can
get is in the document, with the codes in its description.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from flask import Flask, request
from openapi_schema_validator import OAS30Validator
from werkzeug.wrappers import Response

EXTENSION = "tests.contract"
INSTALLED: list[ResponseCheck] = []  # for a look at ``undocumented`` after a run
# Statuses an operation need not declare: a bug, not an answer to document.
UNDECLARED_ALLOWED = {500}


def openapi_path(rule: str) -> str:
    """``/tasks/<int:task_id>`` → ``/tasks/{task_id}``, as the document spells paths."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


class ResponseCheck:
    """Validates response bodies against the document; keeps what failed for the test."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.failures: list[str] = []
        self.undocumented: set[tuple[str, str, int]] = set()
        self._lock = threading.Lock()
        self._validators: dict[str, OAS30Validator] = {}

    def schema_for(self, path: str, method: str, status: int) -> dict[str, Any] | None:
        operation = self.spec["paths"].get(path, {}).get(method)
        if operation is None:
            return None
        responses = operation["responses"]
        response = responses.get(str(status))
        if response is None:
            self.undocumented.add((method, path, status))
            if status not in UNDECLARED_ALLOWED:
                with self._lock:
                    self.failures.append(
                        f"{method.upper()} {path} → {status}: the operation does not declare "
                        f"this status (add @blp.alt_response({status}, description=…))"
                    )
            response = responses.get("default")
        if response is None:
            return None
        if "$ref" in response:
            response = self.spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        content = response.get("content", {}).get("application/json")
        return content["schema"] if content else None

    def validator(self, schema: dict[str, Any]) -> OAS30Validator:
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            root = {**schema, "components": self.spec["components"]}
            self._validators[key] = OAS30Validator(root)
        return self._validators[key]

    def check(self, rule: str, method: str, status: int, body: Any) -> None:
        path = openapi_path(rule)
        schema = self.schema_for(path, method, status)
        if schema is None:
            return
        errors = sorted(self.validator(schema).iter_errors(body), key=lambda e: list(e.path))
        if errors:
            where = f"{method.upper()} {path} → {status}"
            with self._lock:
                self.failures.extend(
                    f"{where}: {'/'.join(map(str, e.path)) or '(body)'}: {e.message}"
                    for e in errors[:5]
                )

    def take(self) -> list[str]:
        with self._lock:
            failures, self.failures = self.failures, []
        return failures


def install(app: Flask) -> ResponseCheck:
    """Check every JSON response of ``app`` from now on."""
    with app.test_request_context():
        spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    check = ResponseCheck(json.loads(json.dumps(spec)))
    app.extensions[EXTENSION] = check
    INSTALLED.append(check)

    @app.after_request
    def _check_response(response: Response) -> Response:
        if request.url_rule is not None and response.mimetype == "application/json":
            check.check(
                request.url_rule.rule,
                request.method.lower(),
                response.status_code,
                response.get_json(silent=True),
            )
        return response

    return check
