"""Input that cannot hurt: what every request must satisfy before a view reads it.

``check_request`` runs as the first request hook (``sunshine/http.py``), after routing and
before authentication, schemas and views, for every endpoint alike:

- **Bodies without a length** (``Transfer-Encoding: chunked``) are read here, within the
  endpoint's limit (``MAX_CONTENT_LENGTH``, or the upload size): over it is 413
  ``request.too_large``. A server that does not de-chunk the body (one that does not set
  ``wsgi.input_terminated``; gunicorn and werkzeug's server do) gets 411
  ``request.length_required``: the body cannot be read safely there.
- **JSON** is nested at most ``MAX_JSON_DEPTH`` deep, checked on the bytes before any parser
  recurses into them (Python's own parser fails with a RecursionError near 1,000), then parsed
  once here: a body that is not JSON, nested too deep, with ``NaN``/``Infinity``, or with an
  integer of thousands of digits is 400 ``request.bad_json``.
- **Control characters** are refused with 422 ``request.invalid`` (``fields`` names where):
  in every query parameter (names and values, declared or not) no C0 or C1 control
  character at all; in every JSON string (keys and values), multipart form field and
  uploaded file name none but tab, line feed and carriage return, which multi-line text
  (descriptions, notes, reasons) legitimately holds. A multipart part without a name (or
  with a line break inside its ``Content-Disposition``, which leaves werkzeug without one)
  is refused the same way: its name would be ``None``. Also refused everywhere: lone UTF-16
  surrogates (``"\\ud800"``), which no database can store, and the non-characters U+FFFE
  and U+FFFF. PostgreSQL refuses NUL in text outright, so without this a NUL anywhere was a
  500.

A request that failed routing (404, 405) is left alone, so that error is the answer.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from flask import request
from werkzeug.exceptions import LengthRequired, RequestEntityTooLarge

from sunshine.errors import BadRequest, Invalid

MAX_JSON_DEPTH = 64
CONTROL_MESSAGE = "不能包含控制字符等不可见字符"
UNNAMED_PART = "表单的每一部分都须有名称"

# Text may keep tab, LF and CR; a query parameter nothing of C0/C1. (Imported cells follow
# the text rule: sunshine/imports/tabular.py.)
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_IN_QUERY = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A JSON string literal (escapes included), to blank out before counting brackets.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OBJECTS_AS_ARRAYS = bytes.maketrans(b"{}", b"[]")
_STEP = {ord("["): 1, ord("]"): -1}
_PASSES = 8


def check_request(max_body: int | None) -> None:
    """Refuse what no endpoint may receive (module docstring); ``max_body``: the limit."""
    if request.routing_exception is not None:
        return
    _read_unsized_body(max_body)
    _check_query()
    if request.is_json and _has_body():
        _check_json(request.get_data(cache=True))
    elif request.mimetype == "multipart/form-data":
        _check_form()


def _has_body() -> bool:
    return bool(request.content_length) or _is_chunked()


def _is_chunked() -> bool:
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _read_unsized_body(max_body: int | None) -> None:
    """Read a chunked body now, refusing one over ``max_body`` (werkzeug would cut it there
    silently, and the cut body would then fail as bad JSON or a broken form)."""
    if request.content_length is not None or not _is_chunked():
        return
    if not request.environ.get("wsgi.input_terminated"):
        raise LengthRequired()
    data = request.get_data(cache=True)  # stops at max_content_length
    if max_body is not None and len(data) >= max_body and request.input_stream.read(1):
        raise RequestEntityTooLarge()


def _check_query() -> None:
    fields: dict[str, list[str]] = {}
    for name, value in request.args.items(multi=True):
        if _IN_QUERY.search(name) or _IN_QUERY.search(value):
            fields[_printable(name)] = [CONTROL_MESSAGE]
    if fields:
        raise Invalid(fields=fields)


def _check_form() -> None:
    fields: dict[str, list[str]] = {}
    for name, value in request.form.items(multi=True):
        if name is None:  # a part without a name, or one werkzeug could not read
            fields["_schema"] = [UNNAMED_PART]
        elif CONTROL_IN_TEXT.search(name) or CONTROL_IN_TEXT.search(value):
            fields[_printable(name)] = [CONTROL_MESSAGE]
    for name, upload in request.files.items(multi=True):
        if name is None:
            fields["_schema"] = [UNNAMED_PART]
        elif CONTROL_IN_TEXT.search(name) or CONTROL_IN_TEXT.search(upload.filename or ""):
            fields[_printable(name)] = ["文件名" + CONTROL_MESSAGE]
    if fields:
        raise Invalid(fields=fields)


def _check_json(data: bytes) -> None:
    if json_too_deep(data, MAX_JSON_DEPTH):
        raise BadRequest(f"请求体的 JSON 嵌套超过 {MAX_JSON_DEPTH} 层", code="request.bad_json")
    try:
        document = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, bad UTF-8, a 5,000-digit integer
        raise BadRequest("请求体不是有效的 JSON", code="request.bad_json") from None
    errors = _control_characters(document)
    if errors:
        raise Invalid(fields=errors if isinstance(errors, dict) else {"_schema": errors})


def json_too_deep(data: bytes, limit: int) -> bool:
    """Whether the JSON text ``data`` nests arrays/objects more than ``limit`` deep.

    Strings are blanked out and everything but brackets dropped. Innermost pairs are removed
    a level per pass, which empties the brackets of a usual body in a few C-speed passes;
    what a few passes leave is measured by a running sum of +1/-1 (C-speed too, ~0.2 s for a
    megabyte of brackets). Never a parser's recursion.
    """
    # Depth does not depend on the kind of bracket: objects become arrays, so one replace
    # removes exactly one level (it never joins a new pair it has just made).
    brackets = _JSON_STRING.sub(b'""', data).translate(_OBJECTS_AS_ARRAYS, _NOT_BRACKETS)
    passes = min(limit, _PASSES)
    for _ in range(passes):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit - passes


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _control_characters(value: Any) -> dict[str, Any] | list[str] | None:
    """Where ``value`` holds a string with a control character: errors shaped like
    marshmallow's (``{"posts": {"0": {"title": [...]}}}``), or None."""
    if isinstance(value, str):
        return [CONTROL_MESSAGE] if CONTROL_IN_TEXT.search(value) else None
    if isinstance(value, dict):
        items = ((k, k, v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((str(i), None, v) for i, v in enumerate(value))
    else:
        return None
    found: dict[str, Any] = {}
    for name, key, item in items:
        if key is not None and CONTROL_IN_TEXT.search(key):
            found[_printable(key)] = ["字段名" + CONTROL_MESSAGE]
        elif (error := _control_characters(item)) is not None:
            found[name] = error
    return found or None


def _printable(name: str) -> str:
    """A name fit to echo back in ``fields``."""
    return _IN_QUERY.sub("\ufffd", name)
