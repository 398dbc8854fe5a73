"""The inbox (GET /me/messages, unread count, mark read) and the quota the mini-program reports."""

from __future__ import annotations

from sunshine.notify.events import Event
from sunshine.notify.models import SendStatus
from tests.notify.conftest import Scene, messages


def test_signup_writes_an_inbox_message_with_the_shift_in_shanghai_time(scene: Scene) -> None:
    _, _, member = scene.member()
    scene.sign_up(member)

    (item,) = scene.inbox(member)

    assert item["event"] == "signup_confirmed" and item["title"] == "报名成功"
    assert "文明劝导" in item["body"] and "年" in item["body"] and item["read_at"] is None
    assert item["page"] == f"pages/shift/index?id={scene.shift_id}"
    (row,) = messages(Event.SIGNUP_CONFIRMED)
    assert row.status == SendStatus.PENDING and row.template_id == "TPL_SHIFT"
    assert row.data is not None and row.data["phrase4"] == "报名成功"


def test_unread_count_and_mark_read(scene: Scene) -> None:
    _, _, member = scene.member()
    scene.sign_up(member)
    scene.client.post(
        f"/api/v1/shifts/{scene.shift_id}/cancel", json={"reason": "暴雨"}, headers=scene.secretary
    )
    count = scene.client.get("/api/v1/me/messages/unread-count", headers=member)
    assert count.status_code == 200 and count.json == {"unread": 2}
    newest, oldest = scene.inbox(member)

    marked = scene.client.post(
        "/api/v1/me/messages/read", json={"ids": [oldest["id"]]}, headers=member
    )

    assert marked.status_code == 200 and marked.json == {"marked": 1, "unread": 1}
    unread = scene.client.get("/api/v1/me/messages?unread=true", headers=member).json["items"]
    assert [m["id"] for m in unread] == [newest["id"]]
    everything = scene.client.post("/api/v1/me/messages/read", json={"all": True}, headers=member)
    assert everything.json == {"marked": 1, "unread": 0}


def test_inbox_pages_by_cursor_newest_first(scene: Scene) -> None:
    _, _, member = scene.member()
    scene.sign_up(member)
    scene.client.post(
        f"/api/v1/shifts/{scene.shift_id}/cancel", json={"reason": "暴雨"}, headers=scene.secretary
    )
    first = scene.client.get("/api/v1/me/messages?limit=1", headers=member).json
    second = scene.client.get(
        f"/api/v1/me/messages?limit=1&cursor={first['next_cursor']}", headers=member
    ).json
    assert first["items"][0]["event"] == "shift_cancelled"
    assert second["items"][0]["event"] == "signup_confirmed" and second["next_cursor"] is None


def test_another_members_messages_are_neither_listed_nor_marked(scene: Scene) -> None:
    _, _, member = scene.member()
    _, _, other = scene.member()
    scene.sign_up(member)
    (mine,) = scene.inbox(member)

    marked = scene.client.post(
        "/api/v1/me/messages/read", json={"ids": [mine["id"]]}, headers=other
    )

    assert marked.json == {"marked": 0, "unread": 0}
    assert scene.inbox(other) == []
    assert scene.inbox(member)[0]["read_at"] is None


def test_inbox_needs_a_login(scene: Scene) -> None:
    response = scene.client.get("/api/v1/me/messages")
    assert response.status_code == 401 and response.json["code"] == "auth.unauthenticated"


def test_mark_read_needs_ids_or_all(scene: Scene) -> None:
    _, _, member = scene.member()
    for body in ({}, {"ids": [1], "all": True}, {"ids": []}):
        response = scene.client.post("/api/v1/me/messages/read", json=body, headers=member)
        assert response.status_code == 422, body


def test_each_accept_adds_one_send_and_other_answers_none(scene: Scene) -> None:
    _, _, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    answered = scene.client.post(
        "/api/v1/me/subscriptions",
        json={"results": {"TPL_SHIFT": "accept", "TPL_REPORT_IN_DECIDED": "reject"}},
        headers=member,
    )
    assert answered.status_code == 200
    left = {t["template_id"]: t["remaining"] for t in answered.json["templates"]}
    assert left["TPL_SHIFT"] == 2 and left["TPL_REPORT_IN_DECIDED"] == 0
    shown = scene.client.get("/api/v1/me/subscriptions", headers=member).json["templates"]
    shift = next(t for t in shown if t["template_id"] == "TPL_SHIFT")
    assert shift["remaining"] == 2 and "shift_reminder" in shift["events"]


def test_an_unknown_template_is_422_and_counts_nothing(scene: Scene) -> None:
    _, _, member = scene.member()
    refused = scene.client.post(
        "/api/v1/me/subscriptions",
        json={"results": {"TPL_SHIFT": "accept", "NOT_OURS": "accept"}},
        headers=member,
    )
    assert refused.status_code == 422 and refused.json["code"] == "notify.unknown_template"
    shown = scene.client.get("/api/v1/me/subscriptions", headers=member).json["templates"]
    assert all(t["remaining"] == 0 for t in shown)


def test_an_answer_wechat_does_not_give_is_422(scene: Scene) -> None:
    _, _, member = scene.member()
    refused = scene.client.post(
        "/api/v1/me/subscriptions", json={"results": {"TPL_SHIFT": "yes"}}, headers=member
    )
    assert refused.status_code == 422


def test_deactivating_deletes_the_accounts_messages_and_quota(scene: Scene) -> None:
    from sqlalchemy import func, select

    from sunshine.extensions import db
    from sunshine.notify.models import Message, SubscribeQuota

    _, _, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)

    closed = scene.client.post("/api/v1/me/deactivate", json={"confirm": True}, headers=member)

    assert closed.status_code == 204
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    assert db.session.scalar(select(func.count()).select_from(SubscribeQuota)) == 0
