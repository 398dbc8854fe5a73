"""Every operation of the OpenAPI document, fuzzed by schemathesis, as the callers that reach it.

Fails on any 5xx and on any response whose status, content type or body the document does not
declare. Each operation that needs a token is called as the organisation department admin
with every phase schemathesis has (the schema's own examples, the coverage phase's boundary
and wrong-type values, random fuzzing), and as a member and a community admin with random
fuzzing only; each public one as an anonymous caller with every phase. Random fuzzing is
bounded by ``FUZZ_EXAMPLES`` cases per operation and caller; the coverage phase is finite.
The seed is fixed and nothing is stored between runs (docs/fuzzing.md).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fuzz import harness

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("FUZZ_SEED", "20261204"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EVERY_PHASE = {"examples": {"enabled": True}, "coverage": {"enabled": True}}
RANDOM_ONLY = {"examples": {"enabled": False}, "coverage": {"enabled": False}}
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # Slow or filtered generation is no finding here; a 5xx or a broken contract is.
    suppress_health_check=list(HealthCheck),
)


def _load(phases: dict[str, Any]) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"database": "none", "deterministic": True},
            "phases": {**phases, "stateful": {"enabled": False}},
        }
    )
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


def _needs_token(ctx: Any) -> bool:
    return bool(ctx.operation.definition.raw.get("security"))


app = harness.build_app()
public = _load(EVERY_PHASE).exclude(func=_needs_token)
guarded = _load(EVERY_PHASE).include(func=_needs_token)
guarded_random = _load(RANDOM_ONLY).include(func=_needs_token)


@pytest.fixture(scope="session")
def role_headers() -> dict[str, dict[str, str]]:
    return harness.prepare(app)


def _call(case: schemathesis.Case, headers: dict[str, str]) -> None:
    with harness.rolled_back(app):
        case.call_and_validate(headers=headers, checks=CHECKS)


# Each test names its callers (even a single one): the role then shows in every test id.


@public.parametrize()
@pytest.mark.parametrize("role", ["anonymous"])
@SETTINGS
def test_public_operation(
    case: schemathesis.Case, role: str, role_headers: dict[str, dict[str, str]]
) -> None:
    _call(case, role_headers[role])


@guarded.parametrize()
@pytest.mark.parametrize("role", ["org_admin"])
@SETTINGS
def test_operation_every_phase(
    case: schemathesis.Case, role: str, role_headers: dict[str, dict[str, str]]
) -> None:
    _call(case, role_headers[role])


@guarded_random.parametrize()
@pytest.mark.parametrize("role", ["member", "community_admin"])
@SETTINGS
def test_operation_random(
    case: schemathesis.Case, role: str, role_headers: dict[str, dict[str, str]]
) -> None:
    _call(case, role_headers[role])
