"""Areas, work units, party organisations, service teams, and their imports."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import UploadIn, accepts_upload
from sunshine.auth.current import current_actor, login_required, requires
from sunshine.extensions import db
from sunshine.imports import service as imports
from sunshine.imports.models import ImportBatch
from sunshine.imports.routes import import_upload
from sunshine.imports.schemas import ImportBatchOut
from sunshine.moderation.schemas import CheckBriefOut
from sunshine.moderation.views import brief
from sunshine.org import imports as org_imports
from sunshine.org import service, views
from sunshine.org.models import Area, ServiceTeam
from sunshine.org.schemas import (
    AreaListArgs,
    AreaOut,
    CityArgs,
    CityIn,
    PartyOrgOut,
    TeamIn,
    TeamOut,
    UnitListArgs,
    UnitPage,
)
from sunshine.pagination import CursorPage

blp = Blueprint("org", __name__, url_prefix="/api/v1", description="组织架构")


@blp.route("/areas")
class Areas(MethodView):
    @login_required
    @blp.arguments(AreaListArgs, location="query")
    @blp.response(200, AreaOut(many=True))
    @blp.alt_response(404, description="上级区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> list[Area]:
        """下级区域列表

        不给 parent_id 时列出各市/县。
        """
        return views.list_areas(args.get("parent_id"))


@blp.route("/areas/<int:area_id>")
class AreaDetail(MethodView):
    @login_required
    @blp.response(200, AreaOut)
    def get(self, area_id: int) -> Area:
        """区域详情"""
        return service.get_area(area_id)


@blp.route("/cities")
class Cities(MethodView):
    @requires(Permission.CATALOGUE_MANAGE)
    @blp.arguments(CityIn)
    @blp.response(201, AreaOut)
    @blp.alt_response(409, description="区划代码已存在（area.code_exists）")
    def post(self, data: dict[str, Any]) -> Area:
        """新增市/县（系统管理员）"""
        city = service.create_city(
            actor=current_actor(), name=data["name"], division_code=data.get("division_code")
        )
        db.session.commit()
        return city


@blp.route("/units")
class Units(MethodView):
    @login_required
    @blp.arguments(UnitListArgs, location="query")
    @blp.response(200, UnitPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """某市的工作单位

        可按名称筛选。
        """
        return views.list_units(**args)


@blp.route("/units/<int:unit_id>/party-orgs")
class UnitPartyOrgs(MethodView):
    @login_required
    @blp.response(200, PartyOrgOut(many=True))
    def get(self, unit_id: int) -> list[Any]:
        """单位的党组织"""
        return views.party_orgs_of(unit_id)


@blp.route("/communities/<int:community_id>/teams")
class CommunityTeams(MethodView):
    @login_required
    @blp.response(200, TeamOut(many=True))
    @blp.alt_response(422, description="区域不是社区（area.wrong_level）")
    def get(self, community_id: int) -> list[ServiceTeam]:
        """社区的服务队"""
        return views.teams_of(community_id)

    @requires(Permission.ORG_MANAGE)
    @blp.arguments(TeamIn)
    @blp.response(201, TeamOut)
    @blp.alt_response(
        202,
        schema=CheckBriefOut,
        description="名称需人工审核或微信暂时无法检查：审核通过后才建立服务队",
    )
    @blp.alt_response(409, description="同名服务队已存在（team.duplicate）")
    def post(self, data: dict[str, Any], community_id: int) -> ServiceTeam | Response:
        """为社区新增服务队

        该社区的社区管理员或组织部可调用；区域须是社区（area.wrong_level，422）。名称先经微信
        内容安全检查：违规 422（content.risky）；待审核时答 202 与审核状态，通过后才建立。
        """
        team, check = service.create_team(
            actor=current_actor(), community_id=community_id, name=data["name"]
        )
        db.session.commit()
        if team is None:
            return make_response(CheckBriefOut().dump(brief(check)), 202)
        return team


@blp.route("/org/imports/areas")
class AreaImport(MethodView):
    @requires(Permission.ORG_IMPORT)
    @blp.arguments(CityArgs, location="query")
    @blp.arguments(UploadIn, location="files")
    @blp.response(201, ImportBatchOut)
    @accepts_upload(imports.MAX_UPLOAD_BYTES)
    @blp.alt_response(404, description="市/县不存在（area.not_found）")
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> ImportBatch:
        """导入某市的街道、社区与网格

        文件为 CSV（UTF-8 或 GBK）或 XLSX，全部成功或一行也不导入：
        有行出错时 422（import.rows_invalid），批次仍保存，可下载错误报告；文件无法读取、
        列不对等、行数或解压后大小超过上限也是 422（import.*）；超过导入时限 413
        （import.over_budget），什么也不写入。组织部可调用。
        """
        return import_upload(org_imports.AREAS, args["city_id"], files["file"])


@blp.route("/org/imports/units")
class UnitImport(MethodView):
    @requires(Permission.ORG_IMPORT)
    @blp.arguments(CityArgs, location="query")
    @blp.arguments(UploadIn, location="files")
    @blp.response(201, ImportBatchOut)
    @accepts_upload(imports.MAX_UPLOAD_BYTES)
    @blp.alt_response(404, description="市/县不存在（area.not_found）")
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> ImportBatch:
        """导入某市的工作单位、党组织与结对关系

        文件为 CSV（UTF-8 或 GBK）或 XLSX，全部成功或一行也不导入：
        有行出错时 422（import.rows_invalid），批次仍保存，可下载错误报告；文件无法读取、
        列不对等、行数或解压后大小超过上限也是 422（import.*）；超过导入时限 413
        （import.over_budget），什么也不写入。组织部可调用。
        """
        return import_upload(org_imports.UNITS, args["city_id"], files["file"])
