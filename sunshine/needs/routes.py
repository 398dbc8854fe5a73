"""The needs list (需求清单) for community, street and city admins."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.api import Shown
from sunshine.auth.current import current_actor, login_required
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
    @login_required
    @blp.arguments(NeedIn)
    @blp.response(201, NeedOut)
    def post(self, data: dict[str, Any], community_id: int) -> Need | Shown:
        """Record a resident's need (需求清单) in a community."""
        actor = current_actor()
        need = needs.record(actor=actor, community_id=community_id, **data)
        db.session.commit()
        return views.view(actor, need)


@blp.route("/needs")
class Needs(MethodView):
    @login_required
    @blp.arguments(NeedListArgs, location="query")
    @blp.response(200, NeedPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """Needs of the caller's communities, newest first."""
        return views.list_needs(
            actor=current_actor(),
            limit=args["limit"],
            status=args.get("status"),
            area_id=args.get("area_id"),
            after_id=args.get("cursor"),
        )


@blp.route("/needs/<int:need_id>")
class NeedDetail(MethodView):
    @login_required
    @blp.response(200, NeedOut)
    def get(self, need_id: int) -> Need | Shown:
        """One need."""
        return views.need_for(actor=current_actor(), need_id=need_id)

    @login_required
    @blp.arguments(NeedPatch)
    @blp.response(200, NeedOut)
    @blp.alt_response(409, description="需求已关闭")
    def patch(self, data: dict[str, Any], need_id: int) -> Need | Shown:
        """Edit a need or move its status along (done, cancelled)."""
        actor = current_actor()
        need = needs.update(actor=actor, need_id=need_id, changes=data)
        db.session.commit()
        return views.view(actor, need)


@blp.route("/needs/<int:need_id>/task")
class NeedTask(MethodView):
    @login_required
    @blp.arguments(NeedTaskIn)
    @blp.response(201, TaskOut)
    @blp.alt_response(409, description="需求不是待处理状态")
    def post(self, data: dict[str, Any], need_id: int) -> Task:
        """Turn an open need into a draft task (a 微心愿 unless another kind is given)."""
        task = needs.make_task(actor=current_actor(), need_id=need_id, **data)
        db.session.commit()
        return task
