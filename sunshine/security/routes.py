"""Reading the security log."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, requires
from sunshine.pagination import CursorPage
from sunshine.security import views
from sunshine.security.schemas import SecurityEventArgs, SecurityEventPage

blp = Blueprint("security", __name__, url_prefix="/api/v1", description="安全日志")


@blp.route("/security-events")
class SecurityEvents(MethodView):
    @requires(Permission.SECURITY_LOG_READ, action="security_log.read")
    @blp.arguments(SecurityEventArgs, location="query")
    @blp.response(200, SecurityEventPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """安全日志（新的在前，系统管理员）"""
        return views.list_events(actor=current_actor(), **args)
