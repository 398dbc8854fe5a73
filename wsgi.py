"""WSGI entry point: ``gunicorn wsgi:app``."""

from sunshine import create_app

app = create_app()
