"""Call-ups (动员): an org or street admin fills many posts across communities on one day.

The admin names the shifts and how many of each one's places to fill; the system proposes
who (``solver``: largest fill, then best score, nobody twice); the admin adds and
removes people; confirming re-checks every assignment under the shift row locks and, all or
nothing, gives each member a confirmed signup holding the place and a pending invitation
telling them about it. Declining that invitation gives the place up.

Every change locks the call-up row first, so two admins working on one call-up take turns.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.orm import selectinload

from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    require_somewhere,
)
from sunshine.callups import pool, solver
from sunshine.callups.models import (
    AssignmentSource,
    CallUp,
    CallUpAssignment,
    CallUpPost,
    CallUpStatus,
)
from sunshine.database import utcnow
from sunshine.errors import Conflict, Invalid, NotFound
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org import service as org
from sunshine.org.models import AreaLevel
from sunshine.security import service as security
from sunshine.tasks import service as tasks
from sunshine.tasks.models import Invitation, InvitationStatus, Shift, ShiftStatus, Task, TaskStatus

if TYPE_CHECKING:
    from sunshine.auth.service import Origin

EDITABLE = (CallUpStatus.DRAFT, CallUpStatus.PROPOSED)


def _loaded(query: Select[CallUp]) -> Select[CallUp]:
    return query.options(
        selectinload(CallUp.posts)
        .selectinload(CallUpPost.shift)
        .selectinload(Shift.task)
        .selectinload(Task.skills),
        selectinload(CallUp.posts)
        .selectinload(CallUpPost.shift)
        .selectinload(Shift.task)
        .selectinload(Task.area),
    )


def get(*, actor: Actor, call_up_id: int, lock: bool = False) -> CallUp:
    """A call-up the actor may manage (locked for a change when ``lock``)."""
    require_somewhere(actor, Permission.CALLUP_MANAGE)
    query = _loaded(select(CallUp).where(CallUp.id == call_up_id))
    if lock:
        query = query.with_for_update(of=CallUp).execution_options(populate_existing=True)
    call_up = db.session.scalar(query)
    if call_up is None:
        raise NotFound("动员不存在", code="callup.not_found")
    authorize(actor, Permission.CALLUP_MANAGE, Place(area_path=call_up.area_path))
    return call_up


def _editable(actor: Actor, call_up_id: int) -> CallUp:
    call_up = get(actor=actor, call_up_id=call_up_id, lock=True)
    if call_up.status not in EDITABLE:
        raise Conflict("动员已确认或已取消，不能再修改", code="callup.not_editable")
    return call_up


# Creating and listing ------------------------------------------------------------------------


def _post_problems(
    call_up_path: str, day: date, shift: Shift | None, places: int
) -> dict[str, list[str]]:
    """What keeps a shift from being a post of the call-up (field errors), if anything."""
    if shift is None:
        return {"shift_id": ["班次不存在"]}
    task = shift.task
    if not task.area_path.startswith(call_up_path):
        return {"shift_id": ["班次所属任务不在本次动员的范围内"]}
    if shift.status != ShiftStatus.OPEN or task.status != TaskStatus.PUBLISHED:
        return {"shift_id": ["班次未发布或已取消"]}
    if utcnow() >= shift.signup_deadline:
        return {"shift_id": ["班次已截止报名"]}
    if shift.starts_at.astimezone(tasks.SHANGHAI).date() != day:
        return {"shift_id": ["班次不在动员当天"]}
    free = pool.free_places(shift)
    if places > free:
        return {"places": [f"不能超过班次空余名额（{free}）"]}
    return {}


def create(
    *, actor: Actor, area_id: int, title: str, day: date, posts: Sequence[dict[str, int]]
) -> CallUp:
    """A draft call-up of a street or city for one day, with its posts.

    Each post is a published open shift of a task inside the area, starting that day
    (Asia/Shanghai), still taking signups, with no more places than the shift has free.
    """
    require_somewhere(actor, Permission.CALLUP_MANAGE)
    area = org.get_area(area_id)
    if area.level not in (AreaLevel.STREET, AreaLevel.CITY):
        raise Invalid(
            "动员范围应为街道或全市", code="callup.bad_area", fields={"area_id": ["应为街道或市"]}
        )
    authorize(actor, Permission.CALLUP_MANAGE, Place(area_path=area.path))
    if day < utcnow().astimezone(tasks.SHANGHAI).date():
        raise Invalid("动员日期已过", code="callup.bad_day", fields={"day": ["不能早于今天"]})
    shift_ids = [p["shift_id"] for p in posts]
    shifts = {
        s.id: s
        for s in db.session.scalars(
            select(Shift).where(Shift.id.in_(shift_ids)).options(selectinload(Shift.task))
        )
    }
    problems: dict[str, Any] = {}
    seen: set[int] = set()
    for i, post in enumerate(posts):
        if post["shift_id"] in seen:
            problems[str(i)] = {"shift_id": ["班次重复"]}
            continue
        seen.add(post["shift_id"])
        found = _post_problems(area.path, day, shifts.get(post["shift_id"]), post["places"])
        if found:
            problems[str(i)] = found
    if problems:
        raise Invalid(
            "部分岗位不能加入本次动员", code="callup.bad_posts", fields={"posts": problems}
        )
    call_up = CallUp(
        area=area,
        area_path=area.path,
        title=title,
        day=day,
        status=CallUpStatus.DRAFT,
        created_by_id=actor.id,
        posts=[CallUpPost(shift=shifts[p["shift_id"]], places=p["places"]) for p in posts],
    )
    db.session.add(call_up)
    db.session.flush()
    return call_up


# The proposal and the admin's adjustments ---------------------------------------------------


def _taken(call_up_id: int) -> Counter[int]:
    """Places already assigned, by post."""
    return Counter(
        db.session.scalars(
            select(CallUpAssignment.post_id).where(CallUpAssignment.call_up_id == call_up_id)
        )
    )


def _scopes(call_up: CallUp) -> set[str]:
    return {tasks.visible_prefix(post.shift.task) for post in call_up.posts}


def propose(
    *,
    actor: Actor,
    call_up_id: int,
    yearly_minutes: int,
    timings: solver.Timings | None = None,
) -> CallUp:
    """Compute the best assignment and store it, replacing the previous proposal and keeping
    the admin's manual assignments (their members and places are left out)."""
    timings = timings if timings is not None else solver.Timings()
    started = time.perf_counter()
    call_up = _editable(actor, call_up_id)
    db.session.execute(
        delete(CallUpAssignment).where(
            CallUpAssignment.call_up_id == call_up.id,
            CallUpAssignment.source == AssignmentSource.PROPOSED,
        )
    )
    manual = set(
        db.session.scalars(
            select(CallUpAssignment.member_id).where(CallUpAssignment.call_up_id == call_up.id)
        )
    )
    posts = pool.open_posts(call_up.posts, _taken(call_up.id))
    members = pool.load_pool(
        _scopes(call_up),
        skill_ids={skill_id for post in posts for skill_id, _ in post.skills},
        yearly_minutes=yearly_minutes,
        exclude=manual,
    )
    timings.load = time.perf_counter() - started
    choices = solver.propose(members, posts, timings)
    started = time.perf_counter()
    if choices:
        db.session.execute(
            insert(CallUpAssignment),
            [
                {
                    "call_up_id": call_up.id,
                    "post_id": c.post_id,
                    "member_id": c.member_id,
                    "score": c.score,
                    "reasons": c.reasons,
                    "source": AssignmentSource.PROPOSED,
                    "created_by_id": actor.id,
                    "created_at": utcnow(),
                }
                for c in choices
            ],
        )
    call_up.status, call_up.proposed_at = CallUpStatus.PROPOSED, utcnow()
    db.session.flush()
    timings.store = time.perf_counter() - started
    return call_up


