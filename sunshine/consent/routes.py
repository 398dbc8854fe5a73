"""The privacy notice and the caller's consents."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.auth.current import current_actor, login_required, request_origin
from sunshine.consent import service
from sunshine.consent.models import PrivacyNotice
from sunshine.consent.schemas import ConsentIn, ConsentSummaryOut, NoticeIn, NoticeOut
from sunshine.extensions import db

blp = Blueprint("consent", __name__, url_prefix="/api/v1", description="隐私政策与授权")


@blp.route("/privacy-notice")
class CurrentNotice(MethodView):
    @blp.response(200, NoticeOut)
    @blp.alt_response(404, description="尚未发布")
    def get(self) -> PrivacyNotice:
        """The current privacy notice (readable before logging in)."""
        return service.get_current_notice()


@blp.route("/privacy-notices")
class Notices(MethodView):
    @login_required
    @blp.arguments(NoticeIn)
    @blp.response(201, NoticeOut)
    @blp.alt_response(409, description="版本已存在")
    def post(self, data: dict[str, Any]) -> PrivacyNotice:
        """Publish a new privacy notice version (system administrator)."""
        notice = service.publish_notice(actor=current_actor(), ip=request_origin().ip, **data)
        db.session.commit()
        return notice


@blp.route("/me/consents")
class MyConsents(MethodView):
    @login_required
    @blp.response(200, ConsentSummaryOut)
    def get(self) -> dict[str, Any]:
        """The caller's consents and whether a new notice needs accepting."""
        return service.summary(current_actor().id)

    @login_required
    @blp.arguments(ConsentIn)
    @blp.response(200, ConsentSummaryOut)
    @blp.alt_response(409, description="隐私政策已更新")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Accept the notice, or give or withdraw an optional consent."""
        actor = current_actor()
        service.record(actor=actor, ip=request_origin().ip, **data)
        db.session.commit()
        return service.summary(actor.id)
