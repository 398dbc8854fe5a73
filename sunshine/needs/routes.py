"""The needs list (需求清单) for community, street and city admins."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import Shown
from sunshine.auth.current import current_actor, requires
from sunshine.extensions import db
from sunshine.needs import service as needs
from sunshine.needs import views
from sunshine.needs.models import Need
from sunshine.needs.schemas import NeedIn, NeedListArgs, NeedOut, NeedPage, NeedPatch, NeedTaskIn
from sunshine.pagination import CursorPage
from sunshine.tasks.models import Task
from sunshine.tasks.schemas import TaskOut

blp = Blueprint("needs", __name__, url_prefix="/api/v1", description="需求清单")


@blp.route("/communities/<int:community_id>/needs")
class CommunityNeeds(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(NeedIn)
    @blp.response(201, NeedOut)
    def post(self, data: dict[str, Any], community_id: int) -> Need | Shown:
        """登记社区居民的需求

        管辖该社区的社区、街道管理员与组织部可调用；区域须是社区（area.wrong_level，422）。
        """
        actor = current_actor()
        need = needs.record(actor=actor, community_id=community_id, **data)
        db.session.commit()
        return views.view(actor, need)


@blp.route("/needs")
class Needs(MethodView):
    @requires(Permission.NEED_READ)
    @blp.arguments(NeedListArgs, location="query")
    @blp.response(200, NeedPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖社区的需求清单（新的在前）

        网格员、网格助理员、网格联络员只看到本网格的需求；居民联系方式只对社区管理员显示。
        """
        return views.list_needs(
            actor=current_actor(),
            limit=args["limit"],
            status=args.get("status"),
            area_id=args.get("area_id"),
            after_id=args.get("cursor"),
        )


@blp.route("/needs/<int:need_id>")
class NeedDetail(MethodView):
    @requires(Permission.NEED_READ)
    @blp.response(200, NeedOut)
    def get(self, need_id: int) -> Need | Shown:
        """需求详情"""
        return views.need_for(actor=current_actor(), need_id=need_id)

    @requires(Permission.TASK_MANAGE)
    @blp.arguments(NeedPatch)
    @blp.response(200, NeedOut)
    @blp.alt_response(
        409, description="需求已关闭（need.closed），或不能改为该状态（need.bad_status）"
    )
    def patch(self, data: dict[str, Any], need_id: int) -> Need | Shown:
        """修改需求或推进其状态（完成、取消）"""
        actor = current_actor()
        need = needs.update(actor=actor, need_id=need_id, changes=data)
        db.session.commit()
        return views.view(actor, need)


@blp.route("/needs/<int:need_id>/task")
class NeedTask(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(NeedTaskIn)
    @blp.response(201, TaskOut)
    @blp.alt_response(409, description="需求不是待处理状态（need.not_open）")
    def post(self, data: dict[str, Any], need_id: int) -> Task:
        """把待处理的需求转为任务草稿

        默认为微心愿，可指定其他类型；任务的规则同新建任务（422）。
        """
        task = needs.make_task(actor=current_actor(), need_id=need_id, **data)
        db.session.commit()
        return task
