"""The endpoint × role × scope matrix: every route of the app, every kind of caller.

Routes are enumerated from the app's url map, so a new one is in the matrix the day it is
added, and one that declares no rule (``@requires``/``@login_required``, or a line in
``declarations``) fails it. On one world (tests/matrix/world.py) every route is called:

- without a token: 401 (public routes excepted);
- by each role that lacks the route's permission, on the objects' own scope, with a body the
  schema would refuse: 403 ``auth.forbidden`` — the permission is decided before the body;
- by each role that holds it, on the other scope, with a valid body aimed at scope A's
  objects: 404 as for an unknown id, or 403 for a place named by an area (a listing: 200
  without scope A's rows);
- on the routes any account may call about an object of someone's: refused for scope B;

and every refusal by a signed-in caller leaves a security-log event of that caller, and no
other change to any table.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from sunshine.access.models import Grant, Role
from sunshine.access.permissions import POLICY, Permission
from sunshine.auth.current import AUTH_ATTRIBUTE
from sunshine.extensions import db
from tests.matrix import declarations as declared
from tests.matrix.world import (
    ADMIN_ROLES,
    Headers,
    World,
    build,
    fingerprint,
    last_event_id,
    security_events_since,
)

_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
PROBE_BODY = {"__matrix_probe__": 1}  # unknown to every schema: 422 if it were parsed
PROBE_QUERY = {"limit": "0", "cursor": "x"}
# A caller with no member registration on a member's own endpoint: the answer is about the
# caller, not the object, and tells nothing of it (not a scope refusal: not logged).
NOT_A_MEMBER = "member.not_registered"
UNKNOWN_ID = 999_999_999


@dataclass(frozen=True)
class Route:
    key: str  # "METHOD /rule"
    method: str
    rule: str
    requires: tuple[Permission, ...] | None  # None: public; (): any signed-in account

    @property
    def has_ids(self) -> bool:
        return bool(_PARAMETER.search(self.rule))

    def url(self, ids: dict[str, Any]) -> str:
        return _PARAMETER.sub(lambda m: str(ids[m.group(1)]), self.rule)

    @property
    def one_id(self) -> str | None:
        """The route's only path parameter, if it has exactly one."""
        names = _PARAMETER.findall(self.rule)
        return names[0] if len(names) == 1 else None


def routes(app: Flask) -> list[Route]:
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            handler = getattr(view_class, method.lower()) if view_class else view
            requires = getattr(handler, AUTH_ATTRIBUTE, None)
            found.append(Route(f"{method} {rule.rule}", method, rule.rule, requires))
    return sorted(found, key=lambda r: r.key)


def holders(route: Route) -> set[Role]:
    return {role for p in route.requires or () for role in POLICY[p]}


def test_every_route_declares_who_may_call_it(app: Flask) -> None:
    problems = []
    keys = set()
    for route in routes(app):
        keys.add(route.key)
        listed = route.key in declared.ANY_ACCOUNT or route.key in declared.OWN_OBJECT
        if route.key in declared.PUBLIC:
            if route.requires is not None:
                problems.append(f"{route.key}: declared public but asks for a token")
        elif route.requires is None:
            problems.append(f"{route.key}: neither @requires, @login_required nor public")
        elif route.requires == () and not listed:
            problems.append(
                f"{route.key}: @login_required without a permission: use @requires, or say "
                "in tests/matrix/declarations.py why any account may call it"
            )
        elif route.requires and listed:
            problems.append(f"{route.key}: requires a permission; drop it from the declarations")
    tables = (declared.PUBLIC, declared.ANY_ACCOUNT, set(declared.OWN_OBJECT))
    stale = (
        set().union(
            *tables, declared.BODIES, declared.UNSCOPED, declared.WHOLE_CITY, declared.QUERIES
        )
        - keys
    )
    problems += [f"{key}: declared, but no such route" for key in sorted(stale)]
    assert not problems, "\n".join(problems)


