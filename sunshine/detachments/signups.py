"""Team signups: a detachment's leader (or the organization department) signs named members
of the detachment up for a shift in one call — all of them, or none.

Each member is judged by the signup rules themselves (``tasks.admission``, as a member
signing up alone and a call-up's confirmation are), under the members' row locks and then
the shift's (the lock order of every signup, docs/tasks.md); the places
are taken by ``tasks.hold``, as every signup's are. A team is never split between places and
the waitlist: fewer free places than members refuses the whole team (docs/detachments.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from sunshine.access.permissions import Actor
from sunshine.detachments.models import Detachment, DetachmentSignup
from sunshine.detachments.service import current_member_ids, steward
from sunshine.errors import Conflict, Invalid
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.notify import service as notify
from sunshine.notify.events import Event
from sunshine.security import service as security
from sunshine.security.service import Origin
from sunshine.tasks import service as tasks
from sunshine.tasks.models import Shift, Signup

MAX_TEAM = 50  # members in one team signup (the schema refuses more)
# Refusals that are the shift's, not a member's: answered once, not once per member.
_SHIFT_WIDE = frozenset({"shift.not_open", "shift.signup_closed"})


@dataclass(frozen=True)
class TeamSignup:
    detachment: Detachment
    shift: Shift
    signups: list[Signup]


def _names(members: Sequence[Member]) -> dict[int, str]:
    return {m.id: m.name for m in members}


def _team(detachment: Detachment, member_ids: Sequence[int]) -> list[Member]:
    """The named members, in the order given: each once, each a current member of the
    detachment (else 422, nothing written). The detachment's row is share-locked, so a
    roster change waits until the signup is committed."""
    repeated = sorted({m for m in member_ids if member_ids.count(m) > 1})
    if repeated:
        raise Invalid(
            "同一党员在名单中出现了多次",
            code="team_signup.duplicate_members",
            fields={"member_ids": [f"重复的党员：{repeated}"]},
        )
    db.session.execute(
        select(Detachment.id).where(Detachment.id == detachment.id).with_for_update(read=True)
    )
    roster = set(current_member_ids(detachment.id))
    outside = [m for m in member_ids if m not in roster]
    if outside:
        raise Invalid(
            "以下党员不是本支队的成员",
            code="team_signup.not_in_detachment",
            fields={"member_ids": [f"不是本支队成员：{outside}"]},
        )
    found = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(member_ids)))}
    return [found[m] for m in member_ids]


def sign_up_team(
    *,
    actor: Actor,
    shift_id: int,
    detachment_id: int,
    member_ids: Sequence[int],
    origin: Origin | None = None,
) -> TeamSignup:
    """Sign the named members of the detachment up for the shift, each confirmed, or none.

    The detachment is checked first (its leader or the organization department; anyone else
    404 as for an unknown detachment), then the team (422), then, under the shift's lock,
    each member by the signup rules — already on the shift, not verified, not reported in
    where the task is visible, a clashing shift: one 409 ``team_signup.members_refused``
    naming every such member — and the places: fewer free places than members is 409
    ``team_signup.too_many``. Nothing is written unless every member gets a place; each
    member is then told (``SIGNUP_CONFIRMED``) and each signup records the detachment.
    """
    detachment = steward(actor, detachment_id, action="detachment.team_signup")
    if not detachment.active:
        raise Conflict("支队已停用，不能报名", code="detachment.inactive")
    team = _team(detachment, list(member_ids))
    tasks.lock_members(m.id for m in team)  # members before the shift, as every signup
    shift = tasks.get_shift(shift_id, lock=True)
    held, refused = tasks.admission(shift, team)  # the waitlist allowed: places judged below
    if refused and {e.code for e in refused.values()} <= _SHIFT_WIDE:
        raise next(iter(refused.values()))
    names = _names(team)
    failures = [
        {
            "member_id": member_id,
            "member_name": names[member_id],
            "code": "team_signup.already_signed_up",
            "message": "已报名该班次",
        }
        for member_id in held
    ] + [
        {
            "member_id": member_id,
            "member_name": names[member_id],
            "code": error.code,
            "message": error.message,
        }
        for member_id, error in refused.items()
    ]
    if failures:
        failures.sort(key=lambda f: member_ids.index(f["member_id"]))
        shown = "、".join(f"{f['member_name']}（{f['message']}）" for f in failures[:5])
        more = f"等 {len(failures)} 人" if len(failures) > 5 else ""
        raise Conflict(
            f"以下成员不能报名，请调整名单后重试：{shown}{more}",
            code="team_signup.members_refused",
            fields={"members": failures},
        )
    free = shift.capacity - shift.confirmed_count
    if len(team) > free:
        raise Conflict(
            f"班次只剩 {max(free, 0)} 个名额，不能为 {len(team)} 人报名（整队报名不进入候补）",
            code="team_signup.too_many",
            fields={"free_places": max(free, 0), "requested": len(team)},
        )
    signups = tasks.hold(shift, team)
    db.session.add_all(
        DetachmentSignup(signup_id=s.id, detachment_id=detachment.id, signed_up_by_id=actor.id)
        for s in signups
    )
    notify.about_shift(Event.SIGNUP_CONFIRMED, shift, [m.id for m in team])
    security.record(
        action="detachment.team_signup",
        account_id=actor.id,
        origin=origin,
        object_type="detachment",
        object_id=detachment.id,
        detail={"shift_id": shift.id, "members": [m.id for m in team]},
    )
    db.session.flush()
    return TeamSignup(detachment, shift, signups)
