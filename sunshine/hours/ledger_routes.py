"""Verifying the ledgers over the API: a request (202), run by the jobs runner, then read."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import Shown
from sunshine.auth.current import current_actor, request_origin, requires
from sunshine.extensions import db
from sunshine.hours import verifications, views
from sunshine.hours.schemas import VerificationIn, VerificationOut

blp = Blueprint("ledger", __name__, url_prefix="/api/v1", description="账本核验")


@blp.route("/ledger/verifications")
class Verifications(MethodView):
    @requires(Permission.LEDGER_VERIFY)
    @blp.arguments(VerificationIn)
    @blp.response(202, VerificationOut)
    @blp.alt_response(404, description="市/县不存在（area.not_found）")
    def post(self, body: dict[str, Any]) -> Shown:
        """申请核验账本（后台任务执行）

        组织部可核验本市党员的时长与积分账本，系统管理员可核验全部（不填 city_id）。请求只登记，
        由后台任务逐条检查哈希链，并与最近一次签名的账本摘要比对；结果用 GET 查看。
        """
        verification = verifications.request(
            actor=current_actor(), city_id=body.get("city_id"), origin=request_origin()
        )
        db.session.commit()
        return views.verification(verification)


@blp.route("/ledger/verifications/<int:verification_id>")
class Verification(MethodView):
    @requires(Permission.LEDGER_VERIFY)
    @blp.response(200, VerificationOut)
    def get(self, verification_id: int) -> Shown:
        """账本核验的状态与结果

        状态为 pending（等待后台任务）或 done；done 时 ok 为 true 表示全部通过，否则 problems
        列出被改动的账本链（党员、账本、位置）。无权查看的核验得到 404
        （ledger_verification.not_found）。
        """
        return views.verification(
            verifications.get(actor=current_actor(), verification_id=verification_id)
        )
