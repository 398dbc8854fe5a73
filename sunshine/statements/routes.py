"""Service statements (志愿服务记录证明): asking for one, reading it, its PDF, the public check."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine import rate_limits
from sunshine.access.permissions import Permission
from sunshine.api import BigCursorArgs
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.extensions import db
from sunshine.openapi import BINARY
from sunshine.pagination import CursorPage
from sunshine.statements import service, views
from sunshine.statements.schemas import (
    StatementCheckOut,
    StatementListArgs,
    StatementListOut,
    StatementOut,
    StatementRequestIn,
    StatementSummaryPage,
    VerifyArgs,
)

blp = Blueprint("statements", __name__, url_prefix="/api/v1", description="志愿服务记录证明")


def _pdf_response(number: str, content: bytes) -> Response:
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="statement-{number}.pdf"'},
    )


@blp.route("/me/statements")
class MyStatements(MethodView):
    @login_required
    @blp.arguments(StatementRequestIn)
    @blp.response(201, StatementListOut)
    @blp.alt_response(200, schema=StatementListOut, description="同一期间已出具：返回原证明")
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    @blp.alt_response(
        422,
        description="期间有误（request.invalid）或期间内没有已确认的服务记录"
        "（statement.no_confirmed_service）",
    )
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """申请本人的志愿服务记录证明

        按期间（from、to，含两端，不晚于今天）汇总本人已确认的服务记录，由组织服务的社区
        （街道组织的服务由街道）出具；期间内的服务来自几个组织时，每个组织各出具一份。
        只计已确认的记录；期间内没有时 422（statement.no_confirmed_service）。
        同一期间内容未变时再次申请返回原证明（200）。
        """
        issued = service.issue(actor=current_actor(), origin=request_origin(), **data)
        db.session.commit()
        return {"items": views.shown(issued.statements)}, 201 if issued.created else 200

    @login_required
    @blp.arguments(BigCursorArgs, location="query")
    @blp.response(200, StatementSummaryPage)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """本人的志愿服务记录证明（新的在前）

        不含服务明细与核验码；status 为 revoked 时证明已失效。
        """
        return views.my_statements(
            actor=current_actor(), after_id=args.get("cursor"), limit=args["limit"]
        )


@blp.route("/me/statements/<bigid:statement_id>")
class MyStatementDetail(MethodView):
    @login_required
    @blp.response(200, StatementOut)
    @blp.alt_response(
        404, description="证明不存在或不是本人的（statement.not_found、member.not_registered）"
    )
    def get(self, statement_id: int) -> Any:
        """本人的一份证明（页面形式）

        含服务明细、核验码与二维码内容（verify_url），供小程序展示。
        """
        return views.my_statement(actor=current_actor(), statement_id=statement_id)


@blp.route("/me/statements/<bigid:statement_id>/pdf")
class MyStatementPdf(MethodView):
    @login_required
    @blp.response(200, BINARY, content_type="application/pdf")
    @blp.alt_response(
        404, description="证明不存在或不是本人的（statement.not_found、member.not_registered）"
    )
    @blp.alt_response(
        409,
        description="证明已失效（statement.revoked）或核验码已无法读取"
        "（statement.code_unreadable）",
    )
    @blp.alt_response(503, description="服务器缺少中文字体（statement.font_missing）")
    def get(self, statement_id: int) -> Response:
        """下载本人的证明（PDF）"""
        return _pdf_response(*views.my_pdf(actor=current_actor(), statement_id=statement_id))


@blp.route("/statements")
class Statements(MethodView):
    @requires(Permission.STATEMENT_READ)
    @blp.arguments(StatementListArgs, location="query")
    @blp.response(200, StatementSummaryPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖范围内出具的证明（新的在前）

        社区、街道管理员与组织部可调用；可按出具区域（area_id，含其下级）筛选。
        """
        return views.list_statements(
            actor=current_actor(),
            after_id=args.get("cursor"),
            limit=args["limit"],
            area_id=args.get("area_id"),
        )


@blp.route("/statements/<bigid:statement_id>")
class StatementDetail(MethodView):
    @login_required
    @blp.response(200, StatementOut)
    @blp.alt_response(404, description="证明不存在（statement.not_found）")
    def get(self, statement_id: int) -> Any:
        """一份证明（页面形式）

        证明的持有人，或管辖出具单位的社区、街道管理员与组织部可调用。
        """
        return views.statement_for(actor=current_actor(), statement_id=statement_id)


@blp.route("/statements/<bigid:statement_id>/pdf")
class StatementPdf(MethodView):
    @login_required
    @blp.response(200, BINARY, content_type="application/pdf")
    @blp.alt_response(404, description="证明不存在（statement.not_found）")
    @blp.alt_response(
        409,
        description="证明已失效（statement.revoked）或核验码已无法读取"
        "（statement.code_unreadable）",
    )
    @blp.alt_response(503, description="服务器缺少中文字体（statement.font_missing）")
    def get(self, statement_id: int) -> Response:
        """下载一份证明（PDF）

        证明的持有人，或管辖出具单位的社区、街道管理员与组织部可调用（如为本人打印）。
        """
        return _pdf_response(*views.pdf_for(actor=current_actor(), statement_id=statement_id))


@blp.route("/statements/verify")
class StatementVerification(MethodView):
    decorators: ClassVar[list[Any]] = [
        rate_limits.per_ip("STATEMENT_VERIFY_RATE_LIMIT", None)  # its 429s are not logged
    ]

    @blp.arguments(VerifyArgs, location="query")
    @blp.response(200, StatementCheckOut)
    @blp.alt_response(404, description="证明编号或核验码不正确（statement.not_verified）")
    @blp.alt_response(429, description="请求太频繁（rate_limited）")
    def get(self, args: dict[str, Any]) -> service.Verification:
        """核验志愿服务记录证明（公开，无需登录）

        输入证明编号与核验码（不区分大小写，可带连字符）。只答复：是否有效（status 为
        valid 或 revoked：所列记录此后被作废或变更）、持有人姓名（部分隐去，如 张*明）、
        期间与总时长。编号不存在与核验码错误答复相同；按来源地址限制频率。
        """
        result = service.verify(origin=request_origin(), **args)
        db.session.commit()
        return result
