"""The content check over HTTP: a task's text is checked by WeChat (the fake) when published
or edited — pass shows it, risky is refused, review and WeChat outages hold it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.fake_wechat import TEXT_BUSY, TEXT_REVIEW, TEXT_RISKY, FakeWeChat
from sunshine.jobs.runner import run_due
from sunshine.moderation.models import ContentCheck
from sunshine.security.models import SecurityEvent
from sunshine.tasks.models import Task, TaskStatus
from tests.builders import City, count, make_city, reported_headers
from tests.steps import login_as, post_shift, post_task, publish

Headers = dict[str, str]
CHECK = "/wxa/msg_sec_check"


@pytest.fixture
def street_admin(client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]):
    place, _ = secretary
    return login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)[1]


def _draft(client: FlaskClient, headers: Headers, place: City, **text: str) -> int:
    task_id = post_task(client, headers, place.community, **text)
    post_shift(client, headers, task_id)
    return task_id


def _task(task_id: int) -> Task:
    db.session.expire_all()
    return db.session.get_one(Task, task_id)


def _member_sees(client: FlaskClient, member: Headers, task_id: int) -> bool:
    response = client.get(f"/api/v1/tasks/{task_id}", headers=member)
    assert response.status_code in (200, 404), response.json
    return response.status_code == 200


def _recheck() -> dict[str, int]:
    result = run_due(now=utcnow() + timedelta(hours=2), only="moderation.recheck")
    counts: dict[str, int] = result["moderation.recheck"]
    return counts


def test_passing_text_is_published_and_checked_as_v2_with_the_authors_openid(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    member = reported_headers(place, place.community)
    task_id = _draft(client, headers, place)

    response = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "published"
    assert response.json["content_check"]["status"] == "passed"
    assert response.json["content_check"]["held"] is False
    (body,) = fake_wechat.state.checked_texts
    check = db.session.get_one(ContentCheck, response.json["content_check"]["id"])
    assert (body["version"], body["scene"]) == (2, 3)
    assert body["openid"] == db.session.get_one(Account, check.author_id).openid
    assert "文明劝导" in body["content"] and "王书记" in body["content"]
    assert _member_sees(client, member, task_id)


def test_risky_text_is_refused_with_the_field_and_nothing_is_written(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = _draft(client, headers, place, title=f"{TEXT_RISKY}标题")

    response = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)

    assert (response.status_code, response.json["code"]) == (422, "content.risky")
    assert response.json["message"] == "内容含有违规信息，请修改后再提交"
    assert list(response.json["fields"]) == ["title"]
    assert _task(task_id).status == TaskStatus.DRAFT
    assert count(ContentCheck) == 0
    refused = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.action == "content.refused")
    ).all()
    assert [(e.object_type, e.object_id, e.outcome) for e in refused] == [
        ("task", str(task_id), "failure")
    ]


def test_review_text_is_held_invisible_until_a_street_admin_approves(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    street_admin: Headers,
) -> None:
    place, headers = secretary
    member = reported_headers(place, place.community)
    task_id = _draft(client, headers, place, content=f"需要{TEXT_REVIEW}的内容")

    held = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)

    assert held.status_code == 200, held.json
    assert held.json["status"] == "draft"
    check = held.json["content_check"]
    assert (check["status"], check["held"]) == ("review", True)
    assert check["message"] == "内容需要人工审核，审核通过后显示"
    assert not _member_sees(client, member, task_id)
    feed = client.get("/api/v1/me/feed", headers=member)
    assert feed.status_code == 200 and feed.json["items"] == []
    listed = client.get("/api/v1/content-checks", headers=street_admin)
    assert [(c["id"], c["subject"], c["subject_id"]) for c in listed.json["items"]] == [
        (check["id"], "task", task_id)
    ]
    assert listed.json["items"][0]["texts"]["content"] == f"需要{TEXT_REVIEW}的内容"

    approved = client.post(
        f"/api/v1/content-checks/{check['id']}/approve", json={}, headers=street_admin
    )

    assert (approved.status_code, approved.json["status"]) == (200, "approved")
    assert _task(task_id).status == TaskStatus.PUBLISHED
    assert _member_sees(client, member, task_id)
    assert len(client.get("/api/v1/me/feed", headers=member).json["items"]) == 1
    assert client.get("/api/v1/content-checks", headers=street_admin).json["items"] == []


def test_rejected_text_stays_a_draft_and_the_author_can_read_why(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    street_admin: Headers,
) -> None:
    place, headers = secretary
    task_id = _draft(client, headers, place, title=f"{TEXT_REVIEW}活动")
    check_id = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers).json[
        "content_check"
    ]["id"]

    rejected = client.post(
        f"/api/v1/content-checks/{check_id}/reject",
        json={"reason": "措辞不当"},
        headers=street_admin,
    )
    again = client.post(f"/api/v1/content-checks/{check_id}/approve", json={}, headers=street_admin)

    assert (rejected.status_code, rejected.json["decision_reason"]) == (200, "措辞不当")
    assert (again.status_code, again.json["code"]) == (409, "content_check.decided")
    assert _task(task_id).status == TaskStatus.DRAFT


def test_who_may_not_decide_held_text(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    street_author = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)[1]
    task_id = post_task(client, street_author, place.street, title=f"{TEXT_REVIEW}全街道活动")
    post_shift(client, street_author, task_id)
    check_id = client.post(f"/api/v1/tasks/{task_id}/publish", headers=street_author).json[
        "content_check"
    ]["id"]
    other = make_city("介休市")
    other_street = login_as(client, fake_wechat, Role.STREET_ADMIN, other.street)[1]
    url = f"/api/v1/content-checks/{check_id}/approve"

    own = client.post(url, json={}, headers=street_author)
    community = client.post(url, json={}, headers=headers)
    elsewhere = client.post(url, json={}, headers=other_street)
    listing = client.get("/api/v1/content-checks", headers=headers)
    missing = client.post("/api/v1/content-checks/999999/approve", json={}, headers=street_author)

    assert (own.status_code, own.json["code"]) == (403, "content_check.own")
    assert (community.status_code, community.json["code"]) == (403, "auth.forbidden")
    # another city's reviewer is answered as for an unknown id (docs/access.md)
    assert (elsewhere.status_code, elsewhere.json["code"]) == (404, "content_check.not_found")
    assert (listing.status_code, listing.json["code"]) == (403, "auth.forbidden")
    assert (missing.status_code, missing.json["code"]) == (404, "content_check.not_found")
    assert _task(task_id).status == TaskStatus.DRAFT


@pytest.mark.parametrize("fault", ["outage", "slow", "busy"])
def test_when_wechat_cannot_answer_the_text_waits_and_the_job_releases_it(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers], fault: str
) -> None:
    place, headers = secretary
    member = reported_headers(place, place.community)
    title = f"{TEXT_BUSY}时期的活动" if fault == "busy" else "文明劝导"
    task_id = _draft(client, headers, place, title=title)
    if fault == "outage":
        fake_wechat.outage(502)
    elif fault == "slow":
        fake_wechat.delay(4.0, CHECK)  # WECHAT_TIMEOUT is 3 s in tests

    held = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)

    assert held.status_code == 200, held.json
    assert held.json["status"] == "draft"
    assert (held.json["content_check"]["status"], held.json["content_check"]["held"]) == (
        "pending",
        True,
    )
    assert "暂时无法完成" in held.json["content_check"]["message"]
    assert not _member_sees(client, member, task_id)
    if fault == "busy":  # still busy: the job leaves it waiting
        assert _recheck()["deferred"] == 1
        assert _task(task_id).status == TaskStatus.DRAFT
        edited = client.patch(
            f"/api/v1/tasks/{task_id}", json={"title": "文明劝导"}, headers=headers
        )
        assert edited.status_code == 200, edited.json
        assert held_status(held.json["content_check"]["id"]) == "superseded"
        publish(client, headers, task_id)
    else:
        fake_wechat.reset()  # WeChat recovers
        assert _recheck()["passed"] == 1
    assert _task(task_id).status == TaskStatus.PUBLISHED
    assert _member_sees(client, member, task_id)


def held_status(check_id: int) -> str:
    db.session.expire_all()
    return db.session.get_one(ContentCheck, check_id).status.value


def test_the_job_finds_risky_text_and_never_shows_it(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = _draft(client, headers, place, content=f"{TEXT_RISKY}内容")
    fake_wechat.outage(502)
    check_id = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers).json[
        "content_check"
    ]["id"]
    fake_wechat.reset()

    assert _recheck()["refused"] == 1
    assert held_status(check_id) == "refused"
    assert _task(task_id).status == TaskStatus.DRAFT


def test_an_author_who_has_not_visited_lately_goes_to_a_person(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = _draft(client, headers, place)
    fake_wechat.outage(502)
    check_id = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers).json[
        "content_check"
    ]["id"]
    fake_wechat.reset()
    author = db.session.get_one(ContentCheck, check_id).author_id
    fake_wechat.forget_visit(db.session.get_one(Account, author).openid)

    assert _recheck()["review"] == 1
    assert held_status(check_id) == "review"
    assert _task(task_id).status == TaskStatus.DRAFT


def _published(client: FlaskClient, headers: Headers, place: City) -> int:
    task_id = _draft(client, headers, place)
    publish(client, headers, task_id)
    return task_id


def test_a_held_edit_of_a_published_task_keeps_the_old_text_until_approved(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    street_admin: Headers,
) -> None:
    place, headers = secretary
    member = reported_headers(place, place.community)
    task_id = _published(client, headers, place)

    edited = client.patch(
        f"/api/v1/tasks/{task_id}",
        json={"title": f"{TEXT_REVIEW}新标题", "checkin_radius_m": 300},
        headers=headers,
    )

    assert edited.status_code == 200, edited.json
    assert (edited.json["title"], edited.json["checkin_radius_m"]) == ("文明劝导", 300)
    assert edited.json["content_check"]["status"] == "review"
    seen = client.get(f"/api/v1/tasks/{task_id}", headers=member).json
    assert (seen["status"], seen["title"]) == ("published", "文明劝导")

    approved = client.post(
        f"/api/v1/content-checks/{edited.json['content_check']['id']}/approve",
        json={"reason": "已核实"},
        headers=street_admin,
    )

    assert approved.status_code == 200, approved.json
    assert client.get(f"/api/v1/tasks/{task_id}", headers=member).json["title"] == (
        f"{TEXT_REVIEW}新标题"
    )


def test_a_risky_edit_changes_nothing_and_a_passing_one_applies_at_once(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = _published(client, headers, place)

    risky = client.patch(
        f"/api/v1/tasks/{task_id}",
        json={"content": f"{TEXT_RISKY}内容", "checkin_radius_m": 300},
        headers=headers,
    )
    passing = client.patch(f"/api/v1/tasks/{task_id}", json={"address": "新地址"}, headers=headers)
    unchanged = client.patch(
        f"/api/v1/tasks/{task_id}", json={"address": "新地址"}, headers=headers
    )

    assert (risky.status_code, risky.json["code"]) == (422, "content.risky")
    assert list(risky.json["fields"]) == ["content"]
    task = _task(task_id)
    assert (task.content, task.checkin_radius_m, task.address) == ("路口文明劝导", 200, "新地址")
    assert passing.json["content_check"]["status"] == "passed"
    assert unchanged.json["content_check"] is None  # nothing new to check


def test_a_draft_is_not_checked_until_it_is_published(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = _draft(client, headers, place)

    edited = client.patch(f"/api/v1/tasks/{task_id}", json={"title": "新标题"}, headers=headers)

    assert (edited.status_code, edited.json["content_check"]) == (200, None)
    assert fake_wechat.calls_to(CHECK) == 0


def test_long_text_is_checked_in_parts_and_over_long_text_is_refused_before_wechat(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = _draft(client, headers, place, content="长" * 4000)

    too_long = client.patch(
        f"/api/v1/tasks/{task_id}", json={"content": "长" * 5001}, headers=headers
    )
    published = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)

    assert (too_long.status_code, too_long.json["code"]) == (422, "request.invalid")
    assert published.json["status"] == "published"
    parts = [len(body["content"]) for body in fake_wechat.state.checked_texts]
    assert len(parts) == 2 and max(parts) <= 2500


def test_the_author_follows_a_held_task_on_its_page_and_members_never_see_the_check(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    street_admin: Headers,
) -> None:
    place, headers = secretary
    member = reported_headers(place, place.community)
    task_id = _published(client, headers, place)
    edit = client.patch(f"/api/v1/tasks/{task_id}", json={"content": TEXT_REVIEW}, headers=headers)
    client.post(
        f"/api/v1/content-checks/{edit.json['content_check']['id']}/reject",
        json={"reason": "内容不清楚"},
        headers=street_admin,
    )

    page = client.get(f"/api/v1/tasks/{task_id}", headers=headers).json
    seen = client.get(f"/api/v1/tasks/{task_id}", headers=member).json

    assert (page["content_check"]["status"], page["content_check"]["held"]) == ("rejected", False)
    assert page["content_check"]["message"] == "内容未通过审核，请修改后重新提交"
    assert (seen["content_check"], seen["content"]) == (None, "路口文明劝导")


def test_a_second_edit_is_checked_with_the_one_still_held_and_a_revert_voids_it(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    street_admin: Headers,
) -> None:
    place, headers = secretary
    task_id = _published(client, headers, place)
    url = f"/api/v1/tasks/{task_id}"
    first = client.patch(url, json={"title": f"{TEXT_REVIEW}标题"}, headers=headers).json

    second = client.patch(url, json={"address": "新地址"}, headers=headers).json
    approved = client.post(
        f"/api/v1/content-checks/{second['content_check']['id']}/approve",
        json={},
        headers=street_admin,
    )

    assert held_status(first["content_check"]["id"]) == "superseded"
    assert (second["title"], second["address"]) == ("文明劝导", "府前街与崇文路口")
    assert approved.status_code == 200, approved.json
    task = _task(task_id)
    assert (task.title, task.address) == (f"{TEXT_REVIEW}标题", "新地址")

    third = client.patch(url, json={"content": f"{TEXT_REVIEW}内容"}, headers=headers).json
    reverted = client.patch(url, json={"content": "路口文明劝导"}, headers=headers)

    assert reverted.status_code == 200, reverted.json
    assert held_status(third["content_check"]["id"]) == "superseded"


def test_after_two_hours_of_wechat_failing_a_person_decides(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    task_id = _draft(client, headers, place)
    fake_wechat.outage(502)
    check_id = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers).json[
        "content_check"
    ]["id"]

    outcomes = []
    for hour in range(1, 9):  # backoff 1, 2, 4 … 60 minutes: each run an hour later
        moment = utcnow() + timedelta(hours=hour)
        outcomes.append(run_due(now=moment, only="moderation.recheck")["moderation.recheck"])

    assert [o["deferred"] for o in outcomes] == [1] * 6 + [0, 0]
    assert outcomes[6]["review"] == 1
    assert held_status(check_id) == "review"
    check = db.session.get_one(ContentCheck, check_id)
    assert (check.attempts, check.next_attempt_at) == (8, None)


def test_text_written_long_after_the_authors_last_visit_goes_to_a_person(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    account, headers = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    task_id = _draft(client, headers, place)
    fake_wechat.forget_visit(account.openid)  # e.g. a console session 3 hours after its scan

    held = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)

    assert (held.json["status"], held.json["content_check"]["status"]) == ("draft", "review")
    assert fake_wechat.state.checked_texts == []  # WeChat judged nothing
