"""The PostgreSQL deployment with an owner and an application role (tests/ops/deployment.py),
made once per run when a test first needs it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.ops.deployment import Deployment, deployed


@pytest.fixture(scope="session")
def deployment(app: Flask, database_url: str) -> Iterator[Deployment]:
    with deployed(app, database_url) as made:
        yield made
