"""One world for the role matrix: two scopes (two cities, each with its street, communities
and unit), an actor of every role on each, and one object of every kind in scope A.

Built once per test through the builders (rows straight to the tables) and the API as the
admins of scope A would; every path parameter of every route has a value here (``World.ids``)
naming an object of scope A, so scope B's actors are refused on each.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from sunshine import clock
from sunshine.access.models import Grant, Role
from sunshine.anomalies.models import Anomaly, AnomalyKind
from sunshine.bodies.models import CityBody
from sunshine.database import Base
from sunshine.evaluations.models import Evaluation
from sunshine.exports.models import Export
from sunshine.extensions import db
from sunshine.fake_wechat import TEXT_REVIEW
from sunshine.hours.models import Holiday
from sunshine.imports.models import ImportBatch, ImportKind, ImportStatus
from sunshine.org.models import Area, AreaLevel
from sunshine.reportin.models import ReportIn
from sunshine.roster.models import RosterEntry
from sunshine.security.models import SecurityEvent
from sunshine.tasks.models import Invitation
from tests.builders import (
    City,
    add_area,
    add_body,
    add_reported_members,
    add_roster,
    add_service_record,
    add_shifts,
    add_skill,
    grant,
    image_bytes,
    make_account,
    make_city,
    make_party_org,
    member_id_of,
    publish_notice,
    token_for,
)
from tests.matrix.declarations import agreement_body, project_body, yearly_report_body
from tests.steps import day_shift, post_shift, post_task, published_shift

Headers = dict[str, str]
# The grid roles hold the same permissions each: the grid worker (网格员) stands for them.
ADMIN_ROLES = (
    Role.COMMUNITY_ADMIN,
    Role.STREET_ADMIN,
    Role.UNIT_ADMIN,
    Role.ORG_ADMIN,
    Role.BODY_ADMIN,
    Role.GRID_WORKER,
)


@dataclass
class Scope:
    place: City
    grid: Area  # a grid of place.community, the grid worker's
    headers: dict[Role, Headers] = field(default_factory=dict)  # Role.MEMBER: a member
    account_ids: dict[Role, int] = field(default_factory=dict)
    member_id: int = 0
    neighbour: Headers = field(default_factory=dict)  # admin of the other community
    neighbour_id: int = 0
    body_id: int = 0  # the city's practice centre, whose admin is the scope's body_admin


@dataclass
class World:
    a: Scope
    b: Scope
    sys_admin: Headers
    ids: dict[str, Any]  # path parameter → an object of scope A

    def actor_ids(self) -> dict[str, int]:
        return {
            f"{name} {role.value}": account_id
            for name, scope in (("A", self.a), ("B", self.b))
            for role, account_id in scope.account_ids.items()
        }


def _scope(place: City) -> Scope:
    scope = Scope(place, add_area(place.community, AreaLevel.GRID))
    scope.body_id = add_body(place.city).id
    where = {
        Role.COMMUNITY_ADMIN: place.community,
        Role.STREET_ADMIN: place.street,
        Role.UNIT_ADMIN: place.unit,
        Role.ORG_ADMIN: place.city,
        Role.BODY_ADMIN: db.session.get_one(CityBody, scope.body_id),
        Role.GRID_WORKER: scope.grid,
    }
    for role, area in where.items():
        account = make_account()
        grant(account, role, area)
        scope.account_ids[role] = account.id
        scope.headers[role] = token_for(account.id)
    (member_account,) = add_reported_members(place, place.community, 1)
    scope.account_ids[Role.MEMBER] = member_account
    scope.headers[Role.MEMBER] = token_for(member_account)
    scope.member_id = member_id_of(member_account)
    neighbour = make_account()
    grant(neighbour, Role.COMMUNITY_ADMIN, place.other_community)
    scope.neighbour, scope.neighbour_id = token_for(neighbour.id), neighbour.id
    return scope


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.path, response.json)
    return response.json


def build(client: FlaskClient) -> World:
    """The two scopes and scope A's objects, one of each kind."""
    publish_notice()
    a, b = _scope(make_city()), _scope(make_city("介休市"))
    sys_account = make_account()
    grant(sys_account, Role.SYS_ADMIN)
    a.account_ids[Role.SYS_ADMIN] = sys_account.id
    world = World(a=a, b=b, sys_admin=token_for(sys_account.id), ids={})
    place, admin, member = a.place, a.headers[Role.COMMUNITY_ADMIN], a.headers[Role.MEMBER]
    ids = world.ids
    ids.update(
        city_id=place.city.id,
        street_id=place.street.id,
        community_id=place.community.id,
        area_id=place.community.id,
        grid_id=a.grid.id,
        unit_id=place.unit.id,
        body_id=a.body_id,
        member_id=a.member_id,
        account_id=a.account_ids[Role.MEMBER],
        skill_id=add_skill(),
        day="2026-10-01",
        filename="swagger-ui.css",
    )
    db.session.add(Holiday(day=date(2026, 10, 1), workday=False, name="国庆节"))
    task_id, shift_id = published_shift(client, admin, place.community, capacity=5)
    ids.update(task_id=task_id, shift_id=shift_id)
    ids["signup_id"] = _ok(client.post(f"/api/v1/shifts/{shift_id}/signups", headers=member), 201)[
        "id"
    ]
    past = clock.today() - timedelta(days=3)
    record_shifts = add_shifts(task_id, 3)
    ids["record_id"] = add_service_record(a.member_id, record_shifts[0], service_date=past)
    confirmed = add_service_record(a.member_id, record_shifts[1], service_date=past)
    _ok(client.post(f"/api/v1/service-records/{confirmed}/confirm", headers=admin))
    ids["confirmed_id"] = confirmed
    ids["correction_id"] = _ok(
        client.post(
            f"/api/v1/service-records/{confirmed}/corrections",
            json={"proposed_minutes": 60, "reason": "少算了"},
            headers=member,
        ),
        201,
    )["id"]
    # A resident's wish with a photo (the member's account), accepted: open, as recorded ones.
    wish = _ok(
        client.post(
            "/api/v1/me/needs",
            data={
                "community_id": str(place.community.id),
                "kind": "wish",
                "content": "独居老人助餐",
                "photo": (io.BytesIO(image_bytes("PNG")), "photo.png"),
            },
            content_type="multipart/form-data",
            headers=member,
        ),
        201,
    )
    ids["need_id"], ids["photo_id"] = wish["id"], wish["photo_ids"][0]
    _ok(client.post(f"/api/v1/needs/{wish['id']}/accept", headers=admin))
    (other_account,) = add_reported_members(place, place.community, 1)
    ids["other_member_id"] = member_id_of(other_account)
    _ok(
        client.post(
            f"/api/v1/shifts/{shift_id}/invitations",
            json={"member_ids": [ids["other_member_id"]]},
            headers=admin,
        ),
        201,
    )
    ids["invitation_id"] = db.session.scalar(sa.select(sa.func.max(Invitation.id)))
    ids["report_in_id"] = db.session.scalar(
        sa.select(ReportIn.id).where(ReportIn.member_id == a.member_id)
    )
    _call_up(client, world)
    year = clock.today().year
    ids["period_id"] = _ok(
        client.post(
            f"/api/v1/cities/{place.city.id}/periods",
            json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
            headers=a.headers[Role.ORG_ADMIN],
        ),
        201,
    )["id"]
    grade = f"/api/v1/periods/{ids['period_id']}/communities/{place.community.id}/evaluations"
    _ok(client.put(f"{grade}/{a.member_id}", json={"grade": "good"}, headers=admin))
    ids["evaluation_id"] = db.session.scalar(sa.select(sa.func.max(Evaluation.id)))
    ids["statement_id"] = _ok(
        client.post(
            "/api/v1/me/statements",
            json={"from": (past - timedelta(days=1)).isoformat(), "to": past.isoformat()},
            headers=member,
        ),
        201,
    )["items"][0]["id"]
    ids["verification_id"] = _ok(
        client.post(
            "/api/v1/ledger/verifications",
            json={"city_id": place.city.id},
            headers=a.headers[Role.ORG_ADMIN],
        ),
        202,
    )["id"]
    ids["grant_id"] = db.session.scalar(
        sa.select(Grant.id).where(Grant.account_id == a.account_ids[Role.COMMUNITY_ADMIN])
    )
    ids["check_id"] = _held_text(client, place, admin)
    last_year = _ok(
        client.post(
            f"/api/v1/cities/{place.city.id}/periods",
            json={"kind": "year", "starts_on": f"{year - 1}-01-01", "ends_on": f"{year - 1}-12-31"},
            headers=a.headers[Role.ORG_ADMIN],
        ),
        201,
    )["id"]
    ids["feedback_id"] = _ok(
        client.post(
            f"/api/v1/periods/{last_year}/unit-feedback",
            json={"unit_id": place.unit.id},
            headers=a.headers[Role.ORG_ADMIN],
        ),
        201,
    )["items"][0]["id"]
    ids["campaign_id"] = _ok(
        client.post(
            f"/api/v1/cities/{place.city.id}/campaigns",
            json={"name": "创城"},
            headers=a.headers[Role.ORG_ADMIN],
        ),
        201,
    )["id"]
    ids["detachment_id"] = _ok(
        client.post(
            f"/api/v1/cities/{place.city.id}/detachments",
            json={"name": "第一支队", "leader_member_id": a.member_id},
            headers=a.headers[Role.ORG_ADMIN],
        ),
        201,
    )["id"]
    _cobuilding(client, world)
    ids["ticket"] = "A" * 24  # no such console login ticket: every caller gets the same 404
    _rows(world)
    add_roster(place.city, place.unit, "王五", "13900000999")
    ids["roster_id"] = db.session.scalar(sa.select(sa.func.max(RosterEntry.id)))
    db.session.commit()
    return world


