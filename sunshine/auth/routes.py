"""Login, logout, /me and account administration."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine import rate_limits
from sunshine.access.permissions import Permission
from sunshine.auth import service
from sunshine.auth.current import current_actor, login_required, request_origin, requires
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
from sunshine.extensions import db
from sunshine.pagination import CursorPage

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与账号")


@blp.route("/auth/login")
class Login(MethodView):
    decorators: ClassVar[list[Any]] = [rate_limits.per_ip("LOGIN_RATE_LIMIT", "login")]

    @blp.arguments(LoginIn)
    @blp.response(200, TokenOut)
    @blp.alt_response(401, description="登录凭证无效或已使用（auth.invalid_code、auth.code_used）")
    @blp.alt_response(
        403,
        description="账号已停用（auth.account_disabled），"
        "或被微信判定为风险用户（auth.risky_user）",
    )
    @blp.alt_response(429, description="请求太频繁（rate_limited、wechat.rate_limited）")
    @blp.alt_response(502, description="微信返回错误（wechat.error）")
    @blp.alt_response(
        503, description="微信服务不可用（wechat.busy、wechat.unavailable、wechat.misconfigured）"
    )
    def post(self, data: dict[str, Any]) -> service.IssuedToken:
        """微信登录，换取访问令牌

        用 wx.login 的 code 登录，第一次登录时建立账号。不需要令牌。
        """
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
        """退出登录

        本次请求所用的令牌作废。
        """
        service.logout(actor=current_actor(), origin=request_origin())
        db.session.commit()


@blp.route("/me")
class Me(MethodView):
    @login_required
    @blp.response(200, MeOut)
    def get(self) -> dict[str, Any]:
        """当前账号、授权与党员状态"""
        return service.describe(current_actor())


@blp.route("/accounts")
class Accounts(MethodView):
    @requires(Permission.ACCOUNT_MANAGE)
    @blp.arguments(AccountListArgs, location="query")
    @blp.response(200, AccountPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """账号列表（系统管理员）"""
        return service.list_accounts(
            actor=current_actor(),
            status=args.get("status"),
            after_id=args.get("cursor"),
            limit=args["limit"],
        )


@blp.route("/accounts/<int:account_id>")
class AccountDetail(MethodView):
    @requires(Permission.ACCOUNT_MANAGE)
    @blp.response(200, AccountOut)
    def get(self, account_id: int) -> Account:
        """账号详情（系统管理员）"""
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
    @requires(Permission.ACCOUNT_MANAGE, action="account.disable")
    @blp.arguments(AccountStatusIn)
    @blp.response(200, AccountOut)
    @blp.alt_response(409, description="不能停用自己的账号（account.cannot_disable_self）")
    def post(self, data: dict[str, Any], account_id: int) -> Account:
        """停用账号（系统管理员）

        该账号的令牌从下一个请求起失效，也不能再登录。
        """
        return _set_status(account_id, AccountStatus.DISABLED, data["reason"])


@blp.route("/accounts/<int:account_id>/enable")
class AccountEnable(MethodView):
    @requires(Permission.ACCOUNT_MANAGE, action="account.enable")
    @blp.arguments(AccountStatusIn)
    @blp.response(200, AccountOut)
    def post(self, data: dict[str, Any], account_id: int) -> Account:
        """重新启用账号（系统管理员）"""
        return _set_status(account_id, AccountStatus.ACTIVE, data["reason"])
