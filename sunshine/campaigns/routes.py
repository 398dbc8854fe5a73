"""Campaigns (专项活动标签) of a city: the organization department keeps them; task managers
tag tasks with them (``campaign_ids`` on a task)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.campaigns import service, views
from sunshine.campaigns.models import Campaign
from sunshine.campaigns.schemas import CampaignIn, CampaignListArgs, CampaignOut, CampaignPatch
from sunshine.extensions import db

blp = Blueprint("campaigns", __name__, url_prefix="/api/v1", description="专项活动标签")

CITY_NOT_FOUND = "市不存在（area.not_found）"
NOT_A_CITY = "所选区域不是市（area.wrong_level）"


@blp.route("/cities/<int:city_id>/campaigns")
class CityCampaigns(MethodView):
    @login_required
    @blp.arguments(CampaignListArgs, location="query")
    @blp.response(200, CampaignOut(many=True))
    @blp.alt_response(404, description=CITY_NOT_FOUND)
    @blp.alt_response(422, description=NOT_A_CITY)
    def get(self, args: dict[str, Any], city_id: int) -> list[Campaign]:
        """本市的专项活动标签（如创城、疫情防控、专项整治）

        登录即可查看（任务上会显示其标签）；可按是否启用（active）筛选。
        """
        return views.list_campaigns(city_id=city_id, active=args.get("active"))

    @requires(Permission.CAMPAIGN_MANAGE)
    @blp.arguments(CampaignIn)
    @blp.response(201, CampaignOut)
    @blp.alt_response(404, description=CITY_NOT_FOUND)
    @blp.alt_response(409, description="本市已有同名标签（campaign.duplicate）")
    @blp.alt_response(422, description=NOT_A_CITY)
    def post(self, data: dict[str, Any], city_id: int) -> Campaign:
        """新增本市的专项活动标签

        本市组织部可调用；名称在本市内不能重复。
        """
        campaign = service.create_campaign(
            actor=current_actor(), city_id=city_id, origin=request_origin(), **data
        )
        db.session.commit()
        return campaign


@blp.route("/campaigns/<int:campaign_id>")
class CampaignDetail(MethodView):
    @requires(Permission.CAMPAIGN_MANAGE)
    @blp.arguments(CampaignPatch)
    @blp.response(200, CampaignOut)
    @blp.alt_response(404, description="标签不存在（campaign.not_found）")
    @blp.alt_response(409, description="本市已有同名标签（campaign.duplicate）")
    def patch(self, data: dict[str, Any], campaign_id: int) -> Campaign:
        """修改专项活动标签的名称或启用状态

        本市组织部可调用。停用的标签仍留在已打标签的任务上、仍可用于筛选，但不能再用于任务
        （campaign.unusable）。
        """
        campaign = service.update_campaign(
            actor=current_actor(), campaign_id=campaign_id, changes=data, origin=request_origin()
        )
        db.session.commit()
        return campaign