def _cobuilding(client: FlaskClient, world: World) -> None:
    """Scope A's unit reported in to its community (admitted), with an agreement, a project
    and a yearly report."""
    place, ids = world.a.place, world.ids
    unit_admin = world.a.headers[Role.UNIT_ADMIN]
    ids["party_org_id"] = make_party_org(place.unit, "矩阵单位党委", "committee").id
    report_in = _ok(
        client.post(
            "/api/v1/unit-report-ins",
            json={
                "unit_id": place.unit.id,
                "party_org_id": ids["party_org_id"],
                "community_id": place.community.id,
            },
            headers=unit_admin,
        ),
        201,
    )["id"]
    approve = f"/api/v1/unit-report-ins/{report_in}/approve"
    _ok(client.post(approve, json={}, headers=world.a.headers[Role.COMMUNITY_ADMIN]))
    ids["unit_report_in_id"] = report_in
    agreement = f"/api/v1/unit-report-ins/{report_in}/agreement"
    _ok(client.put(agreement, json=agreement_body(ids), headers=unit_admin))
    project = f"/api/v1/unit-report-ins/{report_in}/projects"
    ids["unit_project_id"] = _ok(
        client.post(project, json=project_body(ids), headers=unit_admin), 201
    )["id"]
    yearly = f"/api/v1/units/{place.unit.id}/yearly-reports"
    ids["yearly_report_id"] = _ok(
        client.post(yearly, json=yearly_report_body(ids), headers=unit_admin), 201
    )["id"]


