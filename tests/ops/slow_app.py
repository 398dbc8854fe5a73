"""A WSGI app that outlives any worker timeout, to see what gunicorn answers then
(tests/ops/test_gunicorn.py runs it under the project's gunicorn.conf.py with ``-t 1``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    time.sleep(30)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"too late"]
