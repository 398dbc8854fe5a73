"""Two senders racing for the same reminders send each one once (tests/races.py: on the
module's throw-away database, committing for real; a real race on PostgreSQL)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.notify import reminders, sender
from sunshine.notify.models import Message, SendStatus
from sunshine.tasks.models import Shift
from tests.builders import add_reported_members, add_secretary, make_city, token_for
from tests.races import Traffic
from tests.steps import published_shift

MEMBERS = 12


def test_two_senders_racing_send_each_reminder_once_and_only_once(
    race_app: Flask, fake_wechat: FakeWeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only reminders have a template: the signups' own messages stay in the inbox.
    templates = {
        "shift_reminder": {"template_id": "TPL_REMIND", "data": {"thing1": "task"}},
    }
    monkeypatch.setitem(race_app.config, "NOTIFY_TEMPLATES", json.dumps(templates))
    place = make_city()
    secretary = add_secretary(place)
    accounts = add_reported_members(place, place.community, MEMBERS)
    client = race_app.test_client()
    _, shift_id = published_shift(client, token_for(secretary), place.community, capacity=MEMBERS)
    for account in accounts:
        headers = token_for(account)
        assert client.post(f"/api/v1/shifts/{shift_id}/signups", headers=headers).status_code == 201
        accepted = client.post(
            "/api/v1/me/subscriptions", json={"results": {"TPL_REMIND": "accept"}}, headers=headers
        )
        assert accepted.status_code == 200
    starts = db.session.scalar(select(Shift.starts_at).where(Shift.id == shift_id))
    assert starts is not None
    assert reminders.produce(starts - timedelta(hours=23)) == MEMBERS
    db.session.commit()
    db.session.close()

    counts: list[dict[str, int]] = []
    problems: list[BaseException] = []
    start = threading.Barrier(2, timeout=10)

    def work() -> None:
        try:
            with race_app.app_context():
                start.wait()
                counts.append(sender.drain(batch=4))
        except BaseException as exc:  # handed to the test below
            problems.append(exc)

    # The first sender stops inside its claim, its rows locked, until the other has finished
    # (PostgreSQL: it skipped the locked rows and took the next) or waits for the write lock
    # (SQLite).
    with Traffic("UPDATE notify_message") as traffic:
        traffic.racers = [threading.Thread(target=work) for _ in range(2)]
        for thread in traffic.racers:
            thread.start()
        for thread in traffic.racers:
            thread.join(timeout=90)
    assert not problems and not traffic.problems, (problems, traffic.problems)

    sent: list[dict[str, Any]] = [
        m for m in fake_wechat.state.sent_messages if m["template_id"] == "TPL_REMIND"
    ]
    assert len(sent) == MEMBERS
    assert len({m["touser"] for m in sent}) == MEMBERS
    assert sum(c["sent"] for c in counts) == MEMBERS
    if db.engine.dialect.name == "postgresql":  # both senders sent some, at the same time
        assert all(c["sent"] > 0 for c in counts), counts
    db.session.remove()
    rows = db.session.scalars(select(Message.status).where(Message.event == "shift_reminder")).all()
    assert rows == [SendStatus.SENT] * MEMBERS
