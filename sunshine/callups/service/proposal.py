"""The proposal (the solver's best assignment) and the admin's adjustments by hand."""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import delete, insert, select

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.callups import pool, solver
from sunshine.callups.models import AssignmentSource, CallUp, CallUpAssignment, CallUpStatus
from sunshine.callups.service.callups import editable
from sunshine.errors import Conflict, Invalid, NotFound
from sunshine.extensions import db
from sunshine.tasks.audience import audience


def _taken(call_up_id: int) -> Counter[int]:
    """Places already assigned, by post."""
    return Counter(
        db.session.scalars(
            select(CallUpAssignment.post_id).where(CallUpAssignment.call_up_id == call_up_id)
        )
    )


def _scopes(call_up: CallUp) -> set[str]:
    """Every path a post's members may be placed under (the tasks' audiences)."""
    return {path for post in call_up.posts for path in audience(post.shift.task)}


def propose(
    *,
    actor: Actor,
    call_up_id: int,
    timings: solver.Timings | None = None,
) -> CallUp:
    """Compute the best assignment and store it, replacing the previous proposal and keeping
    the admin's manual assignments (their members and places are left out)."""
    timings = timings if timings is not None else solver.Timings()
    started = time.perf_counter()
    call_up = editable(actor, call_up_id)
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
                    "created_at": clock.now(),
                }
                for c in choices
            ],
        )
    call_up.status, call_up.proposed_at = CallUpStatus.PROPOSED, clock.now()
    db.session.flush()
    timings.store = time.perf_counter() - started
    return call_up


def assign(*, actor: Actor, call_up_id: int, post_id: int, member_id: int) -> CallUpAssignment:
    """Put a member on a post by hand: the member must be able to join its shift, be free
    then, not be in the call-up already, and the post must have a place left."""
    call_up = editable(actor, call_up_id)
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
        open_post.scope_paths,
        skill_ids=[skill_id for skill_id, _ in open_post.skills],
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
    call_up = editable(actor, call_up_id)
    assignment = db.session.get(CallUpAssignment, assignment_id)
    if assignment is None or assignment.call_up_id != call_up.id:
        raise NotFound("安排不存在", code="callup.assignment_not_found")
    db.session.delete(assignment)
    db.session.flush()
