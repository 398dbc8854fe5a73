"""GET /exports: the caller's own exports, newest first by cursor; nobody else's, whatever
their grants."""

from __future__ import annotations

from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.builders import make_city
from tests.exports.conftest import URL, asked, run_exports
from tests.steps import login_as


def test_an_admin_lists_their_own_exports_newest_first_and_no_one_elses(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, colleague = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, sys_admin = login_as(client, fake_wechat, Role.SYS_ADMIN)
    first = asked(client, org, "members")["id"]
    theirs = asked(client, colleague, "members")["id"]
    run_exports()
    second = asked(client, org, "members")["id"]

    page = client.get(f"{URL}?limit=1", headers=org)
    assert page.status_code == 200, page.json
    (newest,) = page.json["items"]
    assert newest["id"] == second and newest["status"] == "pending"
    assert newest["file_url"] is None and newest["percentage"] == 0
    rest = client.get(f"{URL}?limit=1&cursor={page.json['next_cursor']}", headers=org).json
    (older,) = rest["items"]
    assert rest["next_cursor"] is None
    assert older["id"] == first and older["status"] == "done" and older["percentage"] == 100
    assert older["file_url"] == f"{URL}/{first}/file" and older["kind"] == "members"

    listed = client.get(URL, headers=colleague).json
    assert [e["id"] for e in listed["items"]] == [theirs]
    nothing = client.get(URL, headers=sys_admin).json
    assert nothing == {"items": [], "next_cursor": None}


def test_a_member_without_grants_has_an_empty_list_and_a_stranger_401(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    _, member = login_as(client, fake_wechat, None)

    assert client.get(URL, headers=member).json == {"items": [], "next_cursor": None}
    assert client.get(URL).status_code == 401
    bad = client.get(f"{URL}?limit=0", headers=member)
    assert bad.status_code == 422
