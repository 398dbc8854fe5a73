"""Granting and revoking roles."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access import service, views
from sunshine.access.models import Grant
from sunshine.access.schemas import GrantIn, GrantListArgs, GrantOut, GrantPage, RevokeIn
from sunshine.access.service import GRANTING
from sunshine.auth.current import current_actor, request_origin, requires
from sunshine.extensions import db
from sunshine.pagination import CursorPage

blp = Blueprint("access", __name__, url_prefix="/api/v1", description="角色授权")


@blp.route("/grants")
class Grants(MethodView):
    @requires(*GRANTING)
    @blp.arguments(GrantListArgs, location="query")
    @blp.response(200, GrantPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖范围内的授权

        系统管理员看全部，组织部看本市；社区管理员看本社区各网格的网格角色。
        """
        return views.list_grants(actor=current_actor(), **args)

    @requires(*GRANTING, action="grant.create")
    @blp.arguments(GrantIn)
    @blp.response(201, GrantOut)
    @blp.alt_response(
        404,
        description="账号、党员、区域或单位不存在（account.not_found、member.not_found、"
        "area.not_found、unit.not_found）",
    )
    @blp.alt_response(
        409,
        description="已有相同授权（grant.duplicate），或党员尚未认证（grant.member_not_verified）",
    )
    def post(self, data: dict[str, Any]) -> Grant:
        """授予角色

        系统管理员可授予任何角色；组织部只能在本市范围内授予；社区管理员只能为本社区的网格
        授予网格员、网格助理员、网格联络员（其他角色或其他社区：403）。网格联络员须是已编入
        该网格的报到党员（grant.liaison_not_in_grid，422）。
        按 account_id 或 member_id 二选一（grant.bad_grantee）；党员角色由注册认证产生，
        不能直接授予（grant.role_not_grantable）；范围须与角色相符（grant.bad_scope）。
        """
        grant = service.create_grant(actor=current_actor(), origin=request_origin(), **data)
        db.session.commit()
        return grant


@blp.route("/grants/<int:grant_id>/revoke")
class GrantRevoke(MethodView):
    @requires(*GRANTING, action="grant.revoke")
    @blp.arguments(RevokeIn)
    @blp.response(200, GrantOut)
    @blp.alt_response(404, description="授权不存在（grant.not_found）")
    @blp.alt_response(
        409,
        description="已撤销（grant.already_revoked），"
        "或是最后一个系统管理员（grant.last_sys_admin）",
    )
    def post(self, data: dict[str, Any], grant_id: int) -> Grant:
        """撤销授权

        持有人的下一个请求起失效。社区管理员只能撤销本社区网格的网格角色。
        """
        grant = service.revoke_grant(
            actor=current_actor(), grant_id=grant_id, reason=data["reason"], origin=request_origin()
        )
        db.session.commit()
        return grant
