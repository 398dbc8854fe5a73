"""Call-up fairness reads the rule of each member's community, all in one query; the feed
pays one small query for its member's rule."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from sunshine.callups import pool
from sunshine.extensions import db
from sunshine.org.models import AreaLevel
from tests.audit.conftest import Audit
from tests.builders import add_area, add_reported_members, member_id_of


@contextmanager
def rule_queries() -> Iterator[list[str]]:
    """The statements that read requirements while the block runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        if "requirement" in args[2] and args[2].lstrip().upper().startswith("SELECT"):
            seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_the_call_up_pool_reads_each_streets_rule_in_one_query(audit: Audit) -> None:
    period = audit.year_period()
    audit.put(f"/api/v1/periods/{period}/requirement", min_minutes=30 * 60)
    street = f"/api/v1/periods/{period}/streets/{audit.place.street.id}/requirement"
    assert audit.put(street, audit.street_admin, min_minutes=50 * 60).status_code == 200
    tightened = {
        member_id_of(a) for a in add_reported_members(audit.place, audit.place.other_community, 3)
    }
    others = set()
    for _ in range(3):
        community = add_area(audit.other_street, AreaLevel.COMMUNITY)
        others |= {member_id_of(a) for a in add_reported_members(audit.place, community, 2)}

    with rule_queries() as seen:
        members = pool.load_pool([audit.place.city.path], skill_ids=[])

    assert len(seen) == 1
    behind = {m.id: m.minutes_behind for m in members}
    assert {behind[m] for m in tightened} == {50 * 60}
    assert {behind[m] for m in others} == {30 * 60}


def test_the_feed_reads_the_rule_with_one_query(audit: Audit) -> None:
    period = audit.year_period()
    audit.put(f"/api/v1/periods/{period}/requirement", min_minutes=30 * 60)
    with rule_queries() as seen:
        response = audit.client.get("/api/v1/me/feed", headers=audit.member)
    assert response.status_code == 200
    assert len(seen) == 1
