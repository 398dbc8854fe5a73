"""What the admin sees of call-ups: the listing, and a call-up's posts with their fill, and
who is on each one, why.

Read with a handful of queries whatever the size (a call-up can hold a thousand people).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Row, and_, func, select

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission
from sunshine.api import Shown
from sunshine.callups.models import CallUp, CallUpAssignment, CallUpPost, CallUpStatus
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org.models import Area
from sunshine.pagination import CursorPage
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


def summaries(call_ups: Sequence[CallUp]) -> list[Shown]:
    """A page of call-ups with their totals."""
    counted = totals([c.id for c in call_ups])
    return [Shown(c, totals=counted[c.id]) for c in call_ups]


def list_call_ups(
    *,
    actor: Actor,
    limit: int,
    after_id: int | None = None,
    status: CallUpStatus | None = None,
    area_id: int | None = None,
) -> CursorPage:
    """Call-ups of the actor's streets and cities, newest first, with their totals."""
    query = select(CallUp)
    if status is not None:
        query = query.where(CallUp.status == status)
    page = scoped_page(
        query,
        actor=actor,
        permission=Permission.CALLUP_MANAGE,
        within_area_id=area_id,
        id_column=CallUp.id,
        area_path=CallUp.area_path,
        after_id=after_id,
        limit=limit,
    )
    return CursorPage(summaries(page.items), page.next_cursor)


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
) -> Shown:
    return Shown(a, member={"id": a.member_id, "name": name}, community=community, answer=answer)


def assignment(a: CallUpAssignment) -> Shown:
    """One assignment as the call-up shows it (a manual one just added)."""
    ((found, name, community),) = _assignment_rows(CallUpAssignment.id == a.id)
    return _assignment(found, name, community, None)


def detail(call_up: CallUp) -> Shown:
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
    posts = [Shown(post, filled=filled[post.id], task=post.shift.task) for post in call_up.posts]
    assignments = [
        _assignment(a, name, community, answers.get(a.member_id)) for a, name, community in rows
    ]
    return Shown(
        call_up,
        totals={
            "posts": len(posts),
            "places": sum(p.places for p in posts),
            "filled": len(assignments),
        },
        posts=posts,
        assignments=assignments,
    )
