"""Issue 17's "done when" for residents' wishes: a resident's wish is answered before its
deadline, served by a member as a wish task, completed and rated, and the community's
satisfaction rate shows it."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from flask.testing import FlaskClient

from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import AreaLevel
from tests.builders import City, add_area, image_bytes, make_account, reported_headers, token_for
from tests.conftest import Clock
from tests.steps import shift_body, task_body


def test_a_residents_wish_from_the_photo_to_the_satisfaction_rate(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    clock: Clock,
    secretary: tuple[City, dict[str, str]],
) -> None:
    place, secretary_headers = secretary
    grid = add_area(place.community, AreaLevel.GRID)
    resident = token_for(make_account().id)  # any WeChat account: not a party member

    # The resident asks, with a photo of the broken chair.
    photo = image_bytes("PNG", (40, 30))
    sent = client.post(
        "/api/v1/me/needs",
        data={
            "community_id": str(place.community.id),
            "grid_id": str(grid.id),
            "kind": "wish",
            "content": "家里的椅子腿断了，想请志愿者帮忙修一修",
            "photo": (io.BytesIO(photo), "chair.png"),
        },
        content_type="multipart/form-data",
        headers=resident,
    )
    assert sent.status_code == 201, sent.json
    need_id = sent.json["id"]
    photo_url = f"/api/v1/needs/{need_id}/photos/{sent.json['photo_ids'][0]}"
    assert client.get(photo_url, headers=secretary_headers).data == photo

    # The community answers within its three working days.
    accepted = client.post(f"/api/v1/needs/{need_id}/accept", headers=secretary_headers).json
    assert accepted["status"] == "open" and accepted["overdue_answer"] is False
    assert accepted["answered_at"] <= accepted["answer_due_at"]

    # … makes a wish task of it, with one shift, and publishes it.
    body = {k: v for k, v in task_body(place.community).items() if k not in ("area_id", "kind")}
    task = client.post(
        f"/api/v1/needs/{need_id}/task",
        json={**body, "title": "帮居民修椅子"},
        headers=secretary_headers,
    )
    assert task.status_code == 201 and task.json["kind"] == "wish"
    task_id = task.json["id"]
    shift = client.post(
        f"/api/v1/tasks/{task_id}/shifts", json=shift_body(), headers=secretary_headers
    )
    assert shift.status_code == 201, shift.json
    shift_id, starts_at = shift.json["id"], shift.json["starts_at"]
    published = client.post(f"/api/v1/tasks/{task_id}/publish", headers=secretary_headers)
    assert published.status_code == 200, published.json
    mine = client.get(f"/api/v1/me/needs/{need_id}", headers=resident).json
    assert mine["status"] == "in_progress"

    # A member of the community serves it: signs up, checks in and out with the code.
    member = reported_headers(place, place.community)
    signed = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=member)
    assert signed.status_code == 201, signed.json
    start = datetime.fromisoformat(starts_at)
    code_url = f"/api/v1/shifts/{shift_id}/checkin-code"
    clock.set(start - timedelta(minutes=5))
    code = client.get(code_url, headers=secretary_headers).json["code"]
    punched = client.post("/api/v1/punches", json={"code": code, "direction": "in"}, headers=member)
    assert punched.status_code == 201, punched.json
    clock.set(start + timedelta(minutes=100))
    code = client.get(code_url, headers=secretary_headers).json["code"]
    out = client.post("/api/v1/punches", json={"code": code, "direction": "out"}, headers=member)
    assert out.status_code == 201 and out.json["record"]["minutes"] > 0

    # The community closes the wish; the resident was told at each step, and rates it.
    done = client.patch(
        f"/api/v1/needs/{need_id}", json={"status": "done"}, headers=secretary_headers
    )
    assert done.status_code == 200 and done.json["overdue_completion"] is False
    told = [
        m["event"]
        for m in client.get("/api/v1/me/messages", headers=resident).json["items"]
        if m["event"].startswith("need_")
    ]
    assert sorted(told) == ["need_answered", "need_done", "need_started"]
    rated = client.post(
        f"/api/v1/me/needs/{need_id}/rating",
        json={"rating": "satisfied", "comment": "修得很结实，谢谢！"},
        headers=resident,
    )
    assert rated.status_code == 201, rated.json

    # The community's figures, and the street's with the community among its children.
    figures = client.get(
        f"/api/v1/needs/stats?area_id={place.community.id}", headers=secretary_headers
    ).json
    assert (figures["submitted"], figures["answered"], figures["done"]) == (1, 1, 1)
    assert (figures["satisfied"], figures["satisfaction_rate"]) == (1, 1.0)
    assert (figures["completion_rate"], figures["on_time_rate"]) == (1.0, 1.0)
    assert figures["response_hours_median"] is not None and figures["children"] == []
