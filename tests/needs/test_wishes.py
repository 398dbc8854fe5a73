"""A resident's 微心愿 / 诉求: submitted by any account (with a photo), answered by the
community on a working-day deadline, told at each step, rated once done."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import TEXT_RISKY, FakeWeChat
from sunshine.hours.models import Holiday
from sunshine.needs.models import Need, NeedPhoto
from sunshine.org.models import AreaLevel
from tests.builders import City, add_area, count, image_bytes, make_account, token_for
from tests.steps import login_as

Headers = dict[str, str]


def submit(client: FlaskClient, headers: Headers, community: int, **fields: Any) -> Any:
    data: dict[str, Any] = {
        "community_id": str(community),
        "kind": "wish",
        "content": "想给孩子找个周末辅导作业的志愿者",
    }
    data.update(fields)
    return client.post(
        "/api/v1/me/needs", data=data, content_type="multipart/form-data", headers=headers
    )


def resident() -> Headers:
    """A plain WeChat account: no member registration, no role."""
    return token_for(make_account().id)


def inbox(client: FlaskClient, headers: Headers) -> list[tuple[str, str]]:
    items = client.get("/api/v1/me/messages", headers=headers).json["items"]
    return [(m["event"], m["body"]) for m in items if m["event"].startswith("need_")]


def test_a_resident_submits_a_wish_with_a_photo_and_follows_it(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, secretary_headers = secretary
    grid = add_area(place.community, AreaLevel.GRID)
    me = resident()
    photo = image_bytes("JPEG", (32, 24))
    sent = submit(
        client,
        me,
        place.community.id,
        grid_id=str(grid.id),
        resident_contact="张女士 13900002222",
        photo=(io.BytesIO(photo), "IMG_0001.heic"),  # the name says nothing: the bytes do
    )
    assert sent.status_code == 201, sent.json
    wish = sent.json
    assert (wish["status"], wish["kind"], wish["grid"]["id"]) == ("submitted", "wish", grid.id)
    assert wish["answer_due_at"] is not None and wish["completion_due_at"] is None
    assert (wish["overdue_answer"], wish["overdue_completion"]) == (False, False)
    assert db.session.get(Need, wish["id"]).area_path == grid.path  # grid grants see it

    mine = client.get("/api/v1/me/needs", headers=me).json["items"]
    assert [(n["id"], n["status"]) for n in mine] == [(wish["id"], "submitted")]
    url = f"/api/v1/needs/{wish['id']}/photos/{wish['photo_ids'][0]}"
    for headers in (me, secretary_headers):
        got = client.get(url, headers=headers)
        assert got.status_code == 200 and got.data == photo
        assert got.mimetype == "image/jpeg"
        assert got.headers["X-Content-Type-Options"] == "nosniff"

    # The community sees it, with the contact, in its list of submissions to answer.
    listed = client.get("/api/v1/needs?status=submitted", headers=secretary_headers).json
    assert [(n["id"], n["resident_contact"]) for n in listed["items"]] == [
        (wish["id"], "张女士 13900002222")
    ]
    accepted = client.post(f"/api/v1/needs/{wish['id']}/accept", headers=secretary_headers)
    assert accepted.status_code == 200 and accepted.json["status"] == "open"
    assert accepted.json["completion_due_at"] is not None
    again = client.post(f"/api/v1/needs/{wish['id']}/accept", headers=secretary_headers)
    assert again.status_code == 409 and again.json["code"] == "need.answered"
    assert client.get(f"/api/v1/me/needs/{wish['id']}", headers=me).json["status"] == "open"
    assert inbox(client, me)[0][0] == "need_answered"
    assert "已受理" in inbox(client, me)[0][1]


def test_a_declined_request_tells_the_resident_why(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, secretary_headers = secretary
    me = resident()
    need_id = submit(client, me, place.community.id, kind="request", content="小区路灯坏了").json[
        "id"
    ]
    no_reason = client.post(f"/api/v1/needs/{need_id}/decline", json={}, headers=secretary_headers)
    assert no_reason.status_code == 422 and "reason" in no_reason.json["fields"]
    blank = client.post(
        f"/api/v1/needs/{need_id}/decline", json={"reason": "  "}, headers=secretary_headers
    )
    assert blank.status_code == 422
    assert client.get(f"/api/v1/me/needs/{need_id}", headers=me).json["status"] == "submitted"

    declined = client.post(
        f"/api/v1/needs/{need_id}/decline",
        json={"reason": "路灯属物业维修，已转告物业"},
        headers=secretary_headers,
    )
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    seen = client.get(f"/api/v1/me/needs/{need_id}", headers=me).json
    assert (seen["status"], seen["decline_reason"]) == ("declined", "路灯属物业维修，已转告物业")
    assert seen["overdue_completion"] is False
    ((event, body),) = inbox(client, me)
    assert event == "need_answered" and "原因：路灯属物业维修" in body
    late = client.post(f"/api/v1/needs/{need_id}/accept", headers=secretary_headers)
    assert late.status_code == 409 and late.json["code"] == "need.answered"


def _tiny(kind: str) -> bytes:
    return image_bytes(kind)


@pytest.mark.parametrize(
    ("fields", "status", "code", "field"),
    [
        ({"community_id": "999999999"}, 404, "area.not_found", None),
        ({"content": ""}, 422, "request.invalid", "content"),
        ({"content": "   "}, 422, "request.invalid", "content"),
        ({"content": "长" * 501}, 422, "request.invalid", "content"),
        ({"content": f"内容{TEXT_RISKY}"}, 422, "content.risky", "content"),
        ({"kind": "gift"}, 422, "request.invalid", "kind"),
        (
            {"photo": (io.BytesIO(b"%PDF-1.4 not an image"), "a.jpg")},
            422,
            "need.photo_invalid",
            "photo",
        ),
        (
            {"photo": (io.BytesIO(b"GIF89a" + b"\0" * 30), "a.png")},
            422,
            "need.photo_invalid",
            "photo",
        ),
        ({"photo": (io.BytesIO(_tiny("PNG")[:40]), "cut.png")}, 422, "need.photo_invalid", "photo"),
    ],
)
def test_bad_submissions_write_nothing(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    city: City,
    fields: dict[str, Any],
    status: int,
    code: str,
    field: str | None,
) -> None:
    before = count(Need), count(NeedPhoto)
    answer = submit(client, resident(), city.community.id, **fields)
    assert answer.status_code == status, answer.json
    assert answer.json["code"] == code
    if field is not None:
        assert field in answer.json["fields"]
    assert (count(Need), count(NeedPhoto)) == before


def test_the_place_must_be_a_community_and_its_own_grid(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    me = resident()
    street = submit(client, me, city.street.id)
    assert street.status_code == 422 and street.json["code"] == "area.wrong_level"
    foreign_grid = add_area(city.other_community, AreaLevel.GRID)
    for grid_id in (foreign_grid.id, city.community.id, 999_999_999):
        wrong = submit(client, me, city.community.id, grid_id=str(grid_id))
        assert wrong.status_code == 422 and wrong.json["code"] == "need.grid_invalid"
    assert count(Need) == 0


def test_a_photo_over_the_limit_is_refused(
    app: Any,
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    city: City,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "NEED_PHOTO_MAX_BYTES", 500)
    big = image_bytes("PNG", (300, 300))
    assert len(big) > 500
    answer = submit(client, resident(), city.community.id, photo=(io.BytesIO(big), "big.png"))
    assert answer.status_code == 422 and answer.json["code"] == "need.photo_too_large"
    ok = submit(
        client, resident(), city.community.id, photo=(io.BytesIO(image_bytes("WEBP")), "a.webp")
    )
    assert ok.status_code == 201, ok.json
    assert db.session.get(NeedPhoto, ok.json["photo_ids"][0]).content_type == "image/webp"
    assert count(Need) == 1


def test_others_cannot_read_a_residents_need_or_its_photo(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, _ = secretary
    me, someone = resident(), resident()
    wish = submit(
        client, me, place.community.id, photo=(io.BytesIO(image_bytes("PNG")), "p.png")
    ).json
    photo_url = f"/api/v1/needs/{wish['id']}/photos/{wish['photo_ids'][0]}"
    _, neighbour = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    for headers in (someone, neighbour):
        for url in (f"/api/v1/me/needs/{wish['id']}", photo_url):
            refused = client.get(url, headers=headers)
            assert refused.status_code == 404 and refused.json["code"] == "need.not_found"
    refused = client.get(f"/api/v1/needs/{wish['id']}", headers=neighbour)
    assert refused.status_code == 404 and refused.json["code"] == "need.not_found"
    for action in ("accept", "decline"):
        refused = client.post(
            f"/api/v1/needs/{wish['id']}/{action}", json={"reason": "x"}, headers=neighbour
        )
        assert refused.status_code == 404 and refused.json["code"] == "need.not_found"
    assert client.get("/api/v1/me/needs", headers=someone).json["items"] == []
    assert client.get(f"/api/v1/needs/{wish['id']}/photos/999999", headers=me).status_code == 404
    plain = client.post(f"/api/v1/needs/{wish['id']}/accept", headers=someone)
    assert plain.status_code == 403  # no admin role anywhere


def _done_wish(client: FlaskClient, me: Headers, place: City, secretary_headers: Headers) -> int:
    need_id: int = submit(client, me, place.community.id).json["id"]
    client.post(f"/api/v1/needs/{need_id}/accept", headers=secretary_headers)
    done = client.patch(
        f"/api/v1/needs/{need_id}", json={"status": "done"}, headers=secretary_headers
    )
    assert done.status_code == 200
    return need_id


def test_rating_once_by_the_submitter_once_done(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, secretary_headers = secretary
    me = resident()
    open_id = submit(client, me, place.community.id).json["id"]
    early = client.post(
        f"/api/v1/me/needs/{open_id}/rating", json={"rating": "satisfied"}, headers=me
    )
    assert early.status_code == 409 and early.json["code"] == "need.not_done"

    need_id = _done_wish(client, me, place, secretary_headers)
    assert [e for e, _ in inbox(client, me)].count("need_done") == 1
    other = client.post(
        f"/api/v1/me/needs/{need_id}/rating", json={"rating": "dissatisfied"}, headers=resident()
    )
    assert other.status_code == 404 and other.json["code"] == "need.not_found"
    bad = client.post(f"/api/v1/me/needs/{need_id}/rating", json={"rating": "ok"}, headers=me)
    assert bad.status_code == 422
    risky = client.post(
        f"/api/v1/me/needs/{need_id}/rating",
        json={"rating": "satisfied", "comment": f"很好{TEXT_RISKY}"},
        headers=me,
    )
    assert risky.status_code == 422 and risky.json["code"] == "content.risky"
    rated = client.post(
        f"/api/v1/me/needs/{need_id}/rating",
        json={"rating": "fairly_satisfied", "comment": "来得很及时"},
        headers=me,
    )
    assert rated.status_code == 201, rated.json
    assert (rated.json["rating"], rated.json["rating_comment"]) == (
        "fairly_satisfied",
        "来得很及时",
    )
    twice = client.post(
        f"/api/v1/me/needs/{need_id}/rating", json={"rating": "satisfied"}, headers=me
    )
    assert twice.status_code == 409 and twice.json["code"] == "need.already_rated"
    assert db.session.get(Need, need_id).rating.value == "fairly_satisfied"


def test_deadlines_count_working_days_and_overdue_is_flagged_and_filtered(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    place, secretary_headers = secretary
    me = resident()
    # Submitted on Wednesday 2026-09-30 (Shanghai); 10-01 is a holiday, 10-03/04 a weekend:
    # the three working days are 10-02 (Fri), 10-05 and 10-06: due at the end of 10-06.
    db.session.add(Holiday(day=date(2026, 10, 1), workday=False, name="国庆节"))
    db.session.commit()
    submitted_at = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    monkeypatch.setattr("sunshine.clock.now", lambda: submitted_at)
    need_id = submit(client, me, place.community.id).json["id"]
    monkeypatch.undo()
    need = db.session.get(Need, need_id)
    assert need.answer_due_at == datetime(2026, 10, 6, 16, 0, tzinfo=UTC)  # 10-07 00:00 +08

    fresh_id = submit(client, me, place.community.id).json["id"]
    overdue = client.get("/api/v1/needs?overdue=true", headers=secretary_headers).json["items"]
    assert [(n["id"], n["overdue_answer"]) for n in overdue] == [(need_id, True)]
    on_time = client.get("/api/v1/needs?overdue=false", headers=secretary_headers).json["items"]
    assert [n["id"] for n in on_time] == [fresh_id]

    # Accepted late, then its completion deadline passes too.
    client.post(f"/api/v1/needs/{need_id}/accept", headers=secretary_headers)
    db.session.execute(
        update(Need)
        .where(Need.id == need_id)
        .values(completion_due_at=datetime(2026, 10, 20, tzinfo=UTC))
    )
    db.session.commit()
    seen = client.get(f"/api/v1/me/needs/{need_id}", headers=me).json
    assert (seen["overdue_answer"], seen["overdue_completion"]) == (True, True)


def test_the_deadlines_are_configured_per_kind(
    app: Any,
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    place, secretary_headers = secretary
    deadlines = {"wish": {"answer": 3, "complete": 15}, "request": {"answer": 1, "complete": 2}}
    monkeypatch.setitem(app.config, "NEED_DEADLINES", deadlines)
    submitted_at = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
    monkeypatch.setattr("sunshine.clock.now", lambda: submitted_at)
    wish = submit(client, resident(), place.community.id, kind="wish").json
    request = submit(client, resident(), place.community.id, kind="request").json
    accepted = client.post(f"/api/v1/needs/{request['id']}/accept", headers=secretary_headers)
    monkeypatch.setattr("sunshine.clock.now", lambda: datetime.now(UTC))
    assert wish["answer_due_at"] == "2026-11-05T16:00:00+00:00"  # the end of Thursday
    assert request["answer_due_at"] == "2026-11-03T16:00:00+00:00"  # the end of Tuesday
    assert accepted.json["completion_due_at"] == "2026-11-04T16:00:00+00:00"
