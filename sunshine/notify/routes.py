"""The inbox (every message the member was sent) and the subscribe-message quota."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, login_required, requires
from sunshine.extensions import db
from sunshine.notify import service, views
from sunshine.notify.schemas import (
    MarkReadIn,
    MarkReadOut,
    MessageListArgs,
    MessagePage,
    OutboxArgs,
    OutboxPage,
    SubscriptionsIn,
    SubscriptionsOut,
    UnreadOut,
)
from sunshine.pagination import CursorPage

blp = Blueprint("notify", __name__, url_prefix="/api/v1", description="消息通知")


@blp.route("/me/subscriptions")
class MySubscriptions(MethodView):
    @login_required
    @blp.response(200, SubscriptionsOut)
    def get(self) -> dict[str, Any]:
        """我的订阅消息剩余次数（按模板）"""
        return {"templates": service.quotas(current_actor().account_id)}

    @login_required
    @blp.arguments(SubscriptionsIn)
    @blp.response(200, SubscriptionsOut)
    @blp.alt_response(422, description="模板不存在（notify.unknown_template）")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """上报订阅消息授权结果

        每个 accept 允许发送该模板一次；reject、ban、filter 不计数。
        """
        quotas = service.report_subscriptions(actor=current_actor(), results=data["results"])
        db.session.commit()
        return {"templates": quotas}


@blp.route("/me/messages")
class MyMessages(MethodView):
    @login_required
    @blp.arguments(MessageListArgs, location="query")
    @blp.response(200, MessagePage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """我的消息（新的在前）"""
        return views.my_messages(actor=current_actor(), **args)


@blp.route("/me/messages/unread-count")
class MyUnreadCount(MethodView):
    @login_required
    @blp.response(200, UnreadOut)
    def get(self) -> dict[str, int]:
        """我的未读消息数"""
        return {"unread": views.unread_count(current_actor())}


@blp.route("/me/messages/read")
class MyMessagesRead(MethodView):
    @login_required
    @blp.arguments(MarkReadIn)
    @blp.response(200, MarkReadOut)
    def post(self, data: dict[str, Any]) -> dict[str, int]:
        """把消息标为已读（指定的或全部）"""
        actor = current_actor()
        marked = service.mark_read(actor=actor, ids=data.get("ids"))
        db.session.commit()
        return {"marked": marked, "unread": views.unread_count(actor)}


@blp.route("/notify/messages")
class Outbox(MethodView):
    @requires(Permission.NOTIFY_MONITOR)
    @blp.arguments(OutboxArgs, location="query")
    @blp.response(200, OutboxPage)
    @blp.alt_response(403, description="不是系统管理员（auth.forbidden）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """全部消息的发送状态（系统管理员）

        按 status=failed 查看发送失败的消息及微信错误码。
        """
        return views.outbox(actor=current_actor(), **args)
