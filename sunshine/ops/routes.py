"""GET /healthz for load balancers and orchestration."""

from __future__ import annotations

import logging

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from sunshine.api import BaseSchema
from sunshine.errors import UpstreamUnavailable
from sunshine.extensions import db

log = logging.getLogger(__name__)

blp = Blueprint("ops", __name__, description="运行状态")


class HealthOut(BaseSchema):
    status = fields.String(metadata={"example": "ok"})
    database = fields.String(metadata={"example": "ok"})


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthOut)
    @blp.alt_response(503, description="数据库不可用（health.database_unavailable）")
    def get(self) -> dict[str, str]:
        """健康检查：服务与数据库是否可用

        不需要登录。
        """
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.error("health check: database unreachable: %s", type(exc).__name__)
            raise UpstreamUnavailable(
                "数据库暂时不可用", code="health.database_unavailable"
            ) from None
        finally:
            db.session.rollback()
        return {"status": "ok", "database": "ok"}
