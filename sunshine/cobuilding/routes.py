"""Unit report-ins (单位报到), their co-building agreements, and the units' yearly reports."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import OptionalReasonIn, ReasonIn
from sunshine.auth.current import current_actor, requires
from sunshine.cobuilding import service, views, yearly
from sunshine.cobuilding.models import Agreement, UnitReportIn, YearlyReport
from sunshine.cobuilding.schemas import (
    AgreementIn,
    AgreementOut,
    UnitReportInIn,
    UnitReportInListArgs,
    UnitReportInOut,
    UnitReportInPage,
    YearlyReportIn,
    YearlyReportListArgs,
    YearlyReportOut,
    YearlyReportPage,
)
from sunshine.extensions import db
from sunshine.pagination import CursorPage

blp = Blueprint("cobuilding", __name__, url_prefix="/api/v1", description="单位报到与共驻共建")

REPORT_IN_NOT_FOUND = "单位报到记录不存在（unit_report_in.not_found）"
NOT_ACTIVE = "单位报到未获批准或已结束（unit_report_in.not_active）"


@blp.route("/unit-report-ins")
class UnitReportIns(MethodView):
    @requires(Permission.COBUILD_READ)
    @blp.arguments(UnitReportInListArgs, location="query")
    @blp.response(200, UnitReportInPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """单位报到记录（新的在前）

        单位管理员看本单位的，社区管理员看到本社区报到的，街道管理员与组织部看辖区内的（组织部
        也看本市单位到别处的）。
        """
        return views.list_report_ins(actor=current_actor(), **args)

    @requires(Permission.COBUILD_MANAGE)
    @blp.arguments(UnitReportInIn)
    @blp.response(201, UnitReportInOut)
    @blp.alt_response(404, description="单位或社区不存在（unit.not_found、area.not_found）")
    @blp.alt_response(
        409, description="该单位已在该社区报到或正有待审批的申请（unit_report_in.duplicate）"
    )
    @blp.alt_response(
        422,
        description="党组织不属于该单位（party_org.not_in_unit），所选区域不是社区"
        "（area.wrong_level），或社区不在单位所在的市（unit_report_in.other_city）",
    )
    def post(self, data: dict[str, Any]) -> UnitReportIn:
        """单位党组织到社区报到（结对社区或本市其他社区）

        本单位的单位管理员可调用；由该社区的社区管理员审批。
        """
        made = service.request_report_in(actor=current_actor(), **data)
        db.session.commit()
        return made


@blp.route("/unit-report-ins/<int:unit_report_in_id>")
class UnitReportInDetail(MethodView):
    @requires(Permission.COBUILD_READ)
    @blp.response(200, UnitReportInOut)
    @blp.alt_response(404, description=REPORT_IN_NOT_FOUND)
    def get(self, unit_report_in_id: int) -> UnitReportIn:
        """单位报到详情"""
        return views.one_report_in(actor=current_actor(), report_in_id=unit_report_in_id)


@blp.route("/unit-report-ins/<int:unit_report_in_id>/approve")
class UnitReportInApprove(MethodView):
    @requires(Permission.COBUILD_DECIDE)
    @blp.arguments(OptionalReasonIn)
    @blp.response(200, UnitReportInOut)
    @blp.alt_response(404, description=REPORT_IN_NOT_FOUND)
    @blp.alt_response(409, description="不在待审批状态（unit_report_in.not_pending）")
    def post(self, data: dict[str, Any], unit_report_in_id: int) -> UnitReportIn:
        """批准单位报到

        报到社区的社区管理员可调用；单位管理员收到通知。
        """
        decided = service.decide(
            actor=current_actor(), report_in_id=unit_report_in_id, approve=True, **data
        )
        db.session.commit()
        return decided


@blp.route("/unit-report-ins/<int:unit_report_in_id>/reject")
class UnitReportInReject(MethodView):
    @requires(Permission.COBUILD_DECIDE)
    @blp.arguments(ReasonIn)
    @blp.response(200, UnitReportInOut)
    @blp.alt_response(404, description=REPORT_IN_NOT_FOUND)
    @blp.alt_response(409, description="不在待审批状态（unit_report_in.not_pending）")
    def post(self, data: dict[str, Any], unit_report_in_id: int) -> UnitReportIn:
        """驳回单位报到（须填写原因）

        报到社区的社区管理员可调用；单位管理员收到通知。
        """
        decided = service.decide(
            actor=current_actor(), report_in_id=unit_report_in_id, approve=False, **data
        )
        db.session.commit()
        return decided


@blp.route("/unit-report-ins/<int:unit_report_in_id>/withdraw")
class UnitReportInWithdraw(MethodView):
    @requires(Permission.COBUILD_MANAGE)
    @blp.arguments(ReasonIn)
    @blp.response(200, UnitReportInOut)
    @blp.alt_response(404, description=REPORT_IN_NOT_FOUND)
    @blp.alt_response(
        409,
        description="该记录已结束（unit_report_in.closed），或还有未完成的项目"
        "（unit_report_in.projects_open）",
    )
    def post(self, data: dict[str, Any], unit_report_in_id: int) -> UnitReportIn:
        """撤回单位报到申请，或结束单位报到（须填写原因）

        本单位的单位管理员可调用；结束前须先完成或取消其项目。
        """
        ended = service.withdraw(actor=current_actor(), report_in_id=unit_report_in_id, **data)
        db.session.commit()
        return ended


@blp.route("/unit-report-ins/<int:unit_report_in_id>/agreement")
class UnitAgreement(MethodView):
    @requires(Permission.COBUILD_READ)
    @blp.response(200, AgreementOut)
    @blp.alt_response(
        404, description=f"{REPORT_IN_NOT_FOUND}，或尚未签订共建协议（agreement.not_found）"
    )
    def get(self, unit_report_in_id: int) -> Agreement:
        """共建协议及单位资源清单"""
        return views.agreement(actor=current_actor(), report_in_id=unit_report_in_id)

    @requires(Permission.COBUILD_MANAGE)
    @blp.arguments(AgreementIn)
    @blp.response(200, AgreementOut)
    @blp.alt_response(404, description=REPORT_IN_NOT_FOUND)
    @blp.alt_response(409, description=f"{NOT_ACTIVE}，或协议已经社区会签（agreement.confirmed）")
    def put(self, data: dict[str, Any], unit_report_in_id: int) -> Agreement:
        """填写共建协议：期限、正文与资源清单（人员、技能、场地、资金、车辆）

        本单位的单位管理员可调用，社区会签前可整份改写；资源清单整体替换。
        """
        written = service.write_agreement(
            actor=current_actor(), report_in_id=unit_report_in_id, **data
        )
        db.session.commit()
        return written


@blp.route("/unit-report-ins/<int:unit_report_in_id>/agreement/countersign")
class UnitAgreementCountersign(MethodView):
    @requires(Permission.COBUILD_DECIDE)
    @blp.response(200, AgreementOut)
    @blp.alt_response(
        404, description=f"{REPORT_IN_NOT_FOUND}，或尚未签订共建协议（agreement.not_found）"
    )
    @blp.alt_response(409, description=f"{NOT_ACTIVE}，或协议已会签（agreement.confirmed）")
    def post(self, unit_report_in_id: int) -> Agreement:
        """社区会签共建协议

        报到社区的社区管理员可调用；会签后协议不再修改。
        """
        signed = service.countersign(actor=current_actor(), report_in_id=unit_report_in_id)
        db.session.commit()
        return signed


@blp.route("/units/<int:unit_id>/yearly-reports")
class UnitYearlyReports(MethodView):
    @requires(Permission.COBUILD_MANAGE)
    @blp.arguments(YearlyReportIn)
    @blp.response(201, YearlyReportOut)
    @blp.alt_response(404, description="单位不存在（unit.not_found）")
    @blp.alt_response(409, description="该年度的报告已提交（yearly_report.duplicate）")
    @blp.alt_response(422, description="未来年度（yearly_report.future_year）")
    def post(self, data: dict[str, Any], unit_id: int) -> YearlyReport:
        """提交单位的年度共建报告

        本单位的单位管理员可调用，每年一份；报到、完成项目、派出党员及其在报到社区的服务时长
        由系统统计，按提交时保存。
        """
        report = yearly.submit(actor=current_actor(), unit_id=unit_id, **data)
        db.session.commit()
        return report


@blp.route("/unit-yearly-reports")
class YearlyReports(MethodView):
    @requires(Permission.COBUILD_READ)
    @blp.arguments(YearlyReportListArgs, location="query")
    @blp.response(200, YearlyReportPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """某年度的单位年度报告（新的在前）

        单位管理员看本单位的；组织部看本市单位的；社区、街道管理员看当年在辖区内报到的单位的。
        """
        return views.list_yearly_reports(actor=current_actor(), **args)


@blp.route("/unit-yearly-reports/<int:yearly_report_id>")
class YearlyReportDetail(MethodView):
    @requires(Permission.COBUILD_READ)
    @blp.response(200, YearlyReportOut)
    @blp.alt_response(404, description="年度报告不存在（yearly_report.not_found）")
    def get(self, yearly_report_id: int) -> YearlyReport:
        """单位年度报告详情"""
        return views.yearly_report(actor=current_actor(), report_id=yearly_report_id)
