"""The privacy notice and the caller's consents."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.consent import service
from sunshine.consent.models import PrivacyNotice
from sunshine.consent.schemas import ConsentIn, ConsentSummaryOut, NoticeIn, NoticeOut
from sunshine.extensions import db

blp = Blueprint("consent", __name__, url_prefix="/api/v1", description="隐私政策与授权")


@blp.route("/privacy-notice")
class CurrentNotice(MethodView):
    @blp.response(200, NoticeOut)
    @blp.alt_response(404, description="尚未发布隐私政策（consent.no_notice）")
    def get(self) -> PrivacyNotice:
        """当前的隐私政策

        不需要登录。
        """
        return service.get_current_notice()


@blp.route("/privacy-notices")
class Notices(MethodView):
    @requires(Permission.CATALOGUE_MANAGE)
    @blp.arguments(NoticeIn)
    @blp.response(201, NoticeOut)
    @blp.alt_response(409, description="版本已存在（consent.version_exists）")
    def post(self, data: dict[str, Any]) -> PrivacyNotice:
        """发布新版隐私政策（系统管理员）

        发布后用户须同意新版才能继续使用需要同意的功能（consent.notice_required）。
        """
        notice = service.publish_notice(actor=current_actor(), ip=request_origin().ip, **data)
        db.session.commit()
        return notice


@blp.route("/me/consents")
class MyConsents(MethodView):
    @login_required
    @blp.response(200, ConsentSummaryOut)
    def get(self) -> dict[str, Any]:
        """我的授权同意情况

        并说明是否有新版隐私政策需要同意。
        """
        return service.summary(current_actor().id)

    @login_required
    @blp.arguments(ConsentIn)
    @blp.response(200, ConsentSummaryOut)
    @blp.alt_response(404, description="尚未发布隐私政策（consent.no_notice）")
    @blp.alt_response(409, description="隐私政策已更新（consent.stale_notice）")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """同意隐私政策，或给出、撤回可选授权

        同意时提交的版本须是当前版本（consent.stale_notice）；隐私政策本身的同意不能撤回，
        不同意请注销账号（consent.notice_not_withdrawable，422）。
        """
        actor = current_actor()
        service.record(actor=actor, ip=request_origin().ip, **data)
        db.session.commit()
        return service.summary(actor.id)
