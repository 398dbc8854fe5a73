"""Deactivation at the member's request: personal data removed, report-ins ended, the
account closed.

Its own module because it ends the member's report-ins, and report-in builds on members:
``reportin.service`` calls ``members.service``, so ``members.service`` cannot call back.
"""

from __future__ import annotations

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.auth import service as auth
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.members.models import MemberStatus
from sunshine.notify import service as notify
from sunshine.reportin import service as reportin
from sunshine.security import service as security


def deactivate(*, actor: Actor, reason: str | None, ip: str | None) -> None:
    """Remove the member's personal data, keeping ledger rows attached to an anonymous record.

    The account is closed (every token revoked) and unlinked from WeChat, so a later login
    starts a new account. Consent records stay as proof of what was consented to, when.
    """
    account = actor.account
    member = members.own_member_or_none(actor)
    now = clock.now()
    if member is not None and member.status != MemberStatus.DEACTIVATED:
        reportin.end_all_for_deactivation(member)
        member.name = "已注销"
        member.skills = []
        member.party_org = None
        member.roster_entry_id = None
        member.available_weekday_daytime = member.available_evenings = False
        member.available_weekends = False
        member.status = MemberStatus.DEACTIVATED
        member.review_reason = None
    notify.forget(account.id)
    auth.close_account(account, at=now)
    security.record(
        action="account.deactivate",
        account_id=actor.id,
        ip=ip,
        object_type="account",
        object_id=actor.id,
        detail={"reason": reason} if reason else None,
    )
    db.session.flush()
