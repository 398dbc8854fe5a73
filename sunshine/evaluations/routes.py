"""Evaluations (评价): a community grades its members per period; the city caps 优秀."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import CursorArgs
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.evaluations import service, views
from sunshine.evaluations.models import Evaluation
from sunshine.evaluations.schemas import (
    BulkEvaluationIn,
    BulkEvaluationOut,
    EvaluationIn,
    EvaluationListArgs,
    EvaluationOut,
    EvaluationPage,
    MyEvaluationPage,
    SettingsIn,
    SettingsOut,
    SheetArgs,
    SheetRowPage,
    SummaryOut,
    VersionPage,
)
from sunshine.extensions import db
from sunshine.pagination import CursorPage

blp = Blueprint("evaluations", __name__, url_prefix="/api/v1", description="考核评价")

_UNKNOWN = "周期、社区或党员不存在（period.not_found、area.not_found、member.not_found）"
_REFUSED = (
    "周期已锁定（period.locked）；该党员本周期不在本社区报到（evaluation.not_in_community）；"
    "周期尚未开始（evaluation.period_not_started）；优秀超过比例上限（evaluation.excellent_cap）"
)
_BAD = (
    "不合格未填原因（evaluation.reason_required）；锁定后修改未填原因"
    "（evaluation.change_reason_required）；不是社区（area.wrong_level）；输入有误（request.invalid）"
)


@blp.route("/periods/<int:period_id>/communities/<int:community_id>/evaluations")
class CommunityEvaluations(MethodView):
    @requires(Permission.EVALUATION_READ)
    @blp.arguments(SheetArgs, location="query")
    @blp.response(200, SheetRowPage)
    @blp.alt_response(404, description="周期或社区不存在（period.not_found、area.not_found）")
    @blp.alt_response(422, description="不是社区（area.wrong_level）")
    def get(self, args: dict[str, Any], period_id: int, community_id: int) -> CursorPage:
        """社区本周期应评价的党员及其评价（含尚未评价的）

        本社区管理员、所在街道与组织部可调用。本周期内在本社区报到过的党员（含周期内已调出、
        退出的，以其在周期内最后报到的社区为准）；可按是否已评（graded）与等次（grade）筛选。
        """
        return views.community_sheet(
            actor=current_actor(),
            period_id=period_id,
            community_id=community_id,
            graded=args.get("graded"),
            grade=args.get("grade"),
            after_id=args.get("cursor"),
            limit=args["limit"],
        )

    @requires(Permission.EVALUATION_GRADE, Permission.EVALUATION_AMEND_LOCKED)
    @blp.arguments(BulkEvaluationIn)
    @blp.response(200, BulkEvaluationOut)
    @blp.alt_response(404, description=_UNKNOWN)
    @blp.alt_response(409, description=_REFUSED)
    @blp.alt_response(422, description=_BAD)
    def post(self, data: dict[str, Any], period_id: int, community_id: int) -> dict[str, Any]:
        """批量评价本社区党员（全部成功或全部不写）

        本社区管理员可调用；周期锁定后只有组织部可以修改，须填写 change_reason。
        任何一项被拒绝时整批不写，fields.items 指出是哪一项。
        """
        graded = service.grade_many(
            actor=current_actor(),
            period_id=period_id,
            community_id=community_id,
            origin=request_origin(),
            **data,
        )
        db.session.commit()
        return {"items": graded}


@blp.route("/periods/<int:period_id>/communities/<int:community_id>/evaluations/<int:member_id>")
class MemberEvaluation(MethodView):
    @requires(Permission.EVALUATION_GRADE, Permission.EVALUATION_AMEND_LOCKED)
    @blp.arguments(EvaluationIn)
    @blp.response(200, EvaluationOut)
    @blp.alt_response(404, description=_UNKNOWN)
    @blp.alt_response(409, description=_REFUSED)
    @blp.alt_response(422, description=_BAD)
    def put(
        self, data: dict[str, Any], period_id: int, community_id: int, member_id: int
    ) -> Evaluation:
        """评价本社区的一名党员（或修改评价；每次修改保留版本）

        本社区管理员可调用：优秀、合格、基本合格、不合格，评语可选（不超过 200 字），
        不合格须填原因。周期锁定后只有组织部可以修改，须填写 change_reason。
        """
        evaluation = service.grade(
            actor=current_actor(),
            period_id=period_id,
            community_id=community_id,
            member_id=member_id,
            origin=request_origin(),
            **data,
        )
        db.session.commit()
        return evaluation


@blp.route("/periods/<int:period_id>/communities/<int:community_id>/evaluation-summary")
class EvaluationSummary(MethodView):
    @requires(Permission.EVALUATION_READ)
    @blp.response(200, SummaryOut)
    @blp.alt_response(404, description="周期或社区不存在（period.not_found、area.not_found）")
    @blp.alt_response(422, description="不是社区（area.wrong_level）")
    def get(self, period_id: int, community_id: int) -> views.Summary:
        """社区本周期的评价汇总

        应评人数、未评人数、各等次人数，以及优秀比例上限和本社区的优秀名额。
        """
        return views.summary(actor=current_actor(), period_id=period_id, community_id=community_id)


@blp.route("/periods/<int:period_id>/evaluations")
class PeriodEvaluations(MethodView):
    @requires(Permission.EVALUATION_READ)
    @blp.arguments(EvaluationListArgs, location="query")
    @blp.response(200, EvaluationPage)
    @blp.alt_response(404, description="周期或区域不存在（period.not_found、area.not_found）")
    def get(self, args: dict[str, Any], period_id: int) -> CursorPage:
        """管辖范围内本周期的评价（新的在前）

        社区、街道管理员与组织部可调用，各见其范围；可按等次（grade）与区域（area_id）筛选。
        """
        return views.list_evaluations(
            actor=current_actor(),
            period_id=period_id,
            grade=args.get("grade"),
            area_id=args.get("area_id"),
            after_id=args.get("cursor"),
            limit=args["limit"],
        )


@blp.route("/evaluations/<int:evaluation_id>/versions")
class EvaluationVersions(MethodView):
    @requires(Permission.EVALUATION_READ)
    @blp.arguments(CursorArgs, location="query")
    @blp.response(200, VersionPage)
    @blp.alt_response(404, description="评价不存在（evaluation.not_found）")
    def get(self, args: dict[str, Any], evaluation_id: int) -> CursorPage:
        """一条评价的全部版本（新的在前）

        每次评定或修改：谁（created_by_id）、何时、等次、评语、原因，锁定后的修改原因。
        """
        return views.versions(
            actor=current_actor(),
            evaluation_id=evaluation_id,
            after_id=args.get("cursor"),
            limit=args["limit"],
        )


@blp.route("/periods/<int:period_id>/evaluation-settings")
class EvaluationSettings(MethodView):
    @requires(Permission.EVALUATION_READ)
    @blp.response(200, SettingsOut)
    @blp.alt_response(404, description="周期不存在（period.not_found）")
    def get(self, period_id: int) -> views.Settings:
        """本周期的评价设置（优秀比例上限）

        本市的社区、街道管理员与组织部可调用；未设上限时 excellent_cap_percent 为 null。
        """
        return views.settings(actor=current_actor(), period_id=period_id)

    @requires(Permission.EVALUATION_SETTINGS)
    @blp.arguments(SettingsIn)
    @blp.response(200, SettingsOut)
    @blp.alt_response(404, description="周期不存在（period.not_found）")
    def put(self, data: dict[str, Any], period_id: int) -> views.Settings:
        """设定本周期优秀比例上限（0–100，可取消）

        本市组织部可调用。每个社区评为优秀的人数不超过 floor(上限% × 社区应评人数)；
        已评的优秀不受影响，只约束新的优秀。
        """
        setting = service.set_settings(
            actor=current_actor(), period_id=period_id, origin=request_origin(), **data
        )
        db.session.commit()
        return views.settings_view(setting.period_id)


@blp.route("/me/evaluations")
class MyEvaluations(MethodView):
    @login_required
    @blp.arguments(CursorArgs, location="query")
    @blp.response(200, MyEvaluationPage)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """我的考核评价（新的在前）

        每个周期一条：等次、评语，不合格时的原因。
        """
        return views.mine(actor=current_actor(), after_id=args.get("cursor"), limit=args["limit"])
