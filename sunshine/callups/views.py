"""What the admin sees of a call-up: its posts with their fill, and who is on each one, why.

Read with a handful of queries whatever the size (a call-up can hold a thousand people).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, select

from sunshine.callups.models import CallUp, CallUpAssignment, CallUpPost
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org.models import Area
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.tasks.models import Invitation, InvitationStatus


def totals(call_up_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Posts, places and assigned members of each call-up."""
    result = {i: {"posts": 0, "places": 0, "filled": 0} for i in call_up_ids}
    for call_up_id, posts, places in db.session.execute(
        select(CallUpPost.call_up_id, func.count(), func.sum(CallUpPost.places))
        .where(CallUpPost.call_up_id.in_(call_up_ids))
        .group_by(CallUpPost.call_up_id)
    ):
        result[call_up_id].update(posts=posts, places=int(places or 0))
    for call_up_id, filled in db.session.execute(
        select(CallUpAssignment.call_up_id, func.count())
        .where(CallUpAssignment.call_up_id.in_(call_up_ids))
        .group_by(CallUpAssignment.call_up_id)
    ):
        result[call_up_id]["filled"] = filled
    return result


def _head(call_up: CallUp) -> dict[str, Any]:
    return {
        name: getattr(call_up, name)
        for name in (
            "id",
            "title",
            "day",
            "status",
            "area",
            "created_at",
            "proposed_at",
            "confirmed_at",
            "cancelled_at",
            "cancel_reason",
        )
    }


def summaries(call_ups: Sequence[CallUp]) -> list[dict[str, Any]]:
    """A page of call-ups with their totals."""
    counted = totals([c.id for c in call_ups])
    return [{**_head(c), "totals": counted[c.id]} for c in call_ups]


def _assignment_rows(
    condition: ColumnElement[bool],
) -> Sequence[Row[CallUpAssignment, str, Area | None]]:
    return db.session.execute(
        select(CallUpAssignment, Member.name, Area)
        .join(Member, Member.id == CallUpAssignment.member_id)
        .outerjoin(
            ReportIn,
            and_(ReportIn.member_id == Member.id, ReportIn.status == ReportInStatus.ACTIVE),
        )
        .outerjoin(Area, Area.id == ReportIn.community_id)
        .where(condition)
        .order_by(CallUpAssignment.post_id, CallUpAssignment.score.desc(), CallUpAssignment.id)
    ).all()


def _assignment(
    a: CallUpAssignment, name: str, community: Area | None, answer: InvitationStatus | None
) -> dict[str, Any]:
    return {
        "id": a.id,
        "post_id": a.post_id,
        "member": {"id": a.member_id, "name": name},
        "community": community,
        "score": a.score,
        "reasons": a.reasons,
        "source": a.source,
        "answer": answer,
        "created_at": a.created_at,
    }


def assignment(a: CallUpAssignment) -> dict[str, Any]:
    """One assignment as the call-up shows it (a manual one just added)."""
    ((found, name, community),) = _assignment_rows(CallUpAssignment.id == a.id)
    return _assignment(found, name, community, None)


def detail(call_up: CallUp) -> dict[str, Any]:
    """The call-up with its posts (places, filled), its assignments and its totals.

    Each assignment shows the member's name and current community; once confirmed, also
    the member's answer to the invitation (pending, accepted or declined).
    """
    rows = _assignment_rows(CallUpAssignment.call_up_id == call_up.id)
    answers = {
        member_id: status
        for member_id, status in db.session.execute(
            select(Invitation.member_id, Invitation.status).where(
                Invitation.call_up_id == call_up.id
            )
        )
    }
    filled = Counter(a.post_id for a, _, _ in rows)
    posts = [
        {
            "id": post.id,
            "places": post.places,
            "filled": filled[post.id],
            "shift": post.shift,
            "task": post.shift.task,
        }
        for post in call_up.posts
    ]
    assignments = [
        _assignment(a, name, community, answers.get(a.member_id)) for a, name, community in rows
    ]
    return {
        **_head(call_up),
        "totals": {
            "posts": len(posts),
            "places": sum(p["places"] for p in posts),
            "filled": len(assignments),
        },
        "posts": posts,
        "assignments": assignments,
    }
