"""The privacy notice and consents: given, withdrawn and checked.

Every change appends a ``ConsentRecord``; the state is the newest record per kind. Accepting
the current privacy notice is required to register and to report in; the two optional
consents (unit feedback, public ranking) are independent and can be withdrawn at any time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from sunshine.access.permissions import EVERYWHERE, Actor, Permission, authorize
from sunshine.consent.models import ConsentKind, ConsentRecord, PrivacyNotice
from sunshine.errors import Conflict, Forbidden, Invalid, NotFound
from sunshine.extensions import db
from sunshine.security import service as security


@dataclass(frozen=True)
class ConsentState:
    kind: ConsentKind
    granted: bool
    notice_version: str | None
    recorded_at: Any


def current_notice() -> PrivacyNotice | None:
    return db.session.scalar(select(PrivacyNotice).order_by(PrivacyNotice.id.desc()).limit(1))


def get_current_notice() -> PrivacyNotice:
    notice = current_notice()
    if notice is None:
        raise NotFound("隐私政策尚未发布", code="consent.no_notice")
    return notice


def publish_notice(
    *, actor: Actor, version: str, title: str, content: str, ip: str | None = None
) -> PrivacyNotice:
    """Publish a new notice version; everyone must accept it again before going on."""
    authorize(actor, Permission.CATALOGUE_MANAGE, EVERYWHERE)
    if db.session.scalar(select(PrivacyNotice.id).where(PrivacyNotice.version == version)):
        raise Conflict("该版本已发布", code="consent.version_exists")
    notice = PrivacyNotice(version=version, title=title, content=content, published_by_id=actor.id)
    db.session.add(notice)
    db.session.flush()
    security.record(
        action="privacy_notice.publish",
        account_id=actor.id,
        ip=ip,
        object_type="privacy_notice",
        object_id=notice.id,
        detail={"version": version},
    )
    return notice


def states(account_id: int) -> dict[ConsentKind, ConsentState]:
    """The current state of each consent kind for an account."""
    latest: dict[ConsentKind, ConsentState] = {}
    rows = db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.account_id == account_id)
        .order_by(ConsentRecord.id.desc())
    )
    for row in rows:
        if row.kind not in latest:
            latest[row.kind] = ConsentState(
                row.kind, row.granted, row.notice_version, row.recorded_at
            )
    for kind in ConsentKind:
        latest.setdefault(kind, ConsentState(kind, False, None, None))
    return latest


def in_force(
    kind: ConsentKind, account_id: ColumnElement[int] | InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """SQL: the newest record of ``kind`` for the account in ``account_id`` is a grant.

    For listings that show only those who consented (the unit-feedback rule): one backward
    step through the (account, kind, id) index per row.
    """
    newest = (
        select(ConsentRecord.granted)
        .where(ConsentRecord.account_id == account_id, ConsentRecord.kind == kind)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return newest.is_(True)


def summary(account_id: int) -> dict[str, Any]:
    """What /me shows: the notice version accepted, whether a new one needs accepting."""
    notice = current_notice()
    current = states(account_id)
    accepted = current[ConsentKind.PRIVACY_NOTICE]
    return {
        "current_notice_version": notice.version if notice else None,
        "accepted_notice_version": accepted.notice_version if accepted.granted else None,
        "needs_acceptance": notice is not None
        and not (accepted.granted and accepted.notice_version == notice.version),
        "unit_feedback": current[ConsentKind.UNIT_FEEDBACK].granted,
        "public_ranking": current[ConsentKind.PUBLIC_RANKING].granted,
    }


def record(
    *, actor: Actor, kind: ConsentKind, granted: bool, notice_version: str, ip: str | None
) -> ConsentRecord:
    """Give or withdraw one consent, against the notice version the user was shown."""
    notice = get_current_notice()
    if notice_version != notice.version:
        raise Conflict("隐私政策已更新，请阅读最新版本后再确认", code="consent.stale_notice")
    if kind == ConsentKind.PRIVACY_NOTICE and not granted:
        raise Invalid(
            "隐私政策是使用本服务的前提，不同意请注销账号",
            code="consent.notice_not_withdrawable",
            fields={"granted": ["不能撤回对隐私政策的同意"]},
        )
    row = ConsentRecord(
        account_id=actor.id, kind=kind, granted=granted, notice_version=notice.version, ip=ip
    )
    db.session.add(row)
    db.session.flush()
    return row


def history(account_id: int) -> list[ConsentRecord]:
    return list(
        db.session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.account_id == account_id)
            .order_by(ConsentRecord.id)
        )
    )


def require_notice_accepted(account_id: int) -> None:
    """Refuse to go on until the current privacy notice is accepted."""
    notice = get_current_notice()
    accepted = states(account_id)[ConsentKind.PRIVACY_NOTICE]
    if not (accepted.granted and accepted.notice_version == notice.version):
        raise Forbidden("请先阅读并同意最新的隐私政策", code="consent.notice_required")
