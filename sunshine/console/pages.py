"""The console's pages: server-rendered shells in Chinese whose scripts read the same JSON API
the mini-program uses (same services, same permission checks), with the session's cookie and,
for changes, its CSRF token. Not part of the OpenAPI document."""

from __future__ import annotations

import io
import json
import os
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from sunshine import wechat
from sunshine.access.permissions import Actor, Permission, can_somewhere
from sunshine.auth import service as auth
from sunshine.auth.current import (
    SESSION_COOKIE,
    current_actor,
    login_required,
    request_origin,
    restart_idle_clock,
)
from sunshine.callups import service as callups
from sunshine.console import lists, service, views
from sunshine.errors import DomainError, Forbidden, Invalid, NotFound
from sunshine.extensions import db, limiter
from sunshine.tasks import views as shifts

bp = Blueprint(
    "console_pages",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

_NONCE_COOKIE = "sunshine_console_login"
# The pages load scripts, styles and images from the app alone; ECharts sets inline styles.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'"
)
_QR_MAX = 256
_VENDOR = {"echarts.min.js": os.path.join("echarts", "dist")}


def _secure() -> bool:
    return current_app.config["ENV_NAME"] not in {"development", "testing"}


def _login_limit() -> str:
    return str(current_app.config["CONSOLE_LOGIN_RATE_LIMIT"])


@bp.after_request
def _page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _CSP
    return response


_PAGE_ERRORS = {
    403: "您的账号没有使用控制台的权限。",
    404: "页面不存在，或不在您的管辖范围内。",
}


@bp.errorhandler(403)
@bp.errorhandler(404)
def _page_error(error: HTTPException) -> tuple[str, int]:
    status = error.code or 404
    return render_template(
        "console/error.html", status=status, message=_PAGE_ERRORS[status]
    ), status


def _page_actor() -> Actor | None:
    """The session's actor, or None when the browser has no live session (log in again)."""
    try:
        actor = auth.authenticate(request.cookies.get(SESSION_COOKIE))
    except DomainError:
        db.session.rollback()
        return None
    restart_idle_clock(actor)
    return actor


def _page(template: str, actor: Actor, **extra: Any) -> str:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    context = views.page_context(actor)
    return render_template(
        template,
        csrf_token=auth.csrf_token(cookie, current_app.config["SECRET_KEY"]),
        context_json=json.dumps(context, ensure_ascii=False),
        scopes=context["scopes"],
        menu=views.menu(actor),
        list_pages=lists.PAGES,
        **extra,
    )


