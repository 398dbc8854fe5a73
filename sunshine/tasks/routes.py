"""Tasks and shifts for secretaries; signups for members."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import BigCursorArgs, ReasonIn, Shown
from sunshine.auth.current import current_actor, login_required, requires
from sunshine.extensions import db
from sunshine.pagination import CursorPage
from sunshine.tasks import feed, service, views
from sunshine.tasks.models import Shift, Signup, Task, TaskCategory
from sunshine.tasks.schemas import (
    CategoryOut,
    FeedArgs,
    FeedPage,
    MySignupPage,
    ShiftDetailOut,
    ShiftIn,
    ShiftOut,
    ShiftPatch,
    SignupOut,
    TaskCheckedOut,
    TaskIn,
    TaskListArgs,
    TaskOut,
    TaskPage,
    TaskPatch,
    WeeklyScheduleIn,
)

blp = Blueprint("tasks", __name__, url_prefix="/api/v1", description="服务任务与报名")
_PUBLISH_409 = "无班次（task.no_shifts）、已取消（task.cancelled）、刚被修改（task.changed）"


@blp.route("/task-categories")
class Categories(MethodView):
    @login_required
    @blp.response(200, CategoryOut(many=True))
    def get(self) -> list[TaskCategory]:
        """服务类别目录"""
        return views.list_categories()


@blp.route("/tasks")
class Tasks(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(TaskListArgs, location="query")
    @blp.response(200, TaskPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """我管理的任务（新的在前）

        社区、街道管理员与组织部可调用，只列出管辖范围内的任务。
        """
        return views.list_tasks(
            actor=current_actor(),
            limit=args["limit"],
            status=args.get("status"),
            area_id=args.get("area_id"),
            after_id=args.get("cursor"),
        )

    @requires(Permission.TASK_MANAGE)
    @blp.arguments(TaskIn)
    @blp.response(201, TaskOut)
    @blp.alt_response(404, description="区域不存在（area.not_found）")
    def post(self, data: dict[str, Any]) -> Task:
        """新建任务（草稿）

        社区任务建在社区；全街道的任务建在街道，其可见范围须为街道或全市（task.bad_visibility）；
        网格任务建在网格，可见范围须为 grid（仅编入该网格的党员可见、可报名），网格角色只能管理
        本网格的任务。区域不是网格、社区或街道（task.bad_area）、类别或技能不在目录中（task.unknown_category、
        skill.unknown）时拒绝。草稿须添加班次并发布后党员才能看到。
        """
        task = service.create_task(actor=current_actor(), **data)
        db.session.commit()
        return task


@blp.route("/tasks/<int:task_id>")
class TaskDetail(MethodView):
    @login_required
    @blp.response(200, TaskCheckedOut)
    def get(self, task_id: int) -> Shown:
        """任务详情（含班次）

        已发布的任务登录即可看；草稿只有管理它的管理员可看，其他人得到 404（task.not_found），
        不泄露 id。管理员另见最近一次内容安全检查（content_check），党员为 null。
        """
        return views.task_page(actor=current_actor(), task_id=task_id)

    @requires(Permission.TASK_MANAGE)
    @blp.arguments(TaskPatch)
    @blp.response(200, TaskCheckedOut)
    @blp.alt_response(409, description="任务已取消（task.cancelled）")
    def patch(self, data: dict[str, Any], task_id: int) -> Shown:
        """修改任务

        已发布任务的新文字先经内容安全检查：违规 422（content.risky），待审时暂不生效。"""
        task, check = service.update_task(actor=current_actor(), task_id=task_id, changes=data)
        db.session.commit()
        return views.checked(task, check)


@blp.route("/tasks/<int:task_id>/publish")
class TaskPublish(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.response(200, TaskCheckedOut)
    @blp.alt_response(409, description=_PUBLISH_409)
    def post(self, task_id: int) -> Shown:
        """发布任务

        文字先经内容安全检查：违规 422（content.risky）；待审时保持草稿，通过后自动发布。"""
        task, check = service.publish_task(actor=current_actor(), task_id=task_id)
        db.session.commit()
        return views.checked(task, check)


@blp.route("/tasks/<int:task_id>/cancel")
class TaskCancel(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(ReasonIn)
    @blp.response(200, TaskOut)
    @blp.alt_response(409, description="任务已取消（task.cancelled）")
    def post(self, data: dict[str, Any], task_id: int) -> Task:
        """取消任务（须填写原因）

        未取消的班次连同其报名一并取消，每个班次记一条取消事件，供通知已报名的党员。
        已取消的任务不能再取消（task.cancelled）。
        """
        task = service.cancel_task(actor=current_actor(), task_id=task_id, reason=data["reason"])
        db.session.commit()
        return task


@blp.route("/tasks/<int:task_id>/shifts")
class TaskShifts(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(ShiftIn)
    @blp.response(201, ShiftOut)
    @blp.alt_response(409, description="任务已取消（task.cancelled）")
    def post(self, data: dict[str, Any], task_id: int) -> Shift:
        """为任务添加班次

        给出开始、结束、名额和报名截止时间。开始时间已过（shift.in_past）、
        结束不晚于开始（shift.ends_before_start）、超过 24 小时（shift.too_long）、
        截止时间不在现在与开始之间（shift.bad_deadline）时 422；
        已取消的任务不能添加（task.cancelled）。
        """
        shift = service.add_shift(actor=current_actor(), task_id=task_id, **data)
        db.session.commit()
        return shift


@blp.route("/tasks/<int:task_id>/weekly-schedule")
class TaskWeeklySchedule(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(WeeklyScheduleIn)
    @blp.response(201, ShiftOut(many=True))
    @blp.alt_response(409, description="任务已取消（task.cancelled）")
    def post(self, data: dict[str, Any], task_id: int) -> list[Shift]:
        """按周生成常设岗位的班次

        在给定的星期几、提前若干周生成；已有同一开始时间的班次跳过，所以重复调用只会延长排班。
        """
        shifts = service.schedule_weekly(actor=current_actor(), task_id=task_id, **data)
        db.session.commit()
        return shifts


@blp.route("/shifts/<int:shift_id>")
class ShiftDetail(MethodView):
    @login_required
    @blp.response(200, ShiftDetailOut)
    def get(self, shift_id: int) -> Shift:
        """查看一个班次及其任务（任务管理员，或可见该任务、在该班次有报名或邀请的党员）。"""
        return views.shift_for(actor=current_actor(), shift_id=shift_id)

    @requires(Permission.TASK_MANAGE)
    @blp.arguments(ShiftPatch)
    @blp.response(200, ShiftOut)
    @blp.alt_response(
        409,
        description="已取消或名额少于已确认人数（shift.cancelled、shift.capacity_below_confirmed）",
    )
    def patch(self, data: dict[str, Any], shift_id: int) -> Shift:
        """调整班次的时间或名额

        名额不能少于已确认人数（shift.capacity_below_confirmed），
        已取消的班次不能修改（shift.cancelled）；时间规则同添加班次（422）。
        开始或结束移动超过 5 分钟时记一条变更事件，供通知已报名的党员。
        """
        shift = service.update_shift(actor=current_actor(), shift_id=shift_id, changes=data)
        db.session.commit()
        return shift


@blp.route("/shifts/<int:shift_id>/cancel")
class ShiftCancel(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(ReasonIn)
    @blp.response(200, ShiftOut)
    @blp.alt_response(409, description="班次已取消（shift.cancelled）")
    def post(self, data: dict[str, Any], shift_id: int) -> Shift:
        """取消班次（须填写原因）

        班次的报名一并取消，并记一条取消事件，供通知已报名的党员。
        已取消的班次不能再取消（shift.cancelled）。
        """
        shift = service.cancel_shift(
            actor=current_actor(), shift_id=shift_id, reason=data["reason"]
        )
        db.session.commit()
        return shift


@blp.route("/shifts/<int:shift_id>/signups")
class ShiftSignups(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.response(200, SignupOut(many=True))
    def get(self, shift_id: int) -> list[Signup]:
        """班次的报名名单

        含已报名、候补和已取消的报名，临近开始才取消的标记为迟取消。管辖该任务的管理员可调用。
        """
        return views.shift_roster(actor=current_actor(), shift_id=shift_id)

    @login_required
    @blp.response(201, SignupOut)
    @blp.alt_response(200, schema=SignupOut, description="已报名：返回原报名")
    @blp.alt_response(409, description="不能报名（shift.not_open、shift.signup_closed、signup.*）")
    def post(self, shift_id: int) -> tuple[Signup, int]:
        """报名班次（满员时进入候补）

        已报名时再次调用返回原报名（200）。须先注册（member.not_registered）并通过认证。
        拒绝：任务未发布或已取消（shift.not_open）、报名已截止（shift.signup_closed）、
        不面向本人报到的社区（signup.not_eligible）、身份未认证（signup.not_verified）、
        与已报名班次时间冲突（signup.overlap）、同一报名正在处理（signup.duplicate）。
        """
        signup, created = service.sign_up(actor=current_actor(), shift_id=shift_id)
        db.session.commit()
        return signup, 201 if created else 200


@blp.route("/signups/<bigid:signup_id>/cancel")
class SignupCancel(MethodView):
    @login_required
    @blp.response(200, SignupOut)
    @blp.alt_response(
        409, description="已取消（signup.cancelled）或班次已开始（signup.shift_started）"
    )
    def post(self, signup_id: int) -> Signup:
        """取消报名

        只能取消本人的报名（他人的：signup.not_found）。班次开始后不能取消（signup.shift_started），
        已取消的不能再取消（signup.cancelled）。开始前 SIGNUP_CANCEL_CUTOFF_MINUTES 分钟内取消的标记
        为迟取消。取消后候补第一位自动递补。
        """
        minutes = current_app.config["SIGNUP_CANCEL_CUTOFF_MINUTES"]
        signup = service.cancel_signup(
            actor=current_actor(), signup_id=signup_id, late_cutoff=timedelta(minutes=minutes)
        )
        db.session.commit()
        return signup


@blp.route("/me/signups")
class MySignups(MethodView):
    @login_required
    @blp.arguments(BigCursorArgs, location="query")
    @blp.response(200, MySignupPage)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """我的报名（新的在前）"""
        return views.my_signups(actor=current_actor(), **args)


@blp.route("/me/feed")
class MyFeed(MethodView):
    @login_required
    @blp.arguments(FeedArgs, location="query")
    @blp.response(200, FeedPage)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    @blp.alt_response(409, description="尚未到社区报到（feed.no_report_in）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """任务大厅：我可报名的班次（按推荐排序）

        每项附推荐理由（本社区、技能匹配……）；已报名的班次不出现。须先注册并认证，
        并到社区报到（feed.no_report_in）。
        """
        return feed.feed(
            actor=current_actor(),
            category_id=args.get("category_id"),
            kind=args.get("kind"),
            starts_from=args.get("starts_from"),
            starts_until=args.get("starts_until"),
            offset=args["cursor"],
            limit=args["limit"],
        )
