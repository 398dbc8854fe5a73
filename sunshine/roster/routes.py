"""The roster: import and read."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.api import UploadIn, accepts_upload
from sunshine.auth.current import current_actor, login_required
from sunshine.imports import service as imports
from sunshine.imports.models import ImportBatch
from sunshine.imports.routes import import_upload
from sunshine.imports.schemas import ImportBatchOut
from sunshine.org.schemas import CityArgs
from sunshine.pagination import CursorPage
from sunshine.roster import service, views
from sunshine.roster.schemas import RosterArgs, RosterPage

blp = Blueprint("roster", __name__, url_prefix="/api/v1", description="花名册")


@blp.route("/roster/imports")
class RosterImport(MethodView):
    @login_required
    @blp.arguments(CityArgs, location="query")
    @blp.arguments(UploadIn, location="files")
    @blp.response(201, ImportBatchOut)
    @accepts_upload(imports.MAX_UPLOAD_BYTES)
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> ImportBatch:
        """Import the roster: 姓名, 手机号, 单位, 党组织 (CSV in UTF-8 or GBK, or XLSX)."""
        return import_upload(service.IMPORTER, args["city_id"], files["file"])


@blp.route("/roster")
class Roster(MethodView):
    @login_required
    @blp.arguments(RosterArgs, location="query")
    @blp.response(200, RosterPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """Roster rows in the caller's scope (org department: city; unit admin: its unit)."""
        return views.list_roster(actor=current_actor(), **args)