def _held_text(client: FlaskClient, place: Any, admin: Headers) -> int:
    """A task whose text WeChat's check holds for a person (the fake's review keyword)."""
    task_id = post_task(client, admin, place.community, title=f"{TEXT_REVIEW}的活动")
    post_shift(client, admin, task_id)
    held = _ok(client.post(f"/api/v1/tasks/{task_id}/publish", headers=admin))
    check_id: int = held["content_check"]["id"]
    return check_id


def _call_up(client: FlaskClient, world: World) -> None:
    place, street_admin = world.a.place, world.a.headers[Role.STREET_ADMIN]
    day = clock.today() + timedelta(days=5)
    shift = day_shift(client, street_admin, place.community, day, visibility="street")
    body = _ok(
        client.post(
            "/api/v1/call-ups",
            json={
                "area_id": place.street.id,
                "title": "文明城市迎检",
                "day": day.isoformat(),
                "posts": [{"shift_id": shift, "places": 2}],
            },
            headers=street_admin,
        ),
        201,
    )
    world.ids["call_up_id"] = body["id"]
    world.ids["post_id"] = body["posts"][0]["id"]
    assigned = _ok(
        client.post(
            f"/api/v1/call-ups/{body['id']}/assignments",
            json={"post_id": body["posts"][0]["id"], "member_id": world.a.member_id},
            headers=street_admin,
        ),
        201,
    )
    world.ids["assignment_id"] = assigned["id"]


def _rows(world: World) -> None:
    """Objects no API makes on demand: an anomaly, an export, an import batch."""
    place, ids = world.a.place, world.ids
    anomaly = Anomaly(
        kind=AnomalyKind.HAND_RECORDED,
        subject=f"record:{ids['record_id']}",
        area_id=place.community.id,
        area_path=place.community.path,
        member_id=world.a.member_id,
        day=clock.today(),
        summary="手工补录",
    )
    export = Export(requested_by_id=world.a.account_ids[Role.ORG_ADMIN], kind="records", filters={})
    batch = ImportBatch(
        kind=ImportKind.UNITS,
        city_id=place.city.id,
        filename="units.csv",
        status=ImportStatus.REJECTED,
    )
    db.session.add_all([anomaly, export, batch])
    db.session.flush()
    ids.update(anomaly_id=anomaly.id, export_id=export.id, batch_id=batch.id)


def fingerprint() -> dict[str, str]:
    """A digest of every table but the security log (which refusals append to): a refused
    call must leave every one unchanged."""
    digests = {}
    for table in Base.metadata.sorted_tables:
        if table.name == SecurityEvent.__tablename__:
            continue
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def security_events_since(last_id: int) -> list[SecurityEvent]:
    return list(
        db.session.scalars(
            sa.select(SecurityEvent).where(SecurityEvent.id > last_id).order_by(SecurityEvent.id)
        )
    )


def last_event_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(SecurityEvent.id))) or 0
