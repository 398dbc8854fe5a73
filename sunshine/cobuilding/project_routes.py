"""Projects (项目清单) units take on for the communities they reported in to."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import ReasonIn
from sunshine.auth.current import current_actor, requires
from sunshine.cobuilding import projects, views
from sunshine.cobuilding.models import UnitProject
from sunshine.cobuilding.schemas import (
    ProjectIn,
    ProjectListArgs,
    ProjectMembersIn,
    ProjectOut,
    ProjectPage,
)
from sunshine.extensions import db
from sunshine.pagination import CursorPage

blp = Blueprint("unit_projects", __name__, url_prefix="/api/v1", description="共建项目")

PROJECT_NOT_FOUND = "项目不存在（unit_project.not_found）"
BAD_STATUS = "项目当前状态不允许此操作（unit_project.bad_status）"


@blp.route("/unit-report-ins/<int:unit_report_in_id>/projects")
class ReportInProjects(MethodView):
    @requires(Permission.COBUILD_MANAGE)
    @blp.arguments(ProjectIn)
    @blp.response(201, ProjectOut)
    @blp.alt_response(404, description="单位报到记录不存在（unit_report_in.not_found）")
    @blp.alt_response(
        409,
        description="单位报到未获批准或已结束（unit_report_in.not_active），"
        "或需求已不是待处理（need.not_open）",
    )
    @blp.alt_response(422, description="需求不存在或不属于报到的社区（need.unusable）")
    def post(self, data: dict[str, Any], unit_report_in_id: int) -> UnitProject:
        """单位为报到社区立项（可对应社区的一条群众需求）

        本单位的单位管理员可调用；对应的需求转为处理中，项目完成时需求完成。
        """
        project = projects.create(actor=current_actor(), report_in_id=unit_report_in_id, **data)
        db.session.commit()
        return project


@blp.route("/unit-projects")
class UnitProjects(MethodView):
    @requires(Permission.COBUILD_READ)
    @blp.arguments(ProjectListArgs, location="query")
    @blp.response(200, ProjectPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """共建项目（新的在前）

        单位管理员看本单位的，社区管理员看本社区的，街道管理员与组织部看辖区内的。
        """
        return views.list_projects(actor=current_actor(), **args)


@blp.route("/unit-projects/<int:unit_project_id>")
class UnitProjectDetail(MethodView):
    @requires(Permission.COBUILD_READ)
    @blp.response(200, ProjectOut)
    @blp.alt_response(404, description=PROJECT_NOT_FOUND)
    def get(self, unit_project_id: int) -> UnitProject:
        """共建项目详情（含派出的党员）"""
        return views.project(actor=current_actor(), project_id=unit_project_id)


@blp.route("/unit-projects/<int:unit_project_id>/start")
class UnitProjectStart(MethodView):
    @requires(Permission.COBUILD_MANAGE)
    @blp.response(200, ProjectOut)
    @blp.alt_response(404, description=PROJECT_NOT_FOUND)
    @blp.alt_response(409, description=BAD_STATUS)
    def post(self, unit_project_id: int) -> UnitProject:
        """开始实施项目（计划中 → 实施中）

        本单位的单位管理员可调用。
        """
        project = projects.start(actor=current_actor(), project_id=unit_project_id)
        db.session.commit()
        return project


@blp.route("/unit-projects/<int:unit_project_id>/members")
class UnitProjectMembers(MethodView):
    @requires(Permission.COBUILD_MANAGE)
    @blp.arguments(ProjectMembersIn)
    @blp.response(200, ProjectOut)
    @blp.alt_response(404, description=PROJECT_NOT_FOUND)
    @blp.alt_response(409, description=BAD_STATUS)
    @blp.alt_response(
        422, description="只能派出本单位已认证的党员（unit_project.not_unit_members）"
    )
    def put(self, data: dict[str, Any], unit_project_id: int) -> UnitProject:
        """设定单位派出参加项目的党员（整体替换）

        本单位的单位管理员可调用；只能是本单位已认证的党员。
        """
        project = projects.send_members(actor=current_actor(), project_id=unit_project_id, **data)
        db.session.commit()
        return project


@blp.route("/unit-projects/<int:unit_project_id>/cancel")
class UnitProjectCancel(MethodView):
    @requires(Permission.COBUILD_MANAGE)
    @blp.arguments(ReasonIn)
    @blp.response(200, ProjectOut)
    @blp.alt_response(404, description=PROJECT_NOT_FOUND)
    @blp.alt_response(409, description=BAD_STATUS)
    def post(self, data: dict[str, Any], unit_project_id: int) -> UnitProject:
        """取消项目（须填写原因）

        本单位的单位管理员可调用；对应的需求回到待处理。
        """
        project = projects.cancel(actor=current_actor(), project_id=unit_project_id, **data)
        db.session.commit()
        return project


@blp.route("/unit-projects/<int:unit_project_id>/done")
class UnitProjectDone(MethodView):
    @requires(Permission.COBUILD_DECIDE)
    @blp.response(200, ProjectOut)
    @blp.alt_response(404, description=PROJECT_NOT_FOUND)
    @blp.alt_response(
        409, description=f"{BAD_STATUS}，或单位尚未派出党员（unit_project.no_members）"
    )
    def post(self, unit_project_id: int) -> UnitProject:
        """社区确认项目完成（实施中 → 已完成）

        报到社区的社区管理员可调用；对应的需求同时完成。
        """
        project = projects.confirm_done(actor=current_actor(), project_id=unit_project_id)
        db.session.commit()
        return project
