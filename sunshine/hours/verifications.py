"""Admins' requests to verify the ledgers, run by the jobs runner.

A verification walks every chain in its scope and compares the heads with the latest signed
digest (``ledger/digests.py``). That is unbounded work (a city's chains), so the request
only records what to verify (202); the job ``hours.run_ledger_verifications`` (every minute)
runs the pending ones and stores the result: ok, or the broken chains (member, ledger,
position, what). An org_admin verifies their city (the members living in it); a sys_admin
may also verify everything (no city).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import (
    EVERYWHERE,
    Actor,
    Permission,
    Place,
    authorize,
    require_somewhere,
)
from sunshine.access.refusals import Subject
from sunshine.errors import Missing
from sunshine.extensions import db
from sunshine.hours.ledger import digests
from sunshine.hours.models import LedgerVerification, VerificationStatus
from sunshine.org import service as org
from sunshine.org.models import AreaLevel
from sunshine.security import service as security

if TYPE_CHECKING:
    from sunshine.security.service import Origin

# Verifications run per job run, oldest first; the next run takes the rest.
PER_RUN = 3
# Broken chains kept in a result; a ledger broken beyond that needs `flask ledger verify`.
MAX_PROBLEMS = 100


def _place(verification: LedgerVerification) -> Place:
    return EVERYWHERE if verification.area_path is None else Place(area_path=verification.area_path)


def request(
    *, actor: Actor, city_id: int | None, origin: Origin | None = None
) -> LedgerVerification:
    """Ask for a verification of a city's members' chains (None: all, sys_admin only).

    The request and, when the job has run it, its outcome are security events
    (``ledger.verify_request``; ``ledger.verify``, a failure when a chain is broken)."""
    require_somewhere(actor, Permission.LEDGER_VERIFY)
    city = None if city_id is None else org.get_area_of_level(city_id, AreaLevel.CITY, "city_id")
    verification = LedgerVerification(
        requested_by_id=actor.id,
        area_id=None if city is None else city.id,
        area_path=None if city is None else city.path,
        status=VerificationStatus.PENDING,
        created_at=clock.now(),
    )
    authorize(actor, Permission.LEDGER_VERIFY, _place(verification))
    db.session.add(verification)
    db.session.flush()
    security.record(
        action="ledger.verify_request",
        account_id=actor.id,
        origin=origin,
        object_type="ledger_verification",
        object_id=verification.id,
        detail={"city_id": verification.area_id},
    )
    return verification


VERIFICATION_MISSING = Missing(code="ledger_verification.not_found", message="核验请求不存在")


def get(*, actor: Actor, verification_id: int) -> LedgerVerification:
    """One verification, for those who may verify its scope (others: 404)."""
    verification = db.session.get(LedgerVerification, verification_id)
    if verification is None:
        raise VERIFICATION_MISSING.error()
    subject = Subject("ledger_verification", verification.id, VERIFICATION_MISSING)
    authorize(actor, Permission.LEDGER_VERIFY, replace(_place(verification), subject=subject))
    return verification


def run(verification: LedgerVerification, now: datetime) -> None:
    digest, problems = digests.all_problems(verification.area_path, limit=MAX_PROBLEMS)
    verification.digest_id = None if digest is None else digest.id
    verification.ok = not problems
    verification.problems = [_problem(p) for p in problems]
    verification.status = VerificationStatus.DONE
    verification.finished_at = clock.now()
    security.record(
        action="ledger.verify",
        outcome="success" if verification.ok else "failure",
        account_id=verification.requested_by_id,
        object_type="ledger_verification",
        object_id=verification.id,
        reason=None if verification.ok else "ledger.broken",
        detail={"city_id": verification.area_id, "problems": len(problems)},
    )


def _problem(problem: Any) -> dict[str, Any]:
    return {
        "ledger": None if problem.ledger is None else str(problem.ledger),
        "member_id": problem.member_id,
        "seq": problem.seq,
        "what": problem.what,
    }


def run_pending(now: datetime) -> int:
    """Run up to ``PER_RUN`` pending verifications (locked: two runners never share one)."""
    pending = db.session.scalars(
        select(LedgerVerification)
        .where(LedgerVerification.status == VerificationStatus.PENDING)
        .order_by(LedgerVerification.id)
        .limit(PER_RUN)
        .with_for_update(skip_locked=True)
    ).all()
    for verification in pending:
        run(verification, now)
    db.session.flush()
    return len(pending)
