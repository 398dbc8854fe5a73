"""WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from sunshine import create_app

app = create_app()
# The start-up objects (modules, models, the OpenAPI spec) live as long as the worker; moving
# them out of the collector's reach keeps full collections short (bench/feed_latency.py).
gc.freeze()
