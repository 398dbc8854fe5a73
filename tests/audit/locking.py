"""Steps for the period-lock tests: an ended period of a city, defined and locked over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient

from sunshine import clock

Headers = dict[str, str]

LAST_YEAR = clock.today().year - 1
IN_LAST_YEAR = date(LAST_YEAR, 11, 5)  # a day in last year's fourth quarter
THIS_YEAR = date(clock.today().year, 1, 1)  # a day of a period that has not ended


def define_period(
    client: FlaskClient,
    headers: Headers,
    city_id: int,
    kind: str = "year",
    starts_on: date = date(LAST_YEAR, 1, 1),
    ends_on: date = date(LAST_YEAR, 12, 31),
) -> int:
    """A period of the city (by default last year): its id."""
    response = client.post(
        f"/api/v1/cities/{city_id}/periods",
        json={"kind": kind, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
        headers=headers,
    )
    assert response.status_code == 201, response.json
    return int(response.json["id"])


def last_quarter(client: FlaskClient, headers: Headers, city_id: int) -> int:
    """Last year's fourth quarter of the city: its id."""
    return define_period(
        client, headers, city_id, "quarter", date(LAST_YEAR, 10, 1), date(LAST_YEAR, 12, 31)
    )


def lock(client: FlaskClient, headers: Headers, period_id: int) -> Any:
    """Lock the period; asserts it succeeded and returns the period as answered."""
    response = client.post(f"/api/v1/periods/{period_id}/lock", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def locked_year(client: FlaskClient, headers: Headers, city_id: int) -> int:
    """Last year's period of the city, locked: its id."""
    period_id = define_period(client, headers, city_id)
    lock(client, headers, period_id)
    return period_id