class Matrix:
    """Calls one route as one caller and records what breaks the rules."""

    def __init__(self, client: FlaskClient, world: World) -> None:
        self.client, self.world = client, world
        self.failures: list[str] = []
        self.calls = 0

    def call(
        self,
        route: Route,
        headers: Headers,
        *,
        probe: bool,
        body: Any = None,
        ids: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        self.calls += 1
        url = route.url(ids or self.world.ids)
        kwargs: dict[str, Any] = {"method": route.method, "headers": headers}
        if route.key in declared.UPLOADS:
            kwargs["query_string"] = {"city_id": self.world.ids["city_id"]}
            if not probe:
                kwargs["data"] = {"file": (io.BytesIO(b"name\n"), "matrix.csv")}
                kwargs["content_type"] = "multipart/form-data"
        elif route.method == "GET":
            query = declared.QUERIES.get(route.key, lambda ids: {})(self.world.ids)
            kwargs["query_string"] = PROBE_QUERY if probe else query
        elif probe:
            kwargs["json"] = PROBE_BODY
        elif body is not None:
            kwargs["json"] = body
        response = self.client.open(url, **kwargs)
        return response.status_code, response.get_json(silent=True)

    def expect(
        self,
        route: Route,
        who: str,
        headers: Headers,
        account_id: int | None,
        statuses: set[int],
        *,
        probe: bool,
        body: Any = None,
        code: str | None = None,
    ) -> None:
        before_event = last_event_id()
        status, answer = self.call(route, headers, probe=probe, body=body)
        answered = answer.get("code") if isinstance(answer, dict) else None
        if status not in statuses or (code is not None and answered != code):
            self.failures.append(f"{route.key} as {who}: {status} {answered} (expected {statuses})")
            return
        if status == 404 and route.one_id and answered != NOT_A_MEMBER:
            self._as_unknown(route, who, headers, answer, body)
        if account_id is not None and status in {403, 404} and answered != NOT_A_MEMBER:
            logged = [
                e
                for e in security_events_since(before_event)
                if e.account_id == account_id and e.outcome == "failure"
            ]
            if not logged:
                self.failures.append(f"{route.key} as {who}: refused {status} but not logged")

    def _as_unknown(self, route: Route, who: str, headers: Headers, answer: Any, body: Any) -> None:
        """A foreign id must answer exactly what an id that names nothing does."""
        assert route.one_id is not None
        unknown_ids = {**self.world.ids, route.one_id: UNKNOWN_ID}
        status, unknown = self.call(route, headers, probe=False, body=body, ids=unknown_ids)
        seen = {k: v for k, v in answer.items() if k != "request_id"}
        if status != 404 or {k: v for k, v in unknown.items() if k != "request_id"} != seen:
            self.failures.append(f"{route.key} as {who}: {seen} but an unknown id {unknown}")


def _callers(world: World) -> Iterator[tuple[str, Role, Headers, int]]:
    """Scope A's callers: each admin role, a member and the system administrator."""
    for role in (*ADMIN_ROLES, Role.MEMBER):
        yield f"A {role.value}", role, world.a.headers[role], world.a.account_ids[role]
    yield "sys_admin", Role.SYS_ADMIN, world.sys_admin, world.a.account_ids[Role.SYS_ADMIN]


def _outsiders(world: World) -> Iterator[tuple[str, Role, Headers, int]]:
    """Scope B's callers of each role, and the admin of A's neighbouring community."""
    for role in (*ADMIN_ROLES, Role.MEMBER):
        yield f"B {role.value}", role, world.b.headers[role], world.b.account_ids[role]
    yield (
        "neighbour community_admin",
        Role.COMMUNITY_ADMIN,
        world.a.neighbour,
        world.a.neighbour_id,
    )


def _a_ids(world: World) -> dict[str, Callable[[], set[int]]]:
    """What each scoped listing must not show scope B: the ids of scope A's rows."""
    ids = world.ids

    def grants() -> set[int]:
        accounts = set(world.a.account_ids.values()) - {world.a.account_ids[Role.SYS_ADMIN]}
        return set(db.session.scalars(db.select(Grant.id).where(Grant.account_id.in_(accounts))))

    return {
        "GET /api/v1/anomalies": lambda: {ids["anomaly_id"]},
        "GET /api/v1/call-ups": lambda: {ids["call_up_id"]},
        "GET /api/v1/content-checks": lambda: {ids["check_id"]},
        "GET /api/v1/corrections": lambda: {ids["correction_id"]},
        "GET /api/v1/grants": grants,
        "GET /api/v1/members": lambda: {ids["member_id"], ids["other_member_id"]},
        "GET /api/v1/needs": lambda: {ids["need_id"]},
        "GET /api/v1/report-ins": lambda: {ids["report_in_id"]},
        "GET /api/v1/roster": lambda: {ids["roster_id"]},
        "GET /api/v1/service-records": lambda: {ids["record_id"], ids["confirmed_id"]},
        "GET /api/v1/statements": lambda: {ids["statement_id"]},
        "GET /api/v1/tasks": lambda: {ids["task_id"]},
        "GET /api/v1/unit-feedback": lambda: {ids["feedback_id"]},
        "GET /api/v1/unit-projects": lambda: {ids["unit_project_id"]},
        "GET /api/v1/unit-report-ins": lambda: {ids["unit_report_in_id"]},
        "GET /api/v1/unit-yearly-reports": lambda: {ids["yearly_report_id"]},
    }


def _check_listing(matrix: Matrix, route: Route, who: str, headers: Headers) -> None:
    listings = _a_ids(matrix.world)
    status, answer = matrix.call(route, headers, probe=False)
    if route.key == "GET /api/v1/service-records/totals":
        if status != 200 or answer["count"] != 0:
            matrix.failures.append(f"{route.key} as {who}: {status} {answer}")
        return
    if route.key not in listings:
        matrix.failures.append(f"{route.key}: a listing the matrix does not know how to check")
        return
    if status != 200:
        matrix.failures.append(f"{route.key} as {who}: {status} {answer}")
        return
    leaked = {item["id"] for item in answer["items"]} & listings[route.key]()
    if leaked:
        matrix.failures.append(f"{route.key} as {who}: shows scope A's {sorted(leaked)}")


def _check(matrix: Matrix, route: Route) -> None:
    world = matrix.world
    if route.key in declared.PUBLIC:
        return
    matrix.expect(route, "anonymous", {}, None, {401}, probe=True, code="auth.unauthenticated")
    if route.requires == ():
        if route.key in declared.OWN_OBJECT:
            body = declared.BODIES.get(route.key, declared.EMPTY)(world.ids)
            for who, _, headers, account_id in _outsiders(world):
                statuses = declared.OWN_OBJECT[route.key]
                matrix.expect(route, who, headers, account_id, statuses, probe=False, body=body)
        return
    allowed = holders(route)
    for who, role, headers, account_id in _callers(world):
        if role not in allowed:
            matrix.expect(route, who, headers, account_id, {403}, probe=True, code="auth.forbidden")
    if route.key in declared.UNSCOPED | declared.SCOPE_FILTERED:
        return
    for who, role, headers, account_id in _outsiders(world):
        if role not in allowed or (
            who.startswith("neighbour") and route.key in declared.WHOLE_CITY
        ):
            continue
        if route.method == "GET" and not route.has_ids and route.key not in declared.QUERIES:
            _check_listing(matrix, route, who, headers)
            continue
        body = declared.BODIES.get(route.key, declared.EMPTY)(world.ids)
        matrix.expect(route, who, headers, account_id, {403, 404}, probe=False, body=body)


def test_every_route_refuses_strangers_other_roles_and_other_scopes(
    app: Flask, client: FlaskClient
) -> None:
    world = build(client)
    matrix = Matrix(client, world)
    before = fingerprint()
    for route in routes(app):
        _check(matrix, route)
        after = fingerprint()
        changed = [name for name, digest in after.items() if before[name] != digest]
        if changed:
            matrix.failures.append(f"{route.key}: refused calls changed {changed}")
        before = after
    assert matrix.calls > 500, matrix.calls
    assert not matrix.failures, f"{len(matrix.failures)} holes:\n" + "\n".join(matrix.failures)
