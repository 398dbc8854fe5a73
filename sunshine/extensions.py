"""Flask extensions, created unbound and initialised in create_app."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from sunshine.api import BigIdConverter, IdConverter, SunshineApi, id_parameter_schema
from sunshine.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
api = SunshineApi()
api.register_converter(IdConverter, id_parameter_schema)
api.register_converter(BigIdConverter, id_parameter_schema)
limiter = Limiter(key_func=get_remote_address, default_limits=[])