@bp.get("/login")
@limiter.limit(_login_limit)
def login() -> Response:
    """The login page: a mini-program code to scan; the page polls until it is confirmed."""
    ticket, nonce = service.new_ticket(origin=request_origin())
    db.session.commit()
    response = make_response(
        render_template(
            "console/login.html",
            ticket=ticket.ticket,
            ttl=int(service.TICKET_TTL.total_seconds()),
            show_ticket=current_app.config["ENV_NAME"] in {"development", "testing"},
        )
    )
    response.set_cookie(
        _NONCE_COOKIE,
        nonce,
        max_age=int(service.TICKET_TTL.total_seconds()),
        path="/console/login",
        secure=_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


@bp.get("/login/<string(length=24):ticket>/code.png")
@limiter.limit(_login_limit)
def login_code(ticket: str) -> Response:
    """The login ticket as a mini-program code opening the confirmation page."""
    service.live_ticket(ticket)
    image, content_type = wechat.mini_program_code(
        ticket, page=current_app.config["WECHAT_CONSOLE_LOGIN_PAGE"]
    )
    return Response(image, mimetype=content_type)


@bp.post("/login/<string(length=24):ticket>/session")
def login_session(ticket: str) -> tuple[dict[str, str], int] | Response:
    """The login page's poll: 202 while the ticket waits, then the session cookie (once)."""
    raw = service.claim(
        ticket=ticket,
        nonce=request.cookies.get(_NONCE_COOKIE),
        origin=request_origin(),
        ttl=current_app.config["CONSOLE_SESSION_HOURS"] * 3600,
        idle_timeout=current_app.config["CONSOLE_IDLE_MINUTES"] * 60,
    )
    db.session.commit()
    if raw is None:
        return {"status": "pending"}, 202
    response = make_response({"status": "ok", "next": url_for("console_pages.dashboard")})
    response.set_cookie(
        SESSION_COOKIE, raw, path="/", secure=_secure(), httponly=True, samesite="Lax"
    )
    response.delete_cookie(_NONCE_COOKIE, path="/console/login")
    return response


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the session (the page sends its CSRF token in the X-CSRF-Token header)."""
    service.logout(actor=current_actor(), origin=request_origin())
    db.session.commit()
    g.actor.touch_due = False
    response = make_response({"status": "ok", "next": url_for("console_pages.login")})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _admin_page(template: str, page: str, **extra: Any) -> BaseResponse | str:
    """A page of the shell for a logged-in admin (no session: the login page); one the user
    holds no permission for is not there for them (404)."""
    actor = _page_actor()
    if actor is None:
        return redirect(url_for("console_pages.login"))
    if not can_somewhere(actor, Permission.CONSOLE_LOGIN):
        abort(403)
    if not views.may_open(actor, page):
        abort(404)
    return _page(template, actor, page=page, **extra)


@bp.get("/list/<key>")
def list_page(key: str) -> BaseResponse | str:
    """A list page declared in ``lists.PAGES``: members, anomalies, corrections, needs, call-ups,
    periods, evaluations, grants, the security log."""
    if key not in lists.PAGES:
        abort(404)
    page = lists.PAGES[key]
    return _admin_page(
        "console/list.html",
        key,
        title=page.title,
        config_json=json.dumps(page.config(), ensure_ascii=False),
    )


@bp.get("/")
def dashboard() -> BaseResponse | str:
    """The dashboard: compliance by street and unit, report-in rate, hours by month, open
    anomalies, overdue records — within the user's scope. An admin of city bodies alone reads
    no compliance: their body's page is their start."""
    actor = _page_actor()
    reads_no_compliance = actor is not None and not can_somewhere(actor, Permission.COMPLIANCE_READ)
    if actor is not None and reads_no_compliance and views.body_ids(actor):
        return redirect(url_for("console_pages.body"))
    return _admin_page("console/dashboard.html", "dashboard")


@bp.get("/compliance")
def compliance() -> BaseResponse | str:
    """Compliance drill-down: city → street → community → member, city → unit → member, with
    the member's figures and the export of what is shown."""
    return _admin_page("console/compliance.html", "compliance")


@bp.get("/imports")
def imports() -> BaseResponse | str:
    """Spreadsheet imports of the org department: roster, areas, units, with the row errors."""
    return _admin_page("console/imports.html", "imports")


@bp.get("/report-ins")
def report_ins() -> BaseResponse | str:
    """Report-ins (报到) waiting for the community's decision: approve, or reject with a reason."""
    return _admin_page("console/report_ins.html", "report_ins")


@bp.get("/tasks")
def tasks() -> BaseResponse | str:
    """The community's tasks and shifts: post a task with its first shift and publish it; each
    shift links to its full-screen check-in code."""
    return _admin_page("console/tasks.html", "tasks")


@bp.get("/records")
def records() -> BaseResponse | str:
    """Service records to confirm, flagged ones marked, confirmed in bulk (all or none)."""
    return _admin_page("console/records.html", "records")


@bp.get("/shifts/<int:shift_id>/checkin")
def checkin_code(shift_id: int) -> BaseResponse | str:
    """The shift's rotating check-in code, full screen, for a projector or a laptop at the door:
    for whoever manages the shift's task (others: 404, as for a shift that does not exist)."""
    actor = _page_actor()
    if actor is None:
        return redirect(url_for("console_pages.login"))
    try:
        shifts.managed_shift(actor=actor, shift_id=shift_id)
    except (Forbidden, NotFound):
        db.session.rollback()
        abort(404)
    return _page("console/checkin.html", actor, page="checkin", shift_id=shift_id)


@bp.get("/call-ups/<int:call_up_id>")
def call_up(call_up_id: int) -> BaseResponse | str:
    """A call-up with its posts and assignments, to adjust before confirming (remove one, add a
    member to a post): for whoever manages it (others and unknown call-ups: 404)."""
    actor = _page_actor()
    if actor is None:
        return redirect(url_for("console_pages.login"))
    if not can_somewhere(actor, views.permission_of("call-ups")):
        abort(404)
    try:
        callups.get(actor=actor, call_up_id=call_up_id)
    except (Forbidden, NotFound):
        db.session.rollback()
        abort(404)
    return _page("console/call_up.html", actor, page="call-ups", call_up_id=call_up_id)


@bp.get("/qr.svg")
@login_required
def qr_code() -> Response:
    """A QR code of ``text`` (what a page already holds, e.g. the check-in code) as SVG."""
    text = request.args.get("text", "")
    if not 0 < len(text) <= _QR_MAX:
        raise Invalid("二维码内容为空或过长", code="request.invalid")
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="svg", scale=10, border=2)
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@bp.get("/vendor/<name>")
def vendor(name: str) -> Response:
    """Front-end packages installed by scripts/install-console-assets (never a CDN)."""
    if name not in _VENDOR:
        abort(404)
    root = current_app.config["CONSOLE_ASSETS_DIR"]
    return send_from_directory(os.path.join(root, _VENDOR[name]), name, max_age=3600)
