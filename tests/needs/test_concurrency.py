"""Two answers to one need at once: the need's row lock decides, the second sees the first's
(requests commit for real on the module's throw-away database: ``race_app``, tests/races.py)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.needs.models import Need, NeedKind, NeedStatus
from sunshine.notify.models import Message
from tests.builders import City, grant, make_account, make_city, token_for
from tests.races import race

Headers = dict[str, str]


def _need(place: City, resident_id: int, status: NeedStatus) -> int:
    need = Need(
        community_id=place.community.id,
        area_path=place.community.path,
        kind=NeedKind.WISH,
        content="想请志愿者帮忙修椅子",
        status=status,
        resident_id=resident_id,
        created_by_id=resident_id,
        created_at=clock.now(),
    )
    db.session.add(need)
    db.session.commit()
    return need.id


def _messages_to(account_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Message).where(Message.account_id == account_id)
        )
        or 0
    )


def test_two_ratings_at_once_rate_once(race_app: Flask) -> None:
    place = make_city()
    resident = make_account()
    need_id = _need(place, resident.id, NeedStatus.DONE)
    me = token_for(resident.id)
    url = f"/api/v1/me/needs/{need_id}/rating"

    results = race(
        race_app,
        [("POST", url, {"rating": r}, me) for r in ("satisfied", "dissatisfied")],
        hold="UPDATE need ",
    )

    assert sorted(status for status, _ in results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "need.already_rated"
    (won,) = [body for status, body in results if status == 201]
    db.session.remove()
    assert db.session.get(Need, need_id).rating.value == won["rating"]  # type: ignore[union-attr]


def test_accepting_and_declining_at_once_answer_once(race_app: Flask) -> None:
    place = make_city()
    resident_id = make_account().id
    need_id = _need(place, resident_id, NeedStatus.SUBMITTED)
    admins = []
    for _ in range(2):
        account = make_account()
        grant(account, Role.COMMUNITY_ADMIN, place.community)
        admins.append(token_for(account.id))

    results = race(
        race_app,
        [
            ("POST", f"/api/v1/needs/{need_id}/accept", None, admins[0]),
            ("POST", f"/api/v1/needs/{need_id}/decline", {"reason": "不属社区"}, admins[1]),
        ],
        hold="UPDATE need ",
    )

    assert sorted(status for status, _ in results) == [200, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "need.answered"
    (won,) = [body for status, body in results if status == 200]
    db.session.remove()
    assert db.session.get(Need, need_id).status.value == won["status"]  # type: ignore[union-attr]
    assert _messages_to(resident_id) == 1  # told once, of the answer that stands
