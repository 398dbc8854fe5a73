"""City bodies (实践中心、实践所/站、部门、学雷锋岗): the organization department keeps them and
names their admins (``POST /grants``, role body_admin with body_id); a body's admins post its
tasks here and manage them through the task routes."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.bodies import service, views
from sunshine.bodies.models import CityBody
from sunshine.bodies.schemas import (
    BodyFiguresOut,
    BodyIn,
    BodyOut,
    BodyPatch,
    BodyTaskListArgs,
    FiguresArgs,
)
from sunshine.extensions import db
from sunshine.pagination import CursorPage
from sunshine.tasks.models import Task
from sunshine.tasks.schemas import BodyTaskIn, TaskOut, TaskPage

blp = Blueprint("bodies", __name__, url_prefix="/api/v1", description="市级机构")

CITY_NOT_FOUND = "市不存在（area.not_found）"
NOT_A_CITY = "所选区域不是市（area.wrong_level）"
BODY_NOT_FOUND = "机构不存在或不在管辖范围内（body.not_found）"


@blp.route("/cities/<int:city_id>/bodies")
class CityBodies(MethodView):
    @login_required
    @blp.response(200, BodyOut(many=True))
    @blp.alt_response(404, description=CITY_NOT_FOUND)
    @blp.alt_response(422, description=NOT_A_CITY)
    def get(self, city_id: int) -> list[CityBody]:
        """本市的市级机构（新时代文明实践中心、实践所/站、部门、学雷锋岗）

        登录即可查看（任务上会显示其发布机构）。
        """
        return views.list_bodies(city_id=city_id)

    @requires(Permission.BODY_MANAGE)
    @blp.arguments(BodyIn)
    @blp.response(201, BodyOut)
    @blp.alt_response(404, description=CITY_NOT_FOUND)
    @blp.alt_response(409, description="本市已有同名机构（body.duplicate）")
    @blp.alt_response(
        422, description=f"{NOT_A_CITY}；上级机构不存在或不属于本市（body.bad_parent）"
    )
    def post(self, data: dict[str, Any], city_id: int) -> CityBody:
        """新增市级机构

        本市组织部可调用；名称在本市内不能重复。机构管理员由组织部授予
        （POST /grants，role=body_admin，body_id）。
        """
        body = service.create_body(
            actor=current_actor(), city_id=city_id, origin=request_origin(), **data
        )
        db.session.commit()
        return body


@blp.route("/bodies/<int:body_id>")
class BodyDetail(MethodView):
    @requires(Permission.BODY_MANAGE)
    @blp.arguments(BodyPatch)
    @blp.response(200, BodyOut)
    @blp.alt_response(404, description=BODY_NOT_FOUND)
    @blp.alt_response(409, description="本市已有同名机构（body.duplicate）")
    @blp.alt_response(
        422, description="上级机构不存在、不属于本市或在本机构之下（body.bad_parent）"
    )
    def patch(self, data: dict[str, Any], body_id: int) -> CityBody:
        """修改市级机构的名称、类型或上级机构

        本市组织部可调用。
        """
        body = service.update_body(
            actor=current_actor(), body_id=body_id, changes=data, origin=request_origin()
        )
        db.session.commit()
        return body


@blp.route("/bodies/<int:body_id>/tasks")
class BodyTasks(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(BodyTaskListArgs, location="query")
    @blp.response(200, TaskPage)
    @blp.alt_response(404, description=BODY_NOT_FOUND)
    def get(self, args: dict[str, Any], body_id: int) -> CursorPage:
        """机构的任务（新的在前）

        机构管理员与本市组织部可调用；可按状态筛选。
        """
        return views.body_tasks(
            actor=current_actor(),
            body_id=body_id,
            limit=args["limit"],
            cursor=args.get("cursor"),
            status=args.get("status"),
        )

    @requires(Permission.TASK_MANAGE)
    @blp.arguments(BodyTaskIn)
    @blp.response(201, TaskOut)
    @blp.alt_response(404, description=BODY_NOT_FOUND)
    def post(self, data: dict[str, Any], body_id: int) -> Task:
        """以机构名义新建任务（草稿）

        机构管理员与本市组织部可调用。任务属于机构所在的市，可见范围为全市（city）或所选街道
        （streets，street_ids 为本市的街道，至少一个）：其他可见范围（task.bad_visibility）、
        未选街道或街道不属于本市（task.bad_streets）时 422，什么也不保存。之后的班次、发布、
        修改、取消、名单与工时确认都走任务的接口。
        """
        task = service.post_task(actor=current_actor(), body_id=body_id, **data)
        db.session.commit()
        return task


@blp.route("/bodies/<int:body_id>/figures")
class BodyFigures(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(FiguresArgs, location="query")
    @blp.response(200, BodyFiguresOut)
    @blp.alt_response(404, description=BODY_NOT_FOUND)
    def get(self, args: dict[str, Any], body_id: int) -> views.BodyFigures:
        """机构的数据：任务、班次与已确认的服务时长

        机构管理员与本市组织部可调用；from/to 限定服务记录的日期。
        """
        return views.figures(actor=current_actor(), body_id=body_id, **args)
