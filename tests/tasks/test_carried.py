"""What a shift carries of its task (visible prefix, status, kind, category, area path) stays
in step through every write: the API, ORM writes that no service made, new shifts, and a copy
changed by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.tasks.models import (
    Shift,
    ShiftStatus,
    Task,
    TaskCategory,
    TaskKind,
    TaskStatus,
    Visibility,
    carried,
)
from tests.builders import City, make_city
from tests.steps import login_as, post_shift, post_task, publish

CARRIED = ("scope_path", "task_status", "task_kind", "task_category_id", "task_area_path")


def _rows(task_id: int) -> list[dict[str, Any]]:
    """The task's shifts as stored (plain SQL, not the session's copies)."""
    columns = [Shift.__table__.c[name] for name in CARRIED]
    query = select(*columns).where(Shift.__table__.c.task_id == task_id)
    return [dict(row._mapping) for row in db.session.execute(query)]


def _task(task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    assert task is not None
    return task


def _assert_in_step(task_id: int, **expected: Any) -> None:
    task = _task(task_id)
    rows = _rows(task_id)
    assert rows and all(row == carried(task) for row in rows)
    assert all(row[key] == value for row in rows for key, value in expected.items())


def _categories() -> list[int]:
    ids = db.session.scalars(
        select(TaskCategory.id).where(TaskCategory.active).order_by(TaskCategory.id).limit(2)
    ).all()
    assert len(ids) == 2
    return list(ids)


def _draft_with_shifts(client: FlaskClient, fake: FakeWeChat) -> tuple[City, dict[str, str], int]:
    place = make_city()
    _, admin = login_as(client, fake, Role.COMMUNITY_ADMIN, place.community)
    task_id = post_task(client, admin, place.community, kind="activity")
    post_shift(client, admin, task_id)
    post_shift(client, admin, task_id)
    return place, admin, task_id


def test_publish_edit_and_cancel_through_the_api_reach_every_shift(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place, admin, task_id = _draft_with_shifts(client, fake_wechat)
    _assert_in_step(task_id, task_status="draft", scope_path=place.community.path)

    publish(client, admin, task_id)
    _assert_in_step(task_id, task_status="published")

    _, other = _categories()
    response = client.patch(
        f"/api/v1/tasks/{task_id}",
        json={"kind": "post", "category_id": other, "visibility": "city"},
        headers=admin,
    )
    assert response.status_code == 200, response.json
    _assert_in_step(task_id, task_kind="post", task_category_id=other, scope_path=place.city.path)

    response = client.post(
        f"/api/v1/tasks/{task_id}/cancel", json={"reason": "天气原因"}, headers=admin
    )
    assert response.status_code == 200, response.json
    _assert_in_step(task_id, task_status="cancelled")


@pytest.mark.parametrize("change", ["status", "kind", "category", "category_id", "area", "scope"])
def test_an_orm_write_to_the_task_reaches_its_shifts_and_their_loaded_copies(
    client: FlaskClient, fake_wechat: FakeWeChat, change: str
) -> None:
    place, _, task_id = _draft_with_shifts(client, fake_wechat)
    task = _task(task_id)
    loaded = list(task.shifts)  # copies the session already holds
    before = _rows(task_id)[0]
    first, second = _categories()
    other = second if task.category_id == first else first
    if change == "status":
        task.status = TaskStatus.CANCELLED
    elif change == "kind":
        task.kind = TaskKind.WISH
    elif change == "category":
        category = db.session.get(TaskCategory, other)
        assert category is not None
        task.category = category
    elif change == "category_id":
        task.category_id = other
    elif change == "area":
        task.area, task.area_path = place.other_community, place.other_community.path
    else:
        task.visibility = Visibility.STREET
    db.session.flush()

    _assert_in_step(task_id)
    assert _rows(task_id)[0] != before
    assert all({key: getattr(shift, key) for key in CARRIED} == carried(task) for shift in loaded)


def test_a_new_shift_takes_its_copies_from_its_task_however_it_is_built(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    _, admin, task_id = _draft_with_shifts(client, fake_wechat)
    publish(client, admin, task_id)
    first, _ = _categories()
    start = clock.now() + timedelta(days=5)
    times: dict[str, Any] = {
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "capacity": 3,
        "signup_deadline": start,
        "status": ShiftStatus.OPEN,
    }
    by_id = Shift(task_id=task_id, **times)  # the task not loaded through the shift
    db.session.add(by_id)
    db.session.commit()  # the task is expired: its row is read
    task = _task(task_id)
    area, area_path = task.area, task.area_path
    by_object = Shift(task=task, **times)
    db.session.add(by_object)
    fresh = Task(
        area=area,
        area_path=area_path,
        kind=TaskKind.WISH,
        category_id=first,
        title="新任务",
        content="新任务",
        address="社区",
        visibility=Visibility.STREET,
        contact_name="王书记",
        contact_phone="0358-7221234",
        status=TaskStatus.PUBLISHED,
    )
    db.session.add(Shift(task=fresh, **times))  # inserted in the same flush as its task
    db.session.flush()

    _assert_in_step(task_id, task_status="published")
    assert _rows(fresh.id) == [carried(fresh)]
    assert _rows(fresh.id)[0]["task_kind"] == "wish"


def test_a_copy_written_by_hand_is_put_back(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    _, _, task_id = _draft_with_shifts(client, fake_wechat)
    shift = _task(task_id).shifts[0]
    shift.task_status = TaskStatus.PUBLISHED
    shift.scope_path = "/elsewhere/"
    db.session.flush()
    _assert_in_step(task_id, task_status="draft")
