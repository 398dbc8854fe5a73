"""Login with WeChat, the app's own bearer tokens, and account administration."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from sunshine import clock, wechat
from sunshine.access.permissions import EVERYWHERE, Actor, OwnMember, Permission, authorize
from sunshine.auth.models import Account, AccountStatus, AuthToken
from sunshine.database import table_of
from sunshine.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.pagination import CursorPage, newest_first
from sunshine.security import service as security
from sunshine.security.service import Origin


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 -- the scheme name, not a secret


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(*, code: str, origin: Origin, token_ttl: int) -> IssuedToken:
    """Exchange a ``wx.login`` code for our own token, creating the account on first login.

    WeChat is called before any database work, so no transaction is open across the call.
    Failures are security-logged even though the request itself is rolled back.
    """
    try:
        session = wechat.code_to_session(code)
    except DomainError as error:
        error.security_event = {
            "action": "login",
            "outcome": "failure",
            "reason": error.code,
            "origin": origin,
        }
        raise
    account = db.session.scalar(select(Account).where(Account.openid == session.openid))
    if account is None:
        account = Account(openid=session.openid)
        db.session.add(account)
    if session.unionid:
        account.unionid = session.unionid
    if not account.is_active:
        db.session.flush()
        raise Forbidden(
            "账号已停用，请联系管理员",
            code="auth.account_disabled",
            security_event={
                "action": "login",
                "outcome": "failure",
                "reason": "auth.account_disabled",
                "account_id": account.id,
                "origin": origin,
            },
        )
    now = clock.now()
    account.last_login_at = now
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            account=account,
            token_hash=_hash(raw),
            created_at=now,
            expires_at=now + timedelta(seconds=token_ttl),
            ip=origin.ip,
        )
    )
    db.session.flush()
    security.record(
        action="login",
        account_id=account.id,
        origin=origin,
        object_type="account",
        object_id=account.id,
    )
    return IssuedToken(access_token=raw, expires_in=token_ttl)


# One statement per request: the token, its account's status and the account's own member
# registration. Built once (statements cost real CPU to build, and every request runs this
# one); on Table columns, so the session runs it as plain SQL and returns plain rows.
_tokens, _accounts, _members = table_of(AuthToken), table_of(Account), table_of(Member)
_AUTHENTICATE = (
    select(
        _tokens.c.id,
        _tokens.c.expires_at,
        _tokens.c.revoked_at,
        _tokens.c.account_id,
        _accounts.c.status,
        _members.c.id,
        _members.c.status,
        _tokens.c.idle_timeout,
        _tokens.c.last_used_at,
    )
    .join_from(_tokens, _accounts, _tokens.c.account_id == _accounts.c.id)
    .outerjoin(_members, _members.c.account_id == _accounts.c.id)
    .where(_tokens.c.token_hash == bindparam("token_hash"))
)


def authenticate(raw_token: str | None) -> Actor:
    """The actor behind a bearer token; refuses missing, unknown, expired and revoked ones."""
    if not raw_token:
        raise Unauthorized()
    row = db.session.execute(_AUTHENTICATE, {"token_hash": _hash(raw_token)}).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("登录已失效，请重新登录", code="auth.invalid_token")
    token_id, expires_at, _, account_id, status, member_id, member_status, idle, used = row
    now = clock.now()
    if expires_at <= now:
        raise Unauthorized("登录已过期，请重新登录", code="auth.token_expired")
    if idle is not None and used + timedelta(seconds=idle) <= now:
        raise Unauthorized(
            "长时间未操作，请重新登录",
            code="auth.idle_timeout",
            security_event={
                "action": "console_logout",
                "outcome": "failure",
                "reason": "auth.idle_timeout",
                "account_id": account_id,
                "object_type": "auth_token",
                "object_id": token_id,
            },
        )
    if status == AccountStatus.DISABLED:
        raise Forbidden("账号已停用，请联系管理员", code="auth.account_disabled")
    own = None if member_id is None else OwnMember(id=member_id, status=member_status)
    actor = Actor(account_id=account_id, token_id=token_id, own_member=own)
    actor.touch_due = idle is not None and now - used >= _TOUCH_EVERY
    return actor


# A session with an idle limit records its use at most this often (one write a minute, not
# one per request); the limit is therefore kept to within this much.
_TOUCH_EVERY = timedelta(seconds=60)


def touch(token_id: int) -> None:
    """Record that a token with an idle limit was used now (its idle clock restarts)."""
    db.session.execute(
        update(AuthToken).where(AuthToken.id == token_id).values(last_used_at=clock.now())
    )


def issue_session_token(*, account_id: int, origin: Origin, ttl: int, idle_timeout: int) -> str:
    """A token for a console session: like a login's, with an idle limit. Returns the raw
    token (the caller puts it in an HttpOnly cookie); only its hash is stored."""
    now = clock.now()
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            account_id=account_id,
            token_hash=_hash(raw),
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
            ip=origin.ip,
            idle_timeout=idle_timeout,
            last_used_at=now,
        )
    )
    db.session.flush()
    return raw


def csrf_token(raw_token: str, secret_key: str) -> str:
    """The CSRF token of a cookie-carried session: derived from the session's token with the
    app's secret, so it needs no storage and dies with the session."""
    return hmac.new(secret_key.encode(), b"csrf:" + raw_token.encode(), "sha256").hexdigest()


