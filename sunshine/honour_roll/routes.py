"""The honour roll (光荣榜): a city's, street's or community's board for a period, the
member's own place, and work units ranked by compliance."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, login_required, requires
from sunshine.honour_roll import units, views
from sunshine.honour_roll.schemas import (
    MyRankingArgs,
    MyRankingOut,
    RankingBoardArgs,
    RankingBoardOut,
    UnitRankingArgs,
    UnitRankingOut,
)

blp = Blueprint("honour_roll", __name__, url_prefix="/api/v1", description="光荣榜")


@blp.route("/periods/<int:period_id>/rankings")
class Rankings(MethodView):
    @login_required
    @blp.arguments(RankingBoardArgs, location="query")
    @blp.response(200, RankingBoardOut)
    @blp.alt_response(404, description="周期或区域不存在（period.not_found、area.not_found）")
    @blp.alt_response(422, description="区域不是该周期所在的市或其街道、社区（area.wrong_level）")
    def get(self, args: dict[str, Any], period_id: int) -> views.Board:
        """光荣榜：市、街道或社区在周期内的服务时长或次数排名

        只列出同意公开排名的党员，姓名打码（张*明）；撤回同意后立即不再上榜。本社区、街道、市的
        党员与管辖（或位于）该区域的管理员可以查看，其他人 403。并列同名次（1、2、2、4）。
        """
        return views.board(actor=current_actor(), period_id=period_id, **args)


@blp.route("/periods/<int:period_id>/rankings/me")
class MyRanking(MethodView):
    @login_required
    @blp.arguments(MyRankingArgs, location="query")
    @blp.response(200, MyRankingOut)
    @blp.alt_response(
        404, description="周期不存在或尚未注册为党员（period.not_found、member.not_registered）"
    )
    @blp.alt_response(409, description="未同意公开排名，不在光荣榜上（ranking.no_consent）")
    def get(self, args: dict[str, Any], period_id: int) -> views.Mine:
        """本人在所在社区、街道、市光荣榜上的名次

        未同意公开排名的党员不在榜上，返回 409（ranking.no_consent），不计算名次。
        """
        return views.mine(actor=current_actor(), period_id=period_id, **args)


@blp.route("/periods/<int:period_id>/rankings/units")
class UnitRanking(MethodView):
    @requires(Permission.RANKING_UNITS)
    @blp.arguments(UnitRankingArgs, location="query")
    @blp.response(200, UnitRankingOut)
    @blp.alt_response(404, description="周期或街道不存在（period.not_found、area.not_found）")
    @blp.alt_response(422, description="街道不属于周期所在的市（area.wrong_level）")
    def get(self, args: dict[str, Any], period_id: int) -> units.UnitBoard:
        """单位按党员达标率排名（组织部看全市，街道管理员看本街道）

        达标率与 GET /periods/{id}/compliance?by=unit 相同；达标率相同的单位同名次。
        """
        return units.units(actor=current_actor(), period_id=period_id, **args)
