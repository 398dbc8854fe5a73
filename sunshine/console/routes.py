"""The console login's one API call: the admin's mini-program confirms the scanned ticket."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.auth.current import current_actor, login_required, request_origin
from sunshine.console import service
from sunshine.console.schemas import TicketConfirmOut
from sunshine.extensions import db

blp = Blueprint("console", __name__, url_prefix="/api/v1", description="电脑端控制台登录")


@blp.route("/console/tickets/<string(length=24):ticket>/confirm")
class TicketConfirm(MethodView):
    @login_required
    @blp.response(200, TicketConfirmOut)
    @blp.alt_response(403, description="没有管理员授权（console.not_admin）")
    @blp.alt_response(404, description="登录二维码无效（console.ticket_unknown）")
    @blp.alt_response(409, description="登录二维码已使用（console.ticket_used）")
    @blp.alt_response(410, description="登录二维码已过期（console.ticket_expired）")
    def post(self, ticket: str) -> dict[str, str]:
        """确认电脑端控制台登录（小程序扫码后调用）

        小程序扫描控制台登录页的小程序码（scene 即票据），由管理员确认后调用；
        之后发起登录的那个浏览器取得会话。票据 2 分钟内有效，只能确认一次。
        """
        service.confirm(actor=current_actor(), ticket=ticket, origin=request_origin())
        db.session.commit()
        return {"status": "confirmed"}
