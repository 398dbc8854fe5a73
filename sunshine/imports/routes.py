"""Import batches and their downloadable error reports."""

from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage

from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, requires
from sunshine.extensions import db
from sunshine.imports import service
from sunshine.imports.models import ImportBatch
from sunshine.imports.schemas import ImportBatchOut
from sunshine.openapi import BINARY
from sunshine.org import service as org
from sunshine.org.models import AreaLevel

blp = Blueprint("imports", __name__, url_prefix="/api/v1", description="导入记录")


def import_upload(importer: service.Importer, city_id: int, upload: FileStorage) -> ImportBatch:
    """Run an uploaded file through an importer for a city; used by every import endpoint."""
    batch = service.run(
        actor=current_actor(),
        importer=importer,
        city=org.get_area_of_level(city_id, AreaLevel.CITY, "city_id"),
        filename=upload.filename or "upload",
        data=upload.read(),
        budget=current_app.config["IMPORT_TIME_BUDGET"],
    )
    db.session.commit()  # a rejected batch is kept: its error report can be downloaded
    service.raise_if_rejected(batch)
    return batch


@blp.route("/imports/<int:batch_id>")
class Batch(MethodView):
    @requires(Permission.ORG_IMPORT)
    @blp.response(200, ImportBatchOut)
    def get(self, batch_id: int) -> ImportBatch:
        """导入批次详情

        计数、变更或行错误。该市的组织部可看。
        """
        return service.get_batch(actor=current_actor(), batch_id=batch_id)


@blp.route("/imports/<int:batch_id>/errors.csv")
class BatchErrors(MethodView):
    @requires(Permission.ORG_IMPORT)
    @blp.response(200, BINARY, content_type="text/csv", description="行号, 列, 错误")
    def get(self, batch_id: int) -> Response:
        """下载导入批次的行错误（CSV）

        可直接用 Excel 打开。
        """
        batch = service.get_batch(actor=current_actor(), batch_id=batch_id)
        return Response(
            service.error_report_csv(batch),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="import-{batch.id}-errors.csv"'},
        )
