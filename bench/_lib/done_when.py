"""Issue 17's done-when scenarios for ``bench/double_report.py``: each request through the
test client timed (``Run``) and each outcome checked (``check``, exit 1 when it fails)."""

from __future__ import annotations

import io
import time
from datetime import time as wall
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from _lib.report import log
from sunshine import clock
from sunshine.exports.jobs import run_exports
from sunshine.extensions import db
from sunshine.tasks.models import Signup


class Run:
    """Requests through the test client, each timed and its status checked."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.rows: list[tuple[str, str, float]] = []

    def call(
        self,
        scenario: str,
        step: str,
        method: str,
        url: str,
        who: dict[str, str],
        expect: int = 200,
        **kwargs: Any,
    ) -> Any:
        started = time.perf_counter()
        response = getattr(self.client, method)(f"/api/v1{url}", headers=who, **kwargs)
        self.rows.append((scenario, step, time.perf_counter() - started))
        if response.status_code != expect:
            raise SystemExit(
                f"{step}: {method.upper()} {url} answered {response.status_code}, "
                f"expected {expect}: {response.get_data()[:400]!r}"
            )
        return response.json if response.is_json else response.get_data()


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"check failed: {what}")
    log(f"ok: {what}")


def task_fields(d: dict[str, Any], title: str) -> dict[str, Any]:
    return {
        "category_id": d["category"],
        "title": title,
        "address": "府前街与崇文路口",
        "contact_name": "王书记",
        "contact_phone": "0358-7221234",
    }


def shift(days: int, hour: int, capacity: int) -> dict[str, Any]:
    starts = clock.at_local(clock.today() + timedelta(days=days), wall(hour, 0))
    ends = starts + timedelta(hours=2)
    return {"starts_at": starts.isoformat(), "ends_at": ends.isoformat(), "capacity": capacity}


def unit_reports_in(run: Run, d: dict[str, Any]) -> None:
    s, unit, community = "unit report-in", d["unit_admin"], d["target_admin"]
    made = run.call(
        s,
        "report in",
        "post",
        "/unit-report-ins",
        unit,
        201,
        json={"unit_id": d["unit"], "party_org_id": d["party_org"], "community_id": d["target"]},
    )
    rid = made["id"]
    run.call(s, "admit", "post", f"/unit-report-ins/{rid}/approve", community, json={})
    today = clock.today()
    run.call(
        s,
        "write the agreement",
        "put",
        f"/unit-report-ins/{rid}/agreement",
        unit,
        json={
            "starts_on": today.isoformat(),
            "ends_on": today.replace(year=today.year + 2).isoformat(),
            "text": "结对共建协议",
            "resources": [
                {"kind": "people", "name": "党员志愿者", "quantity": 20, "measure": "人"}
            ],
        },
    )
    run.call(s, "countersign", "post", f"/unit-report-ins/{rid}/agreement/countersign", community)
    project = run.call(
        s,
        "plan a project",
        "post",
        f"/unit-report-ins/{rid}/projects",
        unit,
        201,
        json={
            "title": "楼道环境整治",
            "description": "清理楼道杂物",
            "planned_from": today.isoformat(),
            "planned_to": (today + timedelta(days=30)).isoformat(),
        },
    )
    pid = project["id"]
    run.call(s, "start it", "post", f"/unit-projects/{pid}/start", unit)
    run.call(
        s,
        "send two members",
        "put",
        f"/unit-projects/{pid}/members",
        unit,
        json={"member_ids": d["unit_members"]},
    )
    run.call(s, "confirm it done", "post", f"/unit-projects/{pid}/done", community)
    done = run.call(s, "read the project", "get", f"/unit-projects/{pid}", unit)
    check(
        done["status"] == "done" and len(done["members"]) == 2,
        "the project is done with its two members",
    )


def wish_answered_and_rated(run: Run, d: dict[str, Any]) -> None:
    s, resident, community = "resident's wish", d["resident"], d["community"]
    stats = f"/needs/stats?area_id={d['first']}"
    before = run.call(s, "community's figures (before)", "get", stats, community)
    need = run.call(
        s,
        "submit a wish",
        "post",
        "/me/needs",
        resident,
        201,
        data={"community_id": str(d["first"]), "kind": "wish", "content": "想学用智能手机挂号"},
        content_type="multipart/form-data",
    )
    nid = need["id"]
    accepted = run.call(s, "accept", "post", f"/needs/{nid}/accept", community)
    check(
        accepted["answered_at"] < accepted["answer_due_at"] and not accepted["overdue_answer"],
        "the wish was answered before its due time",
    )
    run.call(
        s,
        "make a wish task",
        "post",
        f"/needs/{nid}/task",
        community,
        201,
        json={**task_fields(d, "微心愿：教老人用智能手机"), "visibility": "community"},
    )
    run.call(s, "close it done", "patch", f"/needs/{nid}", community, json={"status": "done"})
    run.call(
        s,
        "rate it 满意",
        "post",
        f"/me/needs/{nid}/rating",
        resident,
        201,
        json={"rating": "satisfied", "comment": "志愿者很耐心"},
    )
    after = run.call(s, "community's figures (after)", "get", stats, community)
    check(
        after["rated"] == before["rated"] + 1 and after["satisfied"] == before["satisfied"] + 1,
        f"the community's satisfaction counts it "
        f"({before['satisfaction_rate']} → {after['satisfaction_rate']})",
    )


def grid_task(run: Run, d: dict[str, Any], feeds: int) -> list[float]:
    s, liaison = "grid task", d["liaison"]
    task = run.call(
        s,
        "post a grid task",
        "post",
        "/tasks",
        liaison,
        201,
        json={
            **task_fields(d, "第1网格楼道清洁"),
            "area_id": d["grid"],
            "kind": "activity",
            "content": "清理楼道杂物",
            "visibility": "grid",
        },
    )
    run.call(
        s, "add a shift", "post", f"/tasks/{task['id']}/shifts", liaison, 201, json=shift(4, 9, 10)
    )
    run.call(s, "publish", "post", f"/tasks/{task['id']}/publish", liaison)
    times = []
    for _ in range(feeds):
        items = run.call(s, "grid member's feed", "get", "/me/feed?limit=20", d["grid_member"])[
            "items"
        ]
        times.append(run.rows[-1][2])
    check(task["id"] in {i["task"]["id"] for i in items}, "a member of the grid sees the task")
    other = run.call(s, "other grid's member's feed", "get", "/me/feed?limit=50", d["other_member"])
    check(
        task["id"] not in {i["task"]["id"] for i in other["items"]},
        "a member of another grid does not",
    )
    return times


def team_signup(run: Run, d: dict[str, Any]) -> None:
    s, leader = "detachment team signup", d["liaison"]  # the demo member leads the detachment
    task = run.call(
        s,
        "centre posts a city-wide task",
        "post",
        f"/bodies/{d['centre']}/tasks",
        d["centre_admin"],
        201,
        json={
            **task_fields(d, "文明实践志愿服务"),
            "kind": "activity",
            "content": "文明实践",
            "visibility": "city",
        },
    )
    shift_out = run.call(
        s,
        "a shift of 5 places",
        "post",
        f"/tasks/{task['id']}/shifts",
        d["centre_admin"],
        201,
        json=shift(25, 6, 5),
    )
    run.call(s, "publish", "post", f"/tasks/{task['id']}/publish", d["centre_admin"])
    sid, team, url = shift_out["id"], d["team"], f"/shifts/{shift_out['id']}/team-signups"

    def signups() -> int:
        return (
            db.session.scalar(
                select(func.count()).select_from(Signup).where(Signup.shift_id == sid)
            )
            or 0
        )

    refused = run.call(
        s,
        "six at once (refused)",
        "post",
        url,
        leader,
        409,
        json={"detachment_id": d["detachment"], "member_ids": team},
    )
    check(
        refused["code"] == "team_signup.too_many" and signups() == 0,
        "six for five places: 409, nothing written",
    )
    made = run.call(
        s,
        "five at once",
        "post",
        url,
        leader,
        201,
        json={"detachment_id": d["detachment"], "member_ids": team[:5]},
    )
    check(
        len(made["signups"]) == 5 and {x["status"] for x in made["signups"]} == {"confirmed"},
        "five signed up in one call, all confirmed",
    )
    sixth = run.call(
        s,
        "a sixth (refused)",
        "post",
        url,
        leader,
        409,
        json={"detachment_id": d["detachment"], "member_ids": team[5:]},
    )
    check(sixth["code"] == "team_signup.too_many" and signups() == 5, "a sixth: 409, still five")


def campaign_export(run: Run, app: Any, d: dict[str, Any]) -> float:
    s, org = "campaign export", d["org"]
    periods = run.call(s, "the city's periods", "get", f"/cities/{d['city']}/periods", org)["items"]
    # Of the two years the history spans, the one with more tagged service (this year's,
    # except early in January).
    pages = [
        (
            year,
            run.call(
                s,
                "compliance by 创城",
                "get",
                f"/periods/{year['id']}/compliance?campaign_id={d['campaign']}",
                org,
            )["total"],
        )
        for year in periods
        if year["kind"] == "year"
    ]
    year, page = max(pages, key=lambda pair: pair[1]["services"])
    export = run.call(
        s,
        "ask for the export",
        "post",
        "/exports",
        org,
        202,
        json={
            "kind": "compliance",
            "filters": {"period_id": year["id"], "campaign_id": d["campaign"]},
        },
    )
    started = time.perf_counter()
    with app.app_context():
        run_exports(clock.now())
    job = time.perf_counter() - started
    shown = run.call(s, "the export's state", "get", f"/exports/{export['id']}", org)
    check(shown["status"] == "done", "the job wrote the export")
    body = run.call(s, "download the xlsx", "get", f"/exports/{export['id']}/file", org)
    import openpyxl  # noqa: TID251  # reading the bench's output

    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    column = list(rows[0]).index("服务次数")
    services = sum(int(r[column] or 0) for r in rows[1:])
    check(
        len(rows) - 1 == page["members"] and services == page["services"] > 0,
        f"the sheet's {len(rows) - 1} members and {services} services are the page's",
    )
    return job
