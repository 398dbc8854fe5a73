"""A city whose members' compliance is known by hand, for the compliance tests.

Two streets: ``S1`` (``place.street``: communities ``C1`` = ``place.community`` and ``C2`` =
``place.other_community``) and ``S2`` (community ``C3``). Two work units: ``U1`` =
``place.unit`` (party organisation ``P1``) and ``U2``. Records are made on shifts of one task
of ``C1`` and confirmed, adjusted, voided or rejected through the API by ``C1``'s secretary,
so ``credited_minutes`` follows the ledger as in production. The year period is this year's;
the city's rule asks 2 services and 240 minutes.

| member | placed | unit | report-in | services in the year (minutes credited) | status |
|---|---|---|---|---|---|
| a | C1 | U1, P1 | active | 120, 120, 120 (+ 600 dated last year) | compliant: 3, 360 |
| b | C1 | U1, P1 | active | 180 | behind: 1, 180 |
| c | C1 | U1 | active | one pending (120), one rejected | zero: 0, 0 |
| d | C1 | U1 | none | — | not_reported |
| e | C1 | U1 | active | 120, 120 adjusted −30, one voided (200) | behind: 2, 210 |
| f | C2 | U2 | active | 150, 150 | compliant: 2, 300 |
| g | C3 | U2 | active | 100, 100 | behind: 2, 200 |
| h | C3 | U2 | active | 100, 100, 100 | compliant: 3, 300 |
| i | C3 | U2 | ended last year | — | not_reported |
| j | C3 | U2 | ended in March this year | 240 | behind: 1, 240 |
| p | C1 | U1 | active, but pending verification | 120 | not counted |

Consent to unit feedback (kept by the API as the member gives it): a and b gave it; c gave
it and withdrew; d and e never gave it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member
from sunshine.org.models import Area, AreaLevel, PartyOrg, WorkUnit
from sunshine.reportin.models import EndKind, ReportIn, ReportInStatus
from tests.builders import (
    City,
    add_area,
    add_member,
    add_secretary,
    add_service_record,
    add_shifts,
    add_unit,
    grant,
    make_city,
    make_party_org,
    publish_notice,
    token_for,
)
from tests.steps import login_as, published_shift

Headers = dict[str, str]
CITY_RULE = {"min_services": 2, "min_minutes": 240}


@dataclass
class World:
    client: FlaskClient
    fake: FakeWeChat
    place: City
    s2: Area
    c3: Area
    u2: WorkUnit
    p1: PartyOrg
    org_admin: Headers
    secretary: Headers
    task_id: int
    notice: str
    year: int
    period_id: int = 0
    members: dict[str, int] = field(default_factory=dict)
    headers: dict[str, Headers] = field(default_factory=dict)
    _phones: Any = field(default_factory=lambda: iter(range(13800000000, 13900000000)))

    # Ids -------------------------------------------------------------------------------------

    @property
    def s1(self) -> Area:
        return self.place.street

    @property
    def c1(self) -> Area:
        return self.place.community

    @property
    def c2(self) -> Area:
        return self.place.other_community

    @property
    def u1(self) -> WorkUnit:
        return self.place.unit

    def admin(self, role: Role, scope: Any = None, also: tuple[Role, Any] | None = None) -> Headers:
        """A new account holding ``role`` on ``scope`` (and ``also`` another grant): headers."""
        account, headers = login_as(self.client, self.fake, role, scope)
        if also is not None:
            grant(account, *also)
        return headers

    # Rows ------------------------------------------------------------------------------------

    def member(
        self,
        label: str,
        community: Area,
        unit: WorkUnit,
        *,
        report_in: str | None = "active",
        ended_at: datetime | None = None,
        verified: bool = True,
        party_org: PartyOrg | None = None,
    ) -> int:
        member_id = add_member(
            name=f"党员{label}",
            phone=str(next(self._phones)),
            unit=unit,
            residence=community,
            verified=verified,
            notice_version=self.notice,
        )
        member = db.session.get_one(Member, member_id)
        member.party_org_id = party_org.id if party_org else None
        if report_in is not None:
            db.session.add(
                ReportIn(
                    member_id=member_id,
                    community_id=community.id,
                    status=ReportInStatus(report_in),
                    requested_at=datetime(self.year - 1, 6, 1, tzinfo=UTC),
                    ended_at=ended_at,
                    end_kind=EndKind.MEMBER_WITHDREW if ended_at else None,
                )
            )
        db.session.commit()
        self.members[label] = member_id
        self.headers[label] = token_for(member.account_id)
        return member_id

    def serve(self, label: str, day: date, minutes: int, then: str = "confirm") -> int:
        """A record of ``minutes`` on ``day`` (a new shift of the task), then confirmed (or
        left pending, rejected, voided after confirmation) through the API: its id."""
        record_id = self.record(label, day, minutes)
        if then == "reject":
            self.post(f"/service-records/{record_id}/reject", reason="未到岗")
        elif then != "pending":
            self.post(f"/service-records/{record_id}/confirm")
        if then == "void":
            self.post(f"/service-records/{record_id}/void", reason="重复登记")
        return record_id

    def record(self, label: str, day: date, minutes: int) -> int:
        """A pending record of ``minutes`` on ``day``, on a new shift of the task: its id."""
        (shift_id,) = add_shifts(self.task_id, 1)
        return add_service_record(self.members[label], shift_id, minutes=minutes, service_date=day)

    def confirm(self, *record_ids: int) -> None:
        self.post("/service-records/confirm", ids=list(record_ids))

    def adjust(self, record_id: int, minutes: int) -> None:
        self.post(f"/service-records/{record_id}/adjustments", minutes=minutes, reason="时长有误")

    def post(self, path: str, **body: Any) -> Any:
        response = self.client.post(f"/api/v1{path}", json=body, headers=self.secretary)
        assert response.status_code in (200, 201), response.json
        return response.json

    def consent(self, label: str, granted: bool) -> None:
        response = self.client.post(
            "/api/v1/me/consents",
            json={"kind": "unit_feedback", "granted": granted, "notice_version": self.notice},
            headers=self.headers[label],
        )
        assert response.status_code == 200, response.json

    # Requests --------------------------------------------------------------------------------

    def get(self, path: str, headers: Headers | None = None, **query: Any) -> Any:
        return self.client.get(
            f"/api/v1{path}", query_string=query, headers=headers or self.org_admin
        )

    def compliance(self, headers: Headers | None = None, **query: Any) -> Any:
        return self.get(f"/periods/{self.period_id}/compliance", headers, **query)

    def rows(self, headers: Headers | None = None, **query: Any) -> Any:
        return self.get(f"/periods/{self.period_id}/compliance/members", headers, **query)

    def ok(self, response: Any) -> Any:
        assert response.status_code == 200, response.json
        return response.json

    def label_of(self, member_id: int) -> str:
        return next(label for label, mid in self.members.items() if mid == member_id)

    def statuses(self, headers: Headers | None = None, **query: Any) -> dict[str, str]:
        """Every listed member's status by label (all pages)."""
        found: dict[str, str] = {}
        cursor = None
        while True:
            extra = {"cursor": cursor} if cursor else {}
            page = self.ok(self.rows(headers, limit=100, **query, **extra))
            found.update({self.label_of(r["member_id"]): r["status"] for r in page["items"]})
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    def period(self, kind: str, starts_on: date, ends_on: date) -> int:
        response = self.client.post(
            f"/api/v1/cities/{self.place.city.id}/periods",
            json={"kind": kind, "starts_on": str(starts_on), "ends_on": str(ends_on)},
            headers=self.org_admin,
        )
        assert response.status_code == 201, response.json
        return int(response.json["id"])

    def rule(self, period_id: int, street: Area | None = None, **minimums: Any) -> None:
        path = f"/api/v1/periods/{period_id}"
        path += f"/streets/{street.id}/requirement" if street else "/requirement"
        response = self.client.put(path, json=minimums, headers=self.org_admin)
        assert response.status_code == 200, response.json


