"""Areas, work units, party organisations, service teams, and their imports."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.api import UploadIn, accepts_upload
from sunshine.auth.current import current_actor, login_required
from sunshine.extensions import db
from sunshine.imports import service as imports
from sunshine.imports.models import ImportBatch
from sunshine.imports.routes import import_upload
from sunshine.imports.schemas import ImportBatchOut
from sunshine.org import imports as org_imports
from sunshine.org import service, views
from sunshine.org.models import Area, ServiceTeam
from sunshine.org.schemas import (
    AreaListArgs,
    AreaOut,
    CityArgs,
    CityIn,
    PartyOrgOut,
    TeamIn,
    TeamOut,
    UnitListArgs,
    UnitPage,
)
from sunshine.pagination import CursorPage

blp = Blueprint("org", __name__, url_prefix="/api/v1", description="组织架构")


@blp.route("/areas")
class Areas(MethodView):
    @login_required
    @blp.arguments(AreaListArgs, location="query")
    @blp.response(200, AreaOut(many=True))
    def get(self, args: dict[str, Any]) -> list[Area]:
        """Children of an area, or the cities when no parent is given."""
        return views.list_areas(args.get("parent_id"))


@blp.route("/areas/<int:area_id>")
class AreaDetail(MethodView):
    @login_required
    @blp.response(200, AreaOut)
    def get(self, area_id: int) -> Area:
        """One area."""
        return service.get_area(area_id)


@blp.route("/cities")
class Cities(MethodView):
    @login_required
    @blp.arguments(CityIn)
    @blp.response(201, AreaOut)
    @blp.alt_response(409, description="区划代码已存在")
    def post(self, data: dict[str, Any]) -> Area:
        """Add a city (system administrator)."""
        city = service.create_city(
            actor=current_actor(), name=data["name"], division_code=data.get("division_code")
        )
        db.session.commit()
        return city


@blp.route("/units")
class Units(MethodView):
    @login_required
    @blp.arguments(UnitListArgs, location="query")
    @blp.response(200, UnitPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """Work units of a city, optionally filtered by name."""
        return views.list_units(**args)


@blp.route("/units/<int:unit_id>/party-orgs")
class UnitPartyOrgs(MethodView):
    @login_required
    @blp.response(200, PartyOrgOut(many=True))
    def get(self, unit_id: int) -> list[Any]:
        """Party organisations of a work unit."""
        return views.party_orgs_of(unit_id)


@blp.route("/communities/<int:community_id>/teams")
class CommunityTeams(MethodView):
    @login_required
    @blp.response(200, TeamOut(many=True))
    def get(self, community_id: int) -> list[ServiceTeam]:
        """Service teams of a community."""
        return views.teams_of(community_id)

    @login_required
    @blp.arguments(TeamIn)
    @blp.response(201, TeamOut)
    @blp.alt_response(409, description="同名服务队已存在")
    def post(self, data: dict[str, Any], community_id: int) -> ServiceTeam:
        """Add a service team to a community (its community admin or the org department)."""
        team = service.create_team(
            actor=current_actor(), community_id=community_id, name=data["name"]
        )
        db.session.commit()
        return team


@blp.route("/org/imports/areas")
class AreaImport(MethodView):
    @login_required
    @blp.arguments(CityArgs, location="query")
    @blp.arguments(UploadIn, location="files")
    @blp.response(201, ImportBatchOut)
    @accepts_upload(imports.MAX_UPLOAD_BYTES)
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> ImportBatch:
        """Import a city's streets, communities and grids (CSV or XLSX, all or nothing)."""
        return import_upload(org_imports.AREAS, args["city_id"], files["file"])


@blp.route("/org/imports/units")
class UnitImport(MethodView):
    @login_required
    @blp.arguments(CityArgs, location="query")
    @blp.arguments(UploadIn, location="files")
    @blp.response(201, ImportBatchOut)
    @accepts_upload(imports.MAX_UPLOAD_BYTES)
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> ImportBatch:
        """Import a city's work units, party organisations and pairings (all or nothing)."""
        return import_upload(org_imports.UNITS, args["city_id"], files["file"])
