"""The needs listings read a page of 50 needs in a fixed number of queries, whatever the
number of communities and grids they are in (no query per need)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event

from sunshine import clock
from sunshine.extensions import db
from sunshine.needs.models import Need, NeedKind, NeedPhoto, NeedStatus
from sunshine.org.models import AreaLevel
from tests.builders import City, add_area, image_bytes, make_account, token_for

Headers = dict[str, str]


@contextmanager
def selects() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _needs_in_many_places(place: City, resident_id: int, n: int) -> None:
    photo = image_bytes("PNG", (4, 4))
    for i in range(n):
        community = add_area(place.street, AreaLevel.COMMUNITY, f"社区{i}")
        grid = add_area(community, AreaLevel.GRID, f"网格{i}")
        need = Need(
            community=community,
            grid=grid,
            area_path=grid.path,
            kind=NeedKind.WISH,
            content=f"心愿{i}",
            status=NeedStatus.SUBMITTED,
            resident_id=resident_id,
            created_by_id=resident_id,
            created_at=clock.now(),
        )
        need.photos.append(NeedPhoto(content_type="image/png", size=len(photo), data=photo))
        db.session.add(need)
    db.session.commit()


def test_fifty_needs_in_fifty_communities_list_in_a_few_queries(
    client: FlaskClient, org_admin: tuple[City, Headers]
) -> None:
    place, org = org_admin
    resident_id = make_account().id
    _needs_in_many_places(place, resident_id, 50)
    mine = token_for(resident_id)
    db.session.expunge_all()  # what the requests load, they load themselves

    with selects() as listing:
        page = client.get("/api/v1/needs?limit=50", headers=org)
    with selects() as own:
        my_page = client.get("/api/v1/me/needs?limit=50", headers=mine)

    assert page.status_code == 200 and len(page.json["items"]) == 50
    assert my_page.status_code == 200 and len(my_page.json["items"]) == 50
    assert {n["grid"]["name"] for n in page.json["items"]} == {f"网格{i}" for i in range(50)}
    assert len(listing) <= 10, listing
    assert len(own) <= 10, own