def revoke_tokens(
    *, account_id: int, token_id: int | None = None, at: datetime | None = None
) -> None:
    """Revoke the account's live tokens, or only ``token_id`` of them; a revoked token fails
    from the very next request. ``at`` (default now) lets a caller stamp it with the moment
    of the decision that revoked it. The one place that revokes tokens."""
    query = update(AuthToken).where(
        AuthToken.account_id == account_id, AuthToken.revoked_at.is_(None)
    )
    if token_id is not None:
        query = query.where(AuthToken.id == token_id)
    db.session.execute(query.values(revoked_at=at or clock.now()))


def close_account(account: Account, *, at: datetime) -> None:
    """Close an account for good at its holder's request: unlinked from WeChat (a later login
    starts a new account), phone removed, disabled, every token revoked. Token rows are
    housekeeping, not evidence: they keep no IP once the person has left."""
    account.openid = f"deactivated:{account.id}:{secrets.token_hex(8)}"
    account.unionid = account.phone = None
    account.phone_bound_at = None
    account.status, account.disabled_at, account.disabled_reason = (
        AccountStatus.DISABLED,
        at,
        "本人注销",
    )
    revoke_tokens(account_id=account.id, at=at)
    db.session.execute(update(AuthToken).where(AuthToken.account_id == account.id).values(ip=None))


def logout(*, actor: Actor, origin: Origin) -> None:
    """Revoke the token the actor used; it fails from the very next request."""
    if actor.token_id is not None:
        revoke_tokens(account_id=actor.id, token_id=actor.token_id)
    security.record(
        action="logout",
        account_id=actor.id,
        origin=origin,
        object_type="account",
        object_id=actor.id,
    )


def get_account(*, actor: Actor, account_id: int) -> Account:
    authorize(actor, Permission.ACCOUNT_MANAGE, EVERYWHERE)
    account = db.session.get(Account, account_id)
    if account is None:
        raise NotFound("账号不存在", code="account.not_found")
    return account


def list_accounts(
    *, actor: Actor, limit: int, after_id: int | None = None, status: AccountStatus | None = None
) -> CursorPage:
    """All accounts, newest first, for the system administrator."""
    authorize(actor, Permission.ACCOUNT_MANAGE, EVERYWHERE)
    query = select(Account)
    if status is not None:
        query = query.where(Account.status == status)
    return newest_first(query, Account.id, after_id=after_id, limit=limit)


def set_account_status(
    *, actor: Actor, account_id: int, status: AccountStatus, reason: str | None, origin: Origin
) -> Account:
    """Disable (revoking every token at once) or re-enable an account."""
    authorize(
        actor,
        Permission.ACCOUNT_MANAGE,
        EVERYWHERE,
        audit={
            "action": f"account.{_verb(status)}",
            "object_type": "account",
            "object_id": account_id,
            "origin": origin,
        },
    )
    account = get_account(actor=actor, account_id=account_id)
    if account.id == actor.id and status == AccountStatus.DISABLED:
        raise Conflict("不能停用自己的账号", code="account.cannot_disable_self")
    if account.status == status:
        return account
    now = clock.now()
    account.status = status
    if status == AccountStatus.DISABLED:
        account.disabled_at, account.disabled_reason = now, reason
        revoke_tokens(account_id=account.id, at=now)
    else:
        account.disabled_at, account.disabled_reason = None, None
    security.record(
        action=f"account.{_verb(status)}",
        account_id=actor.id,
        origin=origin,
        object_type="account",
        object_id=account.id,
        detail={"reason": reason} if reason else None,
    )
    db.session.flush()
    return account


def _verb(status: AccountStatus) -> str:
    return "disable" if status == AccountStatus.DISABLED else "enable"


def describe(actor: Actor) -> dict[str, object]:
    """What /me shows: the account, its grants and roles, member status and consents.

    ``member`` is a role no one grants: a verified registration makes it.
    """
    # Members and consents build on accounts, so they are imported here, not at the top.
    from sunshine.consent import service as consent
    from sunshine.members import service as members
    from sunshine.members.models import MemberStatus

    member = members.own_member_or_none(actor)
    status = "unregistered"
    if member is not None and member.status != MemberStatus.DEACTIVATED:
        status = member.status.value
    roles = {role.value for role in actor.roles()}
    if status == MemberStatus.VERIFIED:
        roles.add("member")
    return {
        "account": actor.account,
        "grants": actor.grants,
        "roles": sorted(roles),
        "member_status": status,
        "consents": consent.summary(actor.id),
    }
