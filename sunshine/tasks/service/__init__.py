"""Posting tasks and shifts, and signing members up with waitlists.

Capacity holds under concurrency because every signup change locks the shift row first
(SELECT … FOR UPDATE on PostgreSQL, the write lock on SQLite) and keeps ``confirmed_count``
beside the capacity. The lock is the guarantee: the CHECK on the counter catches arithmetic
slips, not lost updates. A full shift puts the member on the waitlist; a cancellation
promotes the oldest waitlisted signup in the same transaction. A new signup first locks the
members it places (``lock_members``, ascending id), so one member's clashing shifts are judged
one at a time; the lock order is member rows, then shift rows (docs/tasks.md).

``tasks`` (the catalogue and tasks), ``shifts`` (shifts and their events, rosters, weekly
schedules) and ``signups`` (admission, places, waitlists); callers import from here.
"""

from sunshine.tasks.models import carried, visible_prefix
from sunshine.tasks.service.shifts import (
    MAX_SHIFT_LENGTH,
    MOVE_NOTICE_THRESHOLD,
    SHIFT_MISSING,
    add_shift,
    cancel_shift,
    cancel_task,
    fill_from_waitlist,
    get_shift,
    place_of_shift,
    schedule_weekly,
    shift_subject,
    update_shift,
)
from sunshine.tasks.service.signups import (
    SIGNUP_MISSING,
    active_community,
    active_places,
    admission,
    cancel_signup,
    hold,
    join_shift,
    lock_members,
    placed_path,
    sign_up,
    signup_subject,
    take_place_on_site,
)
from sunshine.tasks.service.tasks import (
    LIVE,
    TASK_FIELDS,
    check_editable,
    create_task,
    get_task,
    managed_task,
    place_of,
    publish_task,
    task_subject,
    update_task,
)

__all__ = [
    "LIVE",
    "MAX_SHIFT_LENGTH",
    "MOVE_NOTICE_THRESHOLD",
    "SHIFT_MISSING",
    "SIGNUP_MISSING",
    "TASK_FIELDS",
    "active_community",
    "active_places",
    "add_shift",
    "admission",
    "cancel_shift",
    "cancel_signup",
    "cancel_task",
    "carried",
    "check_editable",
    "create_task",
    "fill_from_waitlist",
    "get_shift",
    "get_task",
    "hold",
    "join_shift",
    "lock_members",
    "managed_task",
    "place_of",
    "place_of_shift",
    "placed_path",
    "publish_task",
    "schedule_weekly",
    "shift_subject",
    "sign_up",
    "signup_subject",
    "take_place_on_site",
    "task_subject",
    "update_shift",
    "update_task",
    "visible_prefix",
]
