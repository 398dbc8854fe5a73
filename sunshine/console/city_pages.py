"""The console's pages of issue 17's work: a unit's report-in with its agreement and projects,
a unit's yearly report, the residents' needs figures, a city body's tasks and figures, a
detachment's roster and hours. Each is a shell whose script reads the JSON API; a page about
one object opens only for those the API lets read it (others and unknown ids: 404, as the API
answers). Registered on the console's blueprint (``pages.bp``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, redirect, url_for
from werkzeug.wrappers import Response as BaseResponse

from sunshine.access.permissions import Actor
from sunshine.bodies import service as bodies
from sunshine.cobuilding import views as cobuilding
from sunshine.console import views
from sunshine.console.pages import _admin_page, _page, _page_actor, bp
from sunshine.detachments import views as detachments
from sunshine.errors import Forbidden, NotFound
from sunshine.extensions import db


def _object_page(
    template: str, page: str, check: Callable[[Actor], Any], **extra: Any
) -> BaseResponse | str:
    """A page about one object: the user's page (``views.may_open``) and an object the API
    lets them read (``check`` raises otherwise); anything else is not there (404)."""
    actor = _page_actor()
    if actor is None:
        return redirect(url_for("console_pages.login"))
    if not views.may_open(actor, page):
        abort(404)
    try:
        check(actor)
    except (Forbidden, NotFound):
        db.session.rollback()
        abort(404)
    return _page(template, actor, page=page, **extra)


@bp.get("/need-stats")
def need_stats() -> BaseResponse | str:
    """心愿诉求统计: response time, on-time, completion and satisfaction rates of residents'
    needs for an area in scope and each area below it (GET /needs/stats)."""
    return _admin_page("console/need_stats.html", "need_stats")


@bp.get("/unit-report-ins/<int:report_in_id>")
def unit_report_in(report_in_id: int) -> BaseResponse | str:
    """A unit's report-in: its co-building agreement with the resources list (countersigned by
    the community) and its projects (confirmed done by the community)."""
    return _object_page(
        "console/unit_report_in.html",
        "unit-report-ins",
        lambda actor: cobuilding.one_report_in(actor=actor, report_in_id=report_in_id),
        report_in_id=report_in_id,
    )


@bp.get("/unit-yearly-reports/<int:report_id>")
def unit_yearly_report(report_id: int) -> BaseResponse | str:
    """A unit's yearly report: its text and the figures counted when it was submitted."""
    return _object_page(
        "console/unit_yearly_report.html",
        "unit-yearly-reports",
        lambda actor: cobuilding.yearly_report(actor=actor, report_id=report_id),
        report_id=report_id,
    )


@bp.get("/body")
def body() -> BaseResponse | str:
    """The menu's 本机构任务: the page of the (first) city body the user administers."""
    actor = _page_actor()
    if actor is None:
        return redirect(url_for("console_pages.login"))
    if not views.may_open(actor, "body"):
        abort(404)
    return redirect(url_for("console_pages.city_body", body_id=views.body_ids(actor)[0]))


@bp.get("/bodies/<int:body_id>")
def city_body(body_id: int) -> BaseResponse | str:
    """A city body's tasks and figures: for its admins and the city's organization department."""
    found: dict[str, str] = {}

    def check(actor: Actor) -> None:
        found["name"] = bodies.managed_body(actor, body_id).name

    actor = _page_actor()
    # The body's admins reach it from their menu; the organization department from 市级机构.
    page = "body" if actor is not None and body_id in views.body_ids(actor) else "bodies"
    return _object_page("console/body.html", page, check, body_id=body_id, found=found)


@bp.get("/detachments/<int:detachment_id>")
def detachment(detachment_id: int) -> BaseResponse | str:
    """A detachment's roster and its team hours (the organization department's)."""
    return _object_page(
        "console/detachment.html",
        "detachments",
        lambda actor: detachments.detachment_for(actor=actor, detachment_id=detachment_id),
        detachment_id=detachment_id,
    )
