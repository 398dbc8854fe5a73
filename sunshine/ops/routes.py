"""GET /healthz and GET /readyz for load balancers and orchestration.

``/healthz`` is what it always was: the worker answers and reaches its database (one
``SELECT 1``; the benchmarks use it as the floor of a request's cost). ``/readyz`` is
everything the API needs to serve now: the database, and Redis too when ``REDIS_URL`` is set
(the WeChat token and the rate-limit counters live there). Both answer 503 in the error shape
when something is out of reach. Point the balancer's health check at ``/readyz``.
"""

from __future__ import annotations

import logging

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from sunshine import redis_store
from sunshine.api import BaseSchema
from sunshine.errors import UpstreamUnavailable
from sunshine.extensions import db

log = logging.getLogger(__name__)

blp = Blueprint("ops", __name__, description="运行状态")


class HealthOut(BaseSchema):
    status = fields.String(metadata={"example": "ok"})
    database = fields.String(metadata={"example": "ok"})


class ReadyOut(BaseSchema):
    status = fields.String(metadata={"example": "ok"})
    database = fields.String(metadata={"example": "ok"})
    redis = fields.String(
        metadata={"description": "ok, or not_configured without REDIS_URL", "example": "ok"}
    )


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthOut)
    @blp.alt_response(503, description="数据库不可用（health.database_unavailable）")
    def get(self) -> dict[str, str]:
        """健康检查：服务与数据库是否可用

        不需要登录。Redis 等其余依赖见 /readyz。
        """
        _ping_database()
        return {"status": "ok", "database": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, ReadyOut)
    @blp.alt_response(
        503,
        description="数据库不可用（health.database_unavailable），"
        "或已配置的 Redis 不可用（health.redis_unavailable）",
    )
    def get(self) -> dict[str, str]:
        """就绪检查：数据库与缓存是否可用

        负载均衡的健康检查应指向此处。不需要登录。
        """
        _ping_database()
        try:
            redis = "ok" if redis_store.ping() else "not_configured"
        except redis_store.RedisError as exc:
            log.error("readiness: Redis unreachable: %s", type(exc).__name__)
            raise UpstreamUnavailable("Redis 暂时不可用", code="health.redis_unavailable") from None
        return {"status": "ok", "database": "ok", "redis": redis}


def _ping_database() -> None:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.error("health check: database unreachable: %s", type(exc).__name__)
        raise UpstreamUnavailable("数据库暂时不可用", code="health.database_unavailable") from None
    finally:
        db.session.rollback()
