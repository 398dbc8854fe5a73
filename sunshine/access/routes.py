"""Granting and revoking roles."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access import service, views
from sunshine.access.models import Grant
from sunshine.access.schemas import GrantIn, GrantListArgs, GrantOut, GrantPage, RevokeIn
from sunshine.auth.current import current_actor, login_required, request_origin
from sunshine.extensions import db
from sunshine.pagination import CursorPage

blp = Blueprint("access", __name__, url_prefix="/api/v1", description="角色授权")


@blp.route("/grants")
class Grants(MethodView):
    @login_required
    @blp.arguments(GrantListArgs, location="query")
    @blp.response(200, GrantPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """List grants within the caller's scope."""
        return views.list_grants(actor=current_actor(), **args)

    @login_required
    @blp.arguments(GrantIn)
    @blp.response(201, GrantOut)
    @blp.alt_response(404, description="账号、党员、区域或单位不存在")
    @blp.alt_response(409, description="已有相同授权，或党员尚未认证")
    def post(self, data: dict[str, Any]) -> Grant:
        """Grant a role on a scope to an account or a member (sys admin; org_admin in its city)."""
        grant = service.create_grant(actor=current_actor(), origin=request_origin(), **data)
        db.session.commit()
        return grant


@blp.route("/grants/<int:grant_id>/revoke")
class GrantRevoke(MethodView):
    @login_required
    @blp.arguments(RevokeIn)
    @blp.response(200, GrantOut)
    @blp.alt_response(404, description="授权不存在")
    @blp.alt_response(409, description="已撤销，或是最后一个系统管理员")
    def post(self, data: dict[str, Any], grant_id: int) -> Grant:
        """Revoke a grant; it stops working on the holder's next request."""
        grant = service.revoke_grant(
            actor=current_actor(), grant_id=grant_id, reason=data["reason"], origin=request_origin()
        )
        db.session.commit()
        return grant
