"""What ``gunicorn.conf.py`` plugs into gunicorn: the access log and gunicorn's own answers.

- **The access log masks query values** that may carry personal data. Only the values of
  parameters known to be harmless (paging, filters by status or kind, ids, dates, years) are
  printed; every other value — ``q`` and ``name`` (names, phone numbers), and any parameter
  the API does not know (``code=``, ``phone=`` …) — is written as ``***``. An allow-list, so
  a new parameter is masked until someone decides it is harmless. The same goes for the
  query string of the Referer.
- **gunicorn's own answers are JSON** in the one error shape (``sunshine/errors.py``), not
  gunicorn's HTML page: a request it cannot parse (400, 414, 431 …) and a request whose worker
  the arbiter killed for outliving ``timeout`` (500, code ``request.timeout``). gunicorn writes
  these itself, outside Flask, through ``gunicorn.util.write_error``, which ``install`` replaces.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, quote

from gunicorn import glogging, util

from sunshine.errors import HTTP_ERRORS, error_body

# Query parameters whose values are printed in the access log; every other value is masked.
SAFE_QUERY_PARAMETERS = frozenset(
    {
        "action", "cursor", "direction", "include_revoked", "kind", "limit", "outcome",
        "overdue", "role", "since", "starts_from", "starts_until", "status", "until", "year",
    }
)  # fmt: skip
MASK = "***"

_timed_out = False


def mask_query(query: str) -> str:
    """``query`` with the value of every parameter not known to be harmless replaced."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(
        f"{quote(name, safe='')}={quote(value, safe='') if _is_safe(name) else MASK}"
        for name, value in pairs
    )


def _is_safe(name: str) -> bool:
    return name in SAFE_QUERY_PARAMETERS or name.endswith("_id")


def mask_url(url: str) -> str:
    """A path or URL with its query string masked (``mask_query``)."""
    if "?" not in url:
        return url
    base, _, query = url.partition("?")
    return f"{base}?{mask_query(query)}"


class AccessLogger(glogging.Logger):
    """gunicorn's logger, with query values masked in every atom that can show them."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        raw_uri = mask_url(environ.get("RAW_URI", ""))
        atoms["r"] = f"{environ['REQUEST_METHOD']} {raw_uri} {environ['SERVER_PROTOCOL']}"
        atoms["q"] = mask_query(environ.get("QUERY_STRING", ""))
        referer = environ.get("HTTP_REFERER")
        if referer:
            atoms["f"] = atoms["{referer}i"] = mask_url(referer)
        for key in ("{query_string}e", "{raw_uri}e", "{request_uri}e"):
            if key in atoms:
                atoms[key] = mask_query(atoms[key]) if key == "{query_string}e" else raw_uri
        return atoms


def note_timeout() -> None:
    """Called from the ``worker_abort`` hook: the arbiter is killing this worker because its
    request outlived ``timeout``; the answer gunicorn then writes says so."""
    global _timed_out
    _timed_out = True


def write_json_error(sock: Any, status: int, reason: str, mesg: str) -> None:
    """``gunicorn.util.write_error`` in the one error shape (no request id: the request never
    reached the app, or the worker is dying)."""
    if _timed_out and status == 500:
        code, message = "request.timeout", "处理超时，请稍后再试"
    else:
        code, message = HTTP_ERRORS.get(status, (f"http.{status}", reason))
    body = json.dumps(
        error_body(status, code, message, request_id=None), ensure_ascii=False
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    """Make gunicorn write its own error answers as JSON (called by ``gunicorn.conf.py``)."""
    util.write_error = write_json_error
