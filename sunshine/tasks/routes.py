"""Tasks and shifts for secretaries; signups for members."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.api import BigCursorArgs, ReasonIn
from sunshine.auth.current import current_actor, login_required
from sunshine.extensions import db
from sunshine.pagination import CursorPage
from sunshine.tasks import feed, invitations, service, views
from sunshine.tasks.models import Invitation, Shift, Signup, Task, TaskCategory
from sunshine.tasks.schemas import (
    CategoryOut,
    FeedArgs,
    FeedPage,
    InvitationOut,
    InviteIn,
    MyInvitationArgs,
    MyInvitationPage,
    MySignupPage,
    ShiftDetailOut,
    ShiftIn,
    ShiftOut,
    ShiftPatch,
    SignupOut,
    SuggestionArgs,
    SuggestionOut,
    TaskIn,
    TaskListArgs,
    TaskOut,
    TaskPage,
    TaskPatch,
    WeeklyScheduleIn,
)

blp = Blueprint("tasks", __name__, url_prefix="/api/v1", description="服务任务与报名")


@blp.route("/task-categories")
class Categories(MethodView):
    @login_required
    @blp.response(200, CategoryOut(many=True))
    def get(self) -> list[TaskCategory]:
        """The task category catalogue."""
        return views.list_categories()


@blp.route("/tasks")
class Tasks(MethodView):
    @login_required
    @blp.arguments(TaskListArgs, location="query")
    @blp.response(200, TaskPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """Tasks the caller manages, newest first."""
        return views.list_tasks(
            actor=current_actor(),
            limit=args["limit"],
            status=args.get("status"),
            area_id=args.get("area_id"),
            after_id=args.get("cursor"),
        )

    @login_required
    @blp.arguments(TaskIn)
    @blp.response(201, TaskOut)
    def post(self, data: dict[str, Any]) -> Task:
        """Post a task (a draft) for a community, or a street for a street-wide task."""
        task = service.create_task(actor=current_actor(), **data)
        db.session.commit()
        return task


@blp.route("/tasks/<int:task_id>")
class TaskDetail(MethodView):
    @login_required
    @blp.response(200, TaskOut)
    def get(self, task_id: int) -> Task:
        """One task with its shifts (published tasks: anyone; drafts: its managers)."""
        return views.task_for(actor=current_actor(), task_id=task_id)

    @login_required
    @blp.arguments(TaskPatch)
    @blp.response(200, TaskOut)
    @blp.alt_response(409, description="任务已取消")
    def patch(self, data: dict[str, Any], task_id: int) -> Task:
        """Edit a task."""
        task = service.update_task(actor=current_actor(), task_id=task_id, changes=data)
        db.session.commit()
        return task


@blp.route("/tasks/<int:task_id>/publish")
class TaskPublish(MethodView):
    @login_required
    @blp.response(200, TaskOut)
    @blp.alt_response(409, description="没有班次或已取消")
    def post(self, task_id: int) -> Task:
        """Publish a task to the members it is visible to."""
        task = service.publish_task(actor=current_actor(), task_id=task_id)
        db.session.commit()
        return task


@blp.route("/tasks/<int:task_id>/cancel")
class TaskCancel(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, TaskOut)
    def post(self, data: dict[str, Any], task_id: int) -> Task:
        """Cancel a task and its open shifts, with a reason."""
        task = service.cancel_task(actor=current_actor(), task_id=task_id, reason=data["reason"])
        db.session.commit()
        return task


@blp.route("/tasks/<int:task_id>/shifts")
class TaskShifts(MethodView):
    @login_required
    @blp.arguments(ShiftIn)
    @blp.response(201, ShiftOut)
    def post(self, data: dict[str, Any], task_id: int) -> Shift:
        """Add a shift (start, end, capacity, signup deadline)."""
        shift = service.add_shift(actor=current_actor(), task_id=task_id, **data)
        db.session.commit()
        return shift


@blp.route("/tasks/<int:task_id>/weekly-schedule")
class TaskWeeklySchedule(MethodView):
    @login_required
    @blp.arguments(WeeklyScheduleIn)
    @blp.response(201, ShiftOut(many=True))
    def post(self, data: dict[str, Any], task_id: int) -> list[Shift]:
        """Generate a standing post's shifts weeks ahead (existing starts are skipped)."""
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

    @login_required
    @blp.arguments(ShiftPatch)
    @blp.response(200, ShiftOut)
    def patch(self, data: dict[str, Any], shift_id: int) -> Shift:
        """Move a shift or change its capacity (a move of over 5 minutes is an event)."""
        shift = service.update_shift(actor=current_actor(), shift_id=shift_id, changes=data)
        db.session.commit()
        return shift


