"""Who is acting: the authenticated account as services see it, its grants read on demand."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sqlalchemy import select

from sunshine.access.models import Grant, Role
from sunshine.auth.models import Account
from sunshine.extensions import db


class _Unread(Enum):
    UNREAD = "unread"


UNREAD = _Unread.UNREAD  # an Actor made without authentication: its member is read on demand


@dataclass(frozen=True)
class OwnMember:
    """The actor's own member registration as read with the token: its id and status."""

    id: int
    status: str


class Actor:
    """The authenticated account, as services see it.

    Authentication reads the token, the account's id and status and the account's own member
    registration (``own_member``; ``None`` when it has none) in one statement. The account
    row and the grants in force are read on first use: most of a member's requests (a
    check-in, the feed) never ask for a permission, and need not pay for the queries.
    """

    def __init__(
        self,
        account: Account | None = None,
        grants: list[Grant] | None = None,
        token_id: int | None = None,
        *,
        account_id: int | None = None,
        own_member: OwnMember | _Unread | None = UNREAD,
    ) -> None:
        if account is not None:
            account_id = account.id
        elif account_id is None:
            raise ValueError("an actor needs its account or its account_id")
        self._account = account
        self.account_id = account_id
        self.token_id = token_id
        self._grants = grants
        self.own_member = own_member
        # A console session's idle clock is due a restart (sunshine.auth.current records it).
        self.touch_due = False

    @property
    def id(self) -> int:
        return self.account_id

    @property
    def account(self) -> Account:
        if self._account is None:
            self._account = db.session.get_one(Account, self.account_id)
        return self._account

    @property
    def grants(self) -> list[Grant]:
        if self._grants is None:
            self._grants = active_grants(self.account_id)
        return self._grants

    def roles(self) -> set[Role]:
        return {grant.role for grant in self.grants}


def active_grants(account_id: int) -> list[Grant]:
    """An account's grants in force."""
    return list(
        db.session.scalars(
            select(Grant).where(Grant.account_id == account_id, Grant.revoked_at.is_(None))
        )
    )
