"""Every API blueprint, in the order they appear in the OpenAPI document."""

from __future__ import annotations

from sunshine.access.routes import blp as access_blp
from sunshine.auth.routes import blp as auth_blp
from sunshine.ops.routes import blp as ops_blp
from sunshine.security.routes import blp as security_blp

BLUEPRINTS = [ops_blp, auth_blp, access_blp, security_blp]
