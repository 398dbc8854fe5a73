"""Two re-check runs at once, committing for real on the module's throw-away database
(``race_app``): each held text is asked about once and shown once.

The job commits each claim before it calls WeChat, which also ends the runner's lock on the
job; so a second runner may start the job meanwhile, and the claims alone must keep the two
apart.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.moderation import service
from sunshine.moderation.models import CheckStatus, ContentCheck
from sunshine.tasks.models import Task, TaskStatus
from tests.builders import make_city
from tests.steps import login_as, post_shift, post_task

CHECK = "/wxa/msg_sec_check"


def test_two_runners_ask_about_each_held_text_once(
    race_app: Flask, fake_wechat: FakeWeChat
) -> None:
    client = race_app.test_client()
    place = make_city()
    _, headers = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    task_ids = [post_task(client, headers, place.community, title=f"活动{i}") for i in range(4)]
    for task_id in task_ids:
        post_shift(client, headers, task_id)
    fake_wechat.outage(502)
    for task_id in task_ids:
        held = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)
        assert held.json["content_check"]["status"] == "pending", held.json
    fake_wechat.reset()
    fake_wechat.delay(0.3, CHECK)  # both runs are inside WeChat calls at once
    db.session.close()
    results: list[dict[str, int]] = []
    start = threading.Barrier(2)

    def run() -> None:
        with race_app.app_context():
            start.wait(10)
            results.append(service.recheck_pending(utcnow() + timedelta(hours=1)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert fake_wechat.calls_to(CHECK) == 4
    assert len(results) == 2 and sum(r["passed"] for r in results) == 4
    statuses = db.session.scalars(select(ContentCheck.status)).all()
    assert statuses == [CheckStatus.PASSED] * 4
    published = db.session.scalars(select(Task.status).where(Task.id.in_(task_ids))).all()
    assert published == [TaskStatus.PUBLISHED] * 4
