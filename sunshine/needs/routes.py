"""The needs list (需求清单) for community, street and city admins."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine import rate_limits
from sunshine.access.permissions import Permission
from sunshine.api import CursorArgs, Shown, accepts_upload
from sunshine.auth.current import current_actor, login_required, requires
from sunshine.extensions import db
from sunshine.needs import residents, stats, views
from sunshine.needs import service as needs
from sunshine.needs.models import Need
from sunshine.needs.schemas import (
    DeclineIn,
    MyNeedOut,
    MyNeedPage,
    NeedIn,
    NeedListArgs,
    NeedOut,
    NeedPage,
    NeedPatch,
    NeedStatsOut,
    NeedTaskIn,
    RatingIn,
    StatsArgs,
    SubmissionIn,
)
from sunshine.openapi import BINARY
from sunshine.pagination import CursorPage
from sunshine.tasks.models import Task
from sunshine.tasks.schemas import TaskOut

blp = Blueprint("needs", __name__, url_prefix="/api/v1", description="需求清单")


@blp.route("/communities/<int:community_id>/needs")
class CommunityNeeds(MethodView):
    @requires(Permission.NEED_ANSWER)
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
            kind=args.get("kind"),
            area_id=args.get("area_id"),
            is_overdue=args.get("overdue"),
            after_id=args.get("cursor"),
        )


@blp.route("/needs/<int:need_id>")
class NeedDetail(MethodView):
    @requires(Permission.NEED_READ)
    @blp.response(200, NeedOut)
    def get(self, need_id: int) -> Need | Shown:
        """需求详情"""
        return views.need_for(actor=current_actor(), need_id=need_id)

    @requires(Permission.NEED_ANSWER)
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
    @requires(Permission.NEED_ANSWER)
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


@blp.route("/needs/<int:need_id>/accept")
class NeedAccept(MethodView):
    @requires(Permission.NEED_ANSWER)
    @blp.response(200, NeedOut)
    @blp.alt_response(409, description="需求已答复（need.answered）")
    def post(self, need_id: int) -> Need | Shown:
        """受理居民提交的微心愿或诉求

        需求转为待处理，按类型的工作日数计算办结期限；居民收到通知。
        """
        actor = current_actor()
        need = needs.accept(actor=actor, need_id=need_id)
        db.session.commit()
        return views.view(actor, need)


@blp.route("/needs/<int:need_id>/decline")
class NeedDecline(MethodView):
    @requires(Permission.NEED_ANSWER)
    @blp.arguments(DeclineIn)
    @blp.response(200, NeedOut)
    @blp.alt_response(409, description="需求已答复（need.answered）")
    def post(self, data: dict[str, Any], need_id: int) -> Need | Shown:
        """不予受理居民提交的微心愿或诉求（须说明原因）

        居民收到通知与原因。
        """
        actor = current_actor()
        need = needs.decline(actor=actor, need_id=need_id, reason=data["reason"])
        db.session.commit()
        return views.view(actor, need)


@blp.route("/needs/stats")
class NeedStats(MethodView):
    @requires(Permission.NEED_ANSWER)
    @blp.arguments(StatsArgs, location="query")
    @blp.response(200, NeedStatsOut)
    @blp.alt_response(404, description="区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> stats.Figures:
        """需求办理情况：响应时长、办结率、按期率、满意率

        所选市、街道或社区（管辖范围内）在期间内提交的需求，附下一级各区域的数字；
        满意率 =（满意 + 基本满意）/ 评价数。网格、期间不正确为 422。
        """
        return stats.stats(
            actor=current_actor(),
            area_id=args["area_id"],
            starts_on=args.get("starts_on"),
            ends_on=args.get("ends_on"),
        )


@blp.route("/me/needs")
class MyNeeds(MethodView):
    @login_required
    @rate_limits.per_account("NEED_SUBMIT_RATE_LIMIT", "need.submit")
    @blp.arguments(SubmissionIn, location="form", content_type="multipart/form-data")
    @blp.response(201, MyNeedOut)
    @accepts_upload(residents.PHOTO_BODY_LIMIT)
    @blp.alt_response(404, description="社区不存在（area.not_found）")
    @blp.alt_response(429, description="提交太频繁（rate_limited，按账号限制）")
    def post(self, data: dict[str, Any]) -> Need:
        """居民向所在社区提交微心愿或诉求（可附一张照片）

        任何登录的微信用户均可提交（multipart/form-data）。区域须是社区、网格须属于该社区；
        文字经内容安全检查（违规为 422 content.risky）；照片须为 JPEG、PNG 或 WebP 且不超过上限
        （422 need.photo_*）。任何一项不通过，什么也不写入。每个账号的提交次数有限
        （NEED_SUBMIT_RATE_LIMIT，默认每小时 5 次、每天 20 次），超出时 429（rate_limited）。
        """
        data.pop("photo", None)  # the form's part of that name is text, not a file
        photo = request.files.get("photo")  # webargs reads a form's fields or its files
        need = residents.submit(
            actor=current_actor(), photo=photo.read() if photo is not None else None, **data
        )
        db.session.commit()
        return need

    @login_required
    @blp.arguments(CursorArgs, location="query")
    @blp.response(200, MyNeedPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """本人提交的微心愿与诉求（新的在前），含办理状态与期限"""
        return views.own_needs(
            actor=current_actor(), limit=args["limit"], after_id=args.get("cursor")
        )


@blp.route("/me/needs/<int:need_id>")
class MyNeed(MethodView):
    @login_required
    @blp.response(200, MyNeedOut)
    @blp.alt_response(404, description="需求不存在或不是本人提交的（need.not_found）")
    def get(self, need_id: int) -> Need:
        """本人提交的一条微心愿或诉求"""
        return residents.own(current_actor(), need_id)


@blp.route("/me/needs/<int:need_id>/rating")
class MyNeedRating(MethodView):
    @login_required
    @blp.arguments(RatingIn)
    @blp.response(201, MyNeedOut)
    @blp.alt_response(404, description="需求不存在或不是本人提交的（need.not_found）")
    @blp.alt_response(409, description="尚未办结（need.not_done）或已评价（need.already_rated）")
    def post(self, data: dict[str, Any], need_id: int) -> Need:
        """评价已办结的微心愿或诉求（满意、基本满意、不满意，只能一次）

        评语经内容安全检查（违规为 422 content.risky）。
        """
        need = residents.rate(actor=current_actor(), need_id=need_id, **data)
        db.session.commit()
        return need


@blp.route("/needs/<int:need_id>/photos/<int:photo_id>")
class NeedPhotoFile(MethodView):
    @login_required
    @blp.response(200, BINARY, content_type="image/jpeg")
    @blp.alt_response(404, description="需求或照片不存在，或无权查看（need.not_found）")
    def get(self, need_id: int, photo_id: int) -> Response:
        """需求的照片（按图片的实际类型返回）

        提交的居民本人，或管辖该需求的社区、街道管理员与组织部可查看。
        """
        photo = residents.photo_for(current_actor(), need_id, photo_id)
        return Response(
            photo.data,
            mimetype=photo.content_type,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
        )