def build_world(client: FlaskClient, fake: FakeWeChat) -> World:
    place = make_city()
    s2 = add_area(place.city, AreaLevel.STREET)
    c3 = add_area(s2, AreaLevel.COMMUNITY)
    u2 = add_unit(place.city)
    p1 = make_party_org(place.unit, "第一党支部")
    _, org_admin = login_as(client, fake, Role.ORG_ADMIN, place.city)
    task_id, _ = published_shift(client, org_admin, place.community, visibility="city")
    year = clock.today().year
    world = World(
        client=client,
        fake=fake,
        place=place,
        s2=s2,
        c3=c3,
        u2=u2,
        p1=p1,
        org_admin=org_admin,
        secretary=token_for(add_secretary(place)),
        task_id=task_id,
        notice=publish_notice(f"c{year}.{place.city.id}"),
        year=year,
    )
    world.period_id = world.period("year", date(year, 1, 1), date(year, 12, 31))
    world.rule(world.period_id, **CITY_RULE)
    _people(world)
    return world


def _people(w: World) -> None:
    y = w.year
    w.member("a", w.c1, w.u1, party_org=w.p1)
    w.member("b", w.c1, w.u1, party_org=w.p1)
    w.member("c", w.c1, w.u1)
    w.member("d", w.c1, w.u1, report_in=None)
    w.member("e", w.c1, w.u1)
    w.member("f", w.c2, w.u2)
    w.member("g", w.c3, w.u2)
    w.member("h", w.c3, w.u2)
    w.member("i", w.c3, w.u2, report_in="ended", ended_at=datetime(y - 1, 12, 1, tzinfo=UTC))
    w.member("j", w.c3, w.u2, report_in="ended", ended_at=datetime(y, 3, 15, tzinfo=UTC))
    w.member("p", w.c1, w.u1, verified=False)
    served = [
        *(("a", date(y, month, 10), 120) for month in (1, 2, 3)),
        ("a", date(y - 1, 12, 31), 600),  # last year: not this period's
        ("b", date(y, 1, 1), 180),
        ("e", date(y, 4, 1), 120),
        ("f", date(y, 5, 1), 150),
        ("f", date(y, 5, 2), 150),
        ("g", date(y, 6, 1), 100),
        ("g", date(y, 6, 2), 100),
        *(("h", date(y, 2, day), 100) for day in (1, 2, 3)),
        ("j", date(y, 3, 1), 240),
        ("p", date(y, 3, 1), 120),
    ]
    adjusted, voided = w.record("e", date(y, 4, 2), 120), w.record("e", date(y, 4, 3), 200)
    w.confirm(*(w.record(*row) for row in served), adjusted, voided)
    w.adjust(adjusted, -30)
    w.post(f"/service-records/{voided}/void", reason="重复登记")
    w.record("c", date(y, 2, 1), 120)  # pending
    w.serve("c", date(y, 2, 2), 120, then="reject")
    for label in ("a", "b", "c"):
        w.consent(label, True)
    w.consent("c", False)


def member_ids(w: World, *labels: str) -> list[int]:
    return [w.members[label] for label in labels]


def select_member(member_id: int) -> Member:
    member = db.session.scalar(select(Member).where(Member.id == member_id))
    assert member is not None
    return member