def assign(
    *, actor: Actor, call_up_id: int, post_id: int, member_id: int, yearly_minutes: int
) -> CallUpAssignment:
    """Put a member on a post by hand: the member must be able to join its shift, be free
    then, not be in the call-up already, and the post must have a place left."""
    call_up = _editable(actor, call_up_id)
    post = next((p for p in call_up.posts if p.id == post_id), None)
    if post is None:
        raise Invalid(
            "岗位不属于本次动员", code="callup.post_not_found", fields={"post_id": ["未知岗位"]}
        )
    already = db.session.scalar(
        select(CallUpAssignment.id).where(
            CallUpAssignment.call_up_id == call_up.id, CallUpAssignment.member_id == member_id
        )
    )
    if already is not None:
        raise Conflict("该党员已在本次动员中", code="callup.already_assigned")
    (open_post,) = pool.open_posts([post], _taken(call_up.id))
    if open_post.places <= 0:
        raise Conflict("该岗位已满", code="callup.post_full")
    found = pool.load_pool(
        [open_post.scope_path],
        skill_ids=[skill_id for skill_id, _ in open_post.skills],
        yearly_minutes=yearly_minutes,
        only=[member_id],
    )
    if not found:
        raise Invalid(
            "该党员不能参加此岗位（未认证，或未报到到任务可见的社区）",
            code="callup.member_not_eligible",
            fields={"member_id": ["不符合条件"]},
        )
    if member_id in open_post.busy:
        raise Conflict(
            "该党员当时已有其他安排（已报名冲突班次、已在另一次动员中或已被邀请）",
            code="callup.member_busy",
        )
    points, reasons = solver.rate(found[0], open_post)
    assignment = CallUpAssignment(
        call_up_id=call_up.id,
        post_id=post.id,
        member_id=member_id,
        score=points,
        reasons=reasons,
        source=AssignmentSource.MANUAL,
        created_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def unassign(*, actor: Actor, call_up_id: int, assignment_id: int) -> None:
    """Take a member off the call-up (proposed or manual alike)."""
    call_up = _editable(actor, call_up_id)
    assignment = db.session.get(CallUpAssignment, assignment_id)
    if assignment is None or assignment.call_up_id != call_up.id:
        raise NotFound("安排不存在", code="callup.assignment_not_found")
    db.session.delete(assignment)
    db.session.flush()


def cancel(*, actor: Actor, call_up_id: int, reason: str) -> CallUp:
    """Drop a call-up that is not confirmed yet; its assignments stay as they were."""
    call_up = _editable(actor, call_up_id)
    call_up.status, call_up.cancelled_at = CallUpStatus.CANCELLED, utcnow()
    call_up.cancel_reason = reason
    db.session.flush()
    return call_up


# Confirmation --------------------------------------------------------------------------------


def confirm(*, actor: Actor, call_up_id: int, origin: Origin | None = None) -> CallUp:
    """Turn every assignment into a held place and an invitation, or none of them.

    Every assignment is judged again under the shift row locks by the signup rules themselves
    (``tasks.admission``, as a member signing up is): a shift filled meanwhile, a member now
    busy, no longer reported in, already on the shift or already invited to it makes the
    whole confirmation fail with 409 ``callup.assignments_invalid``, naming every such
    member; nothing is written.
    """
    call_up = _editable(actor, call_up_id)
    assignments = list(
        db.session.scalars(
            select(CallUpAssignment)
            .where(CallUpAssignment.call_up_id == call_up.id)
            .order_by(CallUpAssignment.post_id, CallUpAssignment.id)
        )
    )
    if not assignments:
        raise Conflict("尚未安排任何人员", code="callup.empty")
    posts = {post.id: post for post in call_up.posts}
    members = {
        m.id: m
        for m in db.session.scalars(
            select(Member).where(Member.id.in_([a.member_id for a in assignments]))
        )
    }
    on_shift: dict[int, list[CallUpAssignment]] = defaultdict(list)
    for a in assignments:
        on_shift[posts[a.post_id].shift_id].append(a)
    # A second pending invitation to the same shift is refused by its unique index.
    invited = {
        (member_id, shift_id)
        for member_id, shift_id in db.session.execute(
            select(Invitation.member_id, Invitation.shift_id).where(
                Invitation.shift_id.in_(on_shift), Invitation.status == InvitationStatus.PENDING
            )
        )
    }
    failures = []
    admitted: list[tuple[Shift, list[Member]]] = []
    for shift_id in sorted(on_shift):  # locks in id order: confirmations wait, never deadlock
        shift = tasks.get_shift(shift_id, lock=True)
        refused: dict[int, tuple[str, str]] = {
            a.member_id: ("callup.already_invited", "已有该班次待答复的邀请")
            for a in on_shift[shift_id]
            if (a.member_id, shift_id) in invited
        }
        group = [members[a.member_id] for a in on_shift[shift_id] if a.member_id not in refused]
        held, judged = tasks.admission(shift, group, waitlist=False)
        refused.update({m: ("callup.already_signed_up", "已报名该班次") for m in held})
        refused.update({m: (error.code, error.message) for m, error in judged.items()})
        failures += [
            {
                "assignment_id": a.id,
                "member_id": a.member_id,
                "member_name": members[a.member_id].name,
                "post_id": a.post_id,
                "code": refused[a.member_id][0],
                "message": refused[a.member_id][1],
            }
            for a in on_shift[shift_id]
            if a.member_id in refused
        ]
        admitted.append((shift, group))
    if failures:
        names = "、".join(f"{f['member_name']}（{f['message']}）" for f in failures[:5])
        more = f"等 {len(failures)} 人" if len(failures) > 5 else ""
        raise Conflict(
            f"以下人员已不能安排，请调整后再确认：{names}{more}",
            code="callup.assignments_invalid",
            fields={"assignments": failures},
        )
    for shift, group in admitted:
        tasks.hold(shift, group)
    now = utcnow()
    db.session.add_all(
        Invitation(
            shift_id=posts[a.post_id].shift_id,
            member_id=a.member_id,
            invited_by_id=actor.id,
            call_up_id=call_up.id,
            created_at=now,
        )
        for a in assignments
    )
    call_up.status, call_up.confirmed_at, call_up.confirmed_by_id = (
        CallUpStatus.CONFIRMED,
        now,
        actor.id,
    )
    security.record(  # a call-up puts many members on shifts at once: who did it, from where
        action="callup.confirm",
        account_id=actor.id,
        ip=origin.ip if origin else None,
        request_id=origin.request_id if origin else None,
        object_type="call_up",
        object_id=call_up.id,
        detail={"places": len(assignments), "shifts": len(on_shift)},
    )
    db.session.flush()
    return call_up
