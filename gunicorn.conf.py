"""gunicorn's configuration for Sunshine: ``gunicorn -c gunicorn.conf.py`` (README, Deploying).

Timeouts, in the order a request meets them:

- an import stops itself after ``IMPORT_TIME_BUDGET`` (20 s) and answers 413 ``import.over_budget``;
  a Redis call gives up after 2 s (503), a WeChat call after ``WECHAT_TIMEOUT`` (5 s);
- ``timeout`` (60 s): the arbiter kills a worker whose request has run this long; the client
  gets 500 ``request.timeout`` in the error shape (``sunshine/ops/gunicorn_hooks.py``) and the
  connection closes. Nothing the API does is meant to get here: it is the last line;
- ``graceful_timeout`` (30 s): on a restart or reload, how long a worker may finish its
  request before it is killed.

The access log masks query values that may carry personal data (``gunicorn_hooks.AccessLogger``)
and ends with the request id that the app's own log lines carry. Any setting can be overridden
on the command line (``-w 8``) or in ``GUNICORN_CMD_ARGS``. gunicorn also reads this file by
itself when started in the checkout without ``-c`` (the benchmarks do).
"""

import os

from sunshine.ops import gunicorn_hooks

wsgi_app = "wsgi:app"
# No bind here: gunicorn's default is 127.0.0.1:8000; the deploy command says where (-b).
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))  # gunicorn's own variable
worker_class = "sync"  # behind a buffering balancer (README): one request per worker at a time
timeout = 60
graceful_timeout = 30
# Bound what a client can make a worker hold before the app sees the request.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = "-"
errorlog = "-"
logger_class = gunicorn_hooks.AccessLogger
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms rid=%({x-request-id}o)s'
)

gunicorn_hooks.install()


def worker_abort(worker):
    """The arbiter is killing this worker for outliving ``timeout`` (before it exits)."""
    gunicorn_hooks.note_timeout()
