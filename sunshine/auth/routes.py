"""Login, logout, /me and account administration."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.auth import service
from sunshine.auth.current import current_actor, login_required, request_origin
from sunshine.auth.models import Account, AccountStatus
from sunshine.auth.schemas import (
    AccountListArgs,
    AccountOut,
    AccountPage,
    AccountStatusIn,
    LoginIn,
    MeOut,
    TokenOut,
)
from sunshine.extensions import db, limiter
from sunshine.pagination import CursorPage

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与账号")


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@blp.route("/auth/login")
class Login(MethodView):
    decorators: ClassVar[list[Any]] = [limiter.limit(_login_limit)]

    @blp.arguments(LoginIn)
    @blp.response(200, TokenOut)
    @blp.alt_response(401, description="登录凭证无效或已使用")
    @blp.alt_response(403, description="账号已停用或被微信判定为风险用户")
    @blp.alt_response(429, description="请求太频繁")
    @blp.alt_response(503, description="微信服务不可用")
    def post(self, data: dict[str, Any]) -> service.IssuedToken:
        """Log in with a wx.login code and get a bearer token."""
        token = service.login(
            code=data["code"],
            origin=request_origin(),
            token_ttl=current_app.config["AUTH_TOKEN_TTL"],
        )
        db.session.commit()
        return token


@blp.route("/auth/logout")
class Logout(MethodView):
    @login_required
    @blp.response(204)
    def post(self) -> None:
        """Revoke the bearer token used for this request."""
        service.logout(actor=current_actor(), origin=request_origin())
        db.session.commit()


@blp.route("/me")
class Me(MethodView):
    @login_required
    @blp.response(200, MeOut)
    def get(self) -> dict[str, Any]:
        """The current account, its grants and its member status."""
        return service.describe(current_actor())


@blp.route("/accounts")
class Accounts(MethodView):
    @login_required
    @blp.arguments(AccountListArgs, location="query")
    @blp.response(200, AccountPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """List accounts (system administrator)."""
        return service.list_accounts(
            actor=current_actor(),
            status=args.get("status"),
            after_id=args.get("cursor"),
            limit=args["limit"],
        )


@blp.route("/accounts/<int:account_id>")
class AccountDetail(MethodView):
    @login_required
    @blp.response(200, AccountOut)
    def get(self, account_id: int) -> Account:
        """One account (system administrator)."""
        return service.get_account(actor=current_actor(), account_id=account_id)


def _set_status(account_id: int, status: AccountStatus, reason: str | None) -> Account:
    account = service.set_account_status(
        actor=current_actor(),
        account_id=account_id,
        status=status,
        reason=reason,
        origin=request_origin(),
    )
    db.session.commit()
    return account


@blp.route("/accounts/<int:account_id>/disable")
class AccountDisable(MethodView):
    @login_required
    @blp.arguments(AccountStatusIn)
    @blp.response(200, AccountOut)
    def post(self, data: dict[str, Any], account_id: int) -> Account:
        """Disable an account; its tokens stop working on the next request."""
        return _set_status(account_id, AccountStatus.DISABLED, data["reason"])


@blp.route("/accounts/<int:account_id>/enable")
class AccountEnable(MethodView):
    @login_required
    @blp.arguments(AccountStatusIn)
    @blp.response(200, AccountOut)
    def post(self, data: dict[str, Any], account_id: int) -> Account:
        """Re-enable a disabled account."""
        return _set_status(account_id, AccountStatus.ACTIVE, data["reason"])