@blp.route("/shifts/<int:shift_id>/cancel")
class ShiftCancel(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, ShiftOut)
    def post(self, data: dict[str, Any], shift_id: int) -> Shift:
        """Cancel a shift and its signups, with a reason."""
        shift = service.cancel_shift(
            actor=current_actor(), shift_id=shift_id, reason=data["reason"]
        )
        db.session.commit()
        return shift


@blp.route("/shifts/<int:shift_id>/signups")
class ShiftSignups(MethodView):
    @login_required
    @blp.response(200, SignupOut(many=True))
    def get(self, shift_id: int) -> list[Signup]:
        """The shift's roster: signed up, waitlisted, cancelled (late ones flagged)."""
        return views.shift_roster(actor=current_actor(), shift_id=shift_id)

    @login_required
    @blp.response(201, SignupOut)
    @blp.alt_response(200, schema=SignupOut, description="已报名：返回原报名")
    @blp.alt_response(409, description="不可报名、已截止、时间冲突或不面向本社区")
    def post(self, shift_id: int) -> tuple[Signup, int]:
        """Sign up for a shift, or join its waitlist when it is full."""
        signup, created = service.sign_up(actor=current_actor(), shift_id=shift_id)
        db.session.commit()
        return signup, 201 if created else 200


@blp.route("/signups/<bigid:signup_id>/cancel")
class SignupCancel(MethodView):
    @login_required
    @blp.response(200, SignupOut)
    def post(self, signup_id: int) -> Signup:
        """Give up a place; the first waitlisted member is promoted at once."""
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
        """The caller's signups, newest first."""
        return views.my_signups(actor=current_actor(), **args)


@blp.route("/me/feed")
class MyFeed(MethodView):
    @login_required
    @blp.arguments(FeedArgs, location="query")
    @blp.response(200, FeedPage)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    @blp.alt_response(409, description="尚未报到")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """Shifts the member may join, ranked, with the reasons shown (本社区, 技能匹配 …)."""
        return feed.feed(
            actor=current_actor(),
            category_id=args.get("category_id"),
            kind=args.get("kind"),
            starts_from=args.get("starts_from"),
            starts_until=args.get("starts_until"),
            offset=args["cursor"],
            limit=args["limit"],
        )


@blp.route("/shifts/<int:shift_id>/suggestions")
class ShiftSuggestions(MethodView):
    @login_required
    @blp.arguments(SuggestionArgs, location="query")
    @blp.response(200, SuggestionOut(many=True))
    def get(self, args: dict[str, Any], shift_id: int) -> list[invitations.Suggestion]:
        """Members best suited to invite to a shift, ranked, with the reasons."""
        return invitations.suggestions(
            actor=current_actor(), shift_id=shift_id, limit=args["limit"]
        )


@blp.route("/shifts/<int:shift_id>/invitations")
class ShiftInvitations(MethodView):
    @login_required
    @blp.arguments(InviteIn)
    @blp.response(201, InvitationOut(many=True))
    def post(self, data: dict[str, Any], shift_id: int) -> list[Invitation]:
        """Invite members to a shift (all must be able to join it, or none is invited)."""
        created = invitations.invite(
            actor=current_actor(), shift_id=shift_id, member_ids=data["member_ids"]
        )
        db.session.commit()
        return created


@blp.route("/me/invitations")
class MyInvitations(MethodView):
    @login_required
    @blp.arguments(MyInvitationArgs, location="query")
    @blp.response(200, MyInvitationPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """The caller's pending invitations."""
        return views.my_invitations(actor=current_actor(), **args)


@blp.route("/invitations/<bigid:invitation_id>/accept")
class InvitationAccept(MethodView):
    @login_required
    @blp.response(200, SignupOut)
    @blp.alt_response(409, description="已答复，或不能报名")
    def post(self, invitation_id: int) -> Signup:
        """Accept an invitation: signs up (or joins the waitlist)."""
        signup = invitations.accept(actor=current_actor(), invitation_id=invitation_id)
        db.session.commit()
        return signup


@blp.route("/invitations/<bigid:invitation_id>/decline")
class InvitationDecline(MethodView):
    @login_required
    @blp.response(200, InvitationOut)
    @blp.alt_response(409, description="已答复，或班次已开始")
    def post(self, invitation_id: int) -> Invitation:
        """Decline an invitation (a call-up's: gives up the place it held)."""
        minutes = current_app.config["SIGNUP_CANCEL_CUTOFF_MINUTES"]
        invitation = invitations.decline(
            actor=current_actor(),
            invitation_id=invitation_id,
            late_cutoff=timedelta(minutes=minutes),
        )
        db.session.commit()
        return invitation
