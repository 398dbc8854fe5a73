"""Reading statements: the holder's own, the issuing organisation's, and the PDF.

The holder reads their statements (``/me/statements``); admins whose grant of
``statement.read`` covers the issuing organisation (its community admins, the street above,
the organization department) read the ones issued in its name. Both see the page form with
the verification code, which they need to hand the statement on; the code is unsealed with
the application's key (``codes``), and a statement whose code can no longer be read (the key
changed since) shows none and has no PDF (409 ``statement.code_unreadable``).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, Place, authorize
from sunshine.access.refusals import Subject, concealed
from sunshine.api import Shown
from sunshine.errors import Conflict, Missing
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.pagination import CursorPage, newest_first
from sunshine.statements import codes, pdf
from sunshine.statements.models import Statement
from sunshine.statements.validity import REASON_LABELS, Standing, revocations

VERIFY_PATH = "/api/v1/statements/verify"


def check_page() -> str:
    """The public check's address (``PUBLIC_BASE_URL``), as printed for typing."""
    return f"{current_app.config['PUBLIC_BASE_URL']}{VERIFY_PATH}"


def verify_url(number: str, code: str) -> str:
    """What the QR code holds: the public check with the number and the code filled in."""
    return f"{check_page()}?{urlencode({'number': number, 'code': code})}"


def _code_of(statement: Statement) -> str | None:
    return codes.unseal(
        statement.code_sealed,
        number=statement.number,
        secret_key=current_app.config["SECRET_KEY"],
    )


def _shown(statements: Sequence[Statement], *, full: bool) -> list[Shown]:
    revoked = revocations([s.id for s in statements])
    shown = []
    for statement in statements:
        reason = revoked.get(statement.id)
        extra: dict[str, object] = {
            "status": Standing.VALID if reason is None else Standing.REVOKED,
            "revoked_reason": reason,
            "revoked_label": None if reason is None else REASON_LABELS[reason],
            "total_hours": round(statement.total_minutes / 60, 2),
            "issuer": {"id": statement.area_id, "name": statement.issuer_name},
        }
        if full:
            code = _code_of(statement)
            extra["verification_code"] = None if code is None else codes.shown(code)
            extra["verify_url"] = None if code is None else verify_url(statement.number, code)
            extra["check_page"] = check_page()
            extra["items"] = [
                Shown(item, hours=round(item.minutes / 60, 2)) for item in statement.items
            ]
        shown.append(Shown(statement, **extra))
    return shown


def shown(statements: Sequence[Statement]) -> list[Shown]:
    """Statements in their page form (with the code and the services they list)."""
    return _shown(statements, full=True)


STATEMENT_MISSING = Missing(code="statement.not_found", message="证明不存在")


def _subject(statement: Statement) -> Subject:
    return Subject("statement", statement.id, STATEMENT_MISSING)


def _get(statement_id: int) -> Statement:
    statement = db.session.scalar(
        select(Statement).where(Statement.id == statement_id).options(selectinload(Statement.items))
    )
    if statement is None:
        raise STATEMENT_MISSING.error()
    return statement


def _own(actor: Actor, statement_id: int) -> Statement:
    """The member's own statement; anyone else's is as unknown as a missing one."""
    member = members.own_member(actor)
    statement = _get(statement_id)
    if statement.member_id != member.id:
        raise concealed(account_id=actor.id, action="statement.read", subject=_subject(statement))
    return statement


def _readable(actor: Actor, statement_id: int) -> Statement:
    """The statement for its holder, or an admin whose scope covers its issuer."""
    statement = _get(statement_id)
    holder = members.own_member_or_none(actor)
    if holder is None or holder.id != statement.member_id:
        authorize(
            actor,
            Permission.STATEMENT_READ,
            Place(area_path=statement.area_path, subject=_subject(statement)),
            audit={"action": "statement.read"},
        )
    return statement


def my_statement(*, actor: Actor, statement_id: int) -> Shown:
    return shown([_own(actor, statement_id)])[0]


def statement_for(*, actor: Actor, statement_id: int) -> Shown:
    return shown([_readable(actor, statement_id)])[0]


def my_statements(*, actor: Actor, limit: int, after_id: int | None = None) -> CursorPage:
    """The member's statements, newest first (without their services and codes)."""
    member = members.own_member(actor)
    page = newest_first(
        select(Statement).where(Statement.member_id == member.id),
        Statement.id,
        after_id=after_id,
        limit=limit,
    )
    return CursorPage(_shown(page.items, full=False), page.next_cursor)


def list_statements(
    *, actor: Actor, limit: int, after_id: int | None = None, area_id: int | None = None
) -> CursorPage:
    """Statements issued by organisations in the actor's scope, newest first."""
    page = scoped_page(
        select(Statement),
        actor=actor,
        permission=Permission.STATEMENT_READ,
        within_area_id=area_id,
        id_column=Statement.id,
        area_path=Statement.area_path,
        after_id=after_id,
        limit=limit,
    )
    return CursorPage(_shown(page.items, full=False), page.next_cursor)


def _pdf(statement: Statement) -> bytes:
    if statement.id in revocations([statement.id]):
        raise Conflict(
            "该证明所列的服务记录已作废或变更，证明已失效，请重新申请",
            code="statement.revoked",
        )
    code = _code_of(statement)
    if code is None:
        raise Conflict("该证明的核验码已无法读取，请重新申请证明", code="statement.code_unreadable")
    document = pdf.Document(
        number=statement.number,
        holder_name=statement.holder_name,
        issuer_name=statement.issuer_name,
        starts_on=statement.starts_on,
        ends_on=statement.ends_on,
        services=statement.services,
        total_minutes=statement.total_minutes,
        issued_on=statement.issued_on,
        code=codes.shown(code),
        verify_url=verify_url(statement.number, code),
        check_page=check_page(),
        lines=[
            pdf.Line(i.service_date, i.activity_name, i.place, i.minutes) for i in statement.items
        ],
    )
    return pdf.render(document, font_path=current_app.config["STATEMENT_FONT_PATH"])


def my_pdf(*, actor: Actor, statement_id: int) -> tuple[str, bytes]:
    """(number, PDF) of the member's own statement."""
    statement = _own(actor, statement_id)
    return statement.number, _pdf(statement)


def pdf_for(*, actor: Actor, statement_id: int) -> tuple[str, bytes]:
    """(number, PDF) for the holder or an admin in scope."""
    statement = _readable(actor, statement_id)
    return statement.number, _pdf(statement)
