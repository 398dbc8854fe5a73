"""The sender against the fake WeChat server, through the real wechatpy client: quota, field
rules, refusals, outages (order kept), token refresh, interrupted sends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sunshine import clock
from sunshine.notify import sender
from sunshine.notify.events import Event
from sunshine.notify.models import SendStatus
from tests.notify.conftest import Scene, messages
from tests.steps import post_shift, post_task, publish

SEND = "/cgi-bin/message/subscribe/send"


def _left(scene: Scene, headers: dict[str, str], template_id: str = "TPL_SHIFT") -> int:
    shown = scene.client.get("/api/v1/me/subscriptions", headers=headers).json["templates"]
    return int(next(t["remaining"] for t in shown if t["template_id"] == template_id))


def _cancel(scene: Scene) -> None:
    response = scene.client.post(
        f"/api/v1/shifts/{scene.shift_id}/cancel", json={"reason": "暴雨"}, headers=scene.secretary
    )
    assert response.status_code == 200, response.json


def test_quota_zero_sends_nothing_but_the_inbox_has_the_message(scene: Scene) -> None:
    _, openid, member = scene.member()
    scene.sign_up(member)

    counts = sender.drain()

    assert counts["sent"] == 0 and scene.fake.sent_to(openid) == []
    (row,) = messages(Event.SIGNUP_CONFIRMED)
    assert (row.status, row.error) == (SendStatus.SKIPPED, "no_quota")
    assert [m["event"] for m in scene.inbox(member)] == ["signup_confirmed"]


def test_one_accept_sends_one_message_once_within_wechats_rules(scene: Scene) -> None:
    _, openid, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)

    assert sender.drain()["sent"] == 1
    assert sender.drain()["sent"] == 0

    (sent,) = scene.fake.sent_to(openid)
    assert sent["template_id"] == "TPL_SHIFT"
    assert sent["page"] == f"pages/shift/index?id={scene.shift_id}"
    assert sent["data"]["thing1"] == {"value": "文明劝导"}
    assert sent["data"]["phrase4"] == {"value": "报名成功"}
    assert "年" in sent["data"]["time2"]["value"]  # 2026年12月06日 17:00, Shanghai time
    (row,) = messages(Event.SIGNUP_CONFIRMED)
    assert row.status == SendStatus.SENT and row.sent_at is not None
    assert _left(scene, member) == 0


def test_values_over_wechats_limits_are_truncated_not_refused(scene: Scene) -> None:
    _, openid, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    task_id = post_task(
        scene.client, scene.secretary, scene.place.community, title="很长的活动名称" * 8
    )
    shift_id = post_shift(scene.client, scene.secretary, task_id)
    publish(scene.client, scene.secretary, task_id)
    scene.sign_up(member, shift_id)

    assert sender.drain()["sent"] == 1

    (sent,) = scene.fake.sent_to(openid)
    title = sent["data"]["thing1"]["value"]
    assert len(title) == 20 and title.endswith("…")
    assert "很长的活动名称" * 8 in scene.inbox(member)[0]["body"]  # the inbox keeps it whole


def test_43101_stops_sends_and_zeroes_the_counter(scene: Scene) -> None:
    _, openid, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.accept(member, "TPL_SHIFT")
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)
    scene.fake.fail(SEND, 43101, "user refuse to accept the msg")

    assert sender.drain()["failed"] == 1
    _cancel(scene)
    assert sender.drain()["sent"] == 0

    first, second = messages()
    assert (first.status, first.errcode, first.error) == (SendStatus.FAILED, 43101, "quota_refused")
    assert (second.status, second.error) == (SendStatus.SKIPPED, "no_quota")
    assert _left(scene, member) == 0 and scene.fake.sent_to(openid) == []
    assert len(scene.inbox(member)) == 2


def test_a_permanent_refusal_is_recorded_with_its_errcode_and_the_quota_kept(
    scene: Scene,
) -> None:
    _, _, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)
    scene.fake.fail(SEND, 47003, "argument invalid!")

    assert sender.drain()["failed"] == 1

    (row,) = messages()
    assert (row.status, row.errcode, row.error) == (SendStatus.FAILED, 47003, "refused")
    assert _left(scene, member) == 1  # WeChat did not use it


@pytest.mark.parametrize("fault", ["outage", "slow", "busy", "rate_limited"])
def test_during_a_wechat_outage_rows_wait_and_leave_in_order_after_recovery(
    scene: Scene, fault: str
) -> None:
    members = [scene.member() for _ in range(3)]
    for _, _, headers in members:
        scene.accept(headers, "TPL_SHIFT")
    for _, _, headers in members[:2]:
        scene.sign_up(headers)
    if fault == "outage":
        scene.fake.outage(502)
    elif fault == "slow":
        scene.fake.delay(4.0, SEND)  # past the test app's WECHAT_TIMEOUT of 3 s
    else:
        scene.fake.fail(SEND, -1 if fault == "busy" else 45009, times=100)

    start = clock.now()  # the drains' own "now", so a slow machine cannot outlast the backoff
    first = sender.drain(start)
    scene.sign_up(members[2][2])  # written during the outage
    again = sender.drain(start + timedelta(seconds=1))  # within the backoff: nothing is due

    assert (first["sent"], first["retrying"], again["claimed"]) == (0, 2, 0)
    assert all(row.status == SendStatus.PENDING for row in messages())
    scene.fake.reset()  # WeChat is back
    later = sender.drain(clock.now() + timedelta(minutes=10), concurrency=1)
    assert later["sent"] == 3
    assert [m["touser"] for m in scene.fake.state.sent_messages] == [o for _, o, _ in members]
    assert all(row.status == SendStatus.SENT for row in messages())
    assert [_left(scene, h) for _, _, h in members] == [0, 0, 0]


def test_a_refused_token_is_refreshed_once_and_the_send_retried(scene: Scene) -> None:
    _, openid, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)
    assert sender.drain()["sent"] == 1
    scene.fake.revoke_tokens()  # another system forced a refresh: our token is now 40001
    _cancel(scene)

    assert sender.drain()["sent"] == 1

    assert len(scene.fake.sent_to(openid)) == 2
    assert scene.fake.calls_to("/cgi-bin/stable_token") == 2
    assert scene.fake.calls_to(SEND) == 3  # sent, refused 40001, sent again
    assert scene.fake.calls_to("/cgi-bin/token") == 0


def test_a_token_refused_twice_is_not_retried_again(scene: Scene) -> None:
    _, _, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)
    scene.fake.fail(SEND, 40001, "invalid credential", times=2)

    counts = sender.drain()

    assert counts["retrying"] == 1 and scene.fake.calls_to(SEND) == 2
    (row,) = messages()
    assert (row.status, row.errcode) == (SendStatus.PENDING, 40001)


def test_a_send_interrupted_mid_way_is_failed_never_sent_again(scene: Scene) -> None:
    _, openid, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)
    claimed, _ = sender.claim(clock.now(), 10)  # the sender dies before sending
    assert len(claimed) == 1

    assert sender.drain()["claimed"] == 0
    swept = sender.sweep(clock.now() + sender.LEASE + timedelta(seconds=1))

    assert swept == 1 and scene.fake.sent_to(openid) == []
    (row,) = messages()
    assert (row.status, row.error) == (SendStatus.FAILED, "interrupted")


def test_a_stale_message_is_not_sent(scene: Scene) -> None:
    _, openid, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)

    counts = sender.drain(clock.now() + timedelta(hours=25))

    assert counts["sent"] == 0 and scene.fake.sent_to(openid) == []
    (row,) = messages()
    assert (row.status, row.error) == (SendStatus.FAILED, "expired")
    assert _left(scene, member) == 1


def test_without_a_template_the_message_is_inbox_only(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(scene.client.application.config, "NOTIFY_TEMPLATES", "{}")
    _, _, member = scene.member()
    scene.sign_up(member)

    assert sender.drain()["claimed"] == 0

    (row,) = messages()
    assert (row.status, row.error) == (SendStatus.SKIPPED, "no_template")
    assert len(scene.inbox(member)) == 1


def test_the_worker_sends_within_seconds_and_stops_when_told(scene: Scene) -> None:
    import time

    _, openid, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)
    deadline = time.monotonic() + 10

    sender.run_worker(
        batch=10,
        idle=0.05,
        stop=lambda: bool(scene.fake.sent_to(openid)) or time.monotonic() > deadline,
    )

    assert len(scene.fake.sent_to(openid)) == 1
    (row,) = messages()
    assert row.status == SendStatus.SENT


def test_the_cron_job_sends_too_and_the_status_command_counts(scene: Scene) -> None:
    from sunshine.jobs.runner import run_due

    _, openid, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)
    _, _, other = scene.member()
    scene.sign_up(other)  # no quota

    results = run_due(only="notify.send")

    assert results["notify.send"]["sent"] == 1 and len(scene.fake.sent_to(openid)) == 1
    shown = scene.client.application.test_cli_runner().invoke(args=["notify", "status"])
    assert shown.exit_code == 0, shown.output
    assert "sent: 1" in shown.output and "skipped:no_quota: 1" in shown.output


def test_the_system_admin_sees_failures_with_their_errcode_and_a_member_may_not(
    scene: Scene,
) -> None:
    from sunshine.access.models import Role
    from tests.steps import login_as

    _, _, member = scene.member()
    scene.accept(member, "TPL_SHIFT")
    scene.sign_up(member)
    scene.fake.fail(SEND, 47003, "argument invalid!")
    sender.drain()
    _, admin = login_as(scene.client, scene.fake, Role.SYS_ADMIN)

    failed = scene.client.get("/api/v1/notify/messages?status=failed", headers=admin)
    refused = scene.client.get("/api/v1/notify/messages", headers=member)
    secretary = scene.client.get("/api/v1/notify/messages", headers=scene.secretary)

    assert failed.status_code == 200
    (row,) = failed.json["items"]
    assert (row["event"], row["errcode"], row["error"]) == ("signup_confirmed", 47003, "refused")
    assert refused.status_code == secretary.status_code == 403
