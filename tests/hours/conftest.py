"""A community with its secretary, a member reported to it and a published task, for the
hours tests; records are made on fresh shifts of the task as attendance would make them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from tests.builders import (
    City,
    add_reported_members,
    add_service_record,
    add_shifts,
    grant,
    make_city,
    member_id_of,
    token_for,
)
from tests.steps import login_as, published_shift

Headers = dict[str, str]


@dataclass
class Scene:
    client: FlaskClient
    fake: FakeWeChat
    place: City
    secretary: Headers
    secretary_id: int
    task_id: int
    member_id: int
    member: Headers

    def record(self, member_id: int | None = None, **options: Any) -> int:
        """A pending record of the member (or another) on a new shift of the task: its id."""
        (shift_id,) = add_shifts(self.task_id, 1)
        return add_service_record(member_id or self.member_id, shift_id, **options)

    def new_member(self, community: Any = None) -> tuple[int, Headers]:
        """Another verified member reported to the community: (member id, headers)."""
        (account_id,) = add_reported_members(self.place, community or self.place.community, 1)
        return member_id_of(account_id), token_for(account_id)

    def admin(self, role: Role, scope: Any = None) -> Headers:
        _, headers = login_as(self.client, self.fake, role, scope)
        return headers

    def member_admin(self) -> tuple[int, Headers]:
        """A member who is also the community's secretary: (member id, headers)."""
        (account_id,) = add_reported_members(self.place, self.place.community, 1)
        account = db.session.get(Account, account_id)
        assert account is not None
        grant(account, Role.COMMUNITY_ADMIN, self.place.community)
        return member_id_of(account_id), token_for(account_id)

    def post(self, url: str, headers: Headers | None = None, **body: Any) -> Any:
        return self.client.post(
            url, json=body, headers=self.secretary if headers is None else headers
        )

    def get(self, url: str, headers: Headers | None = None) -> Any:
        return self.client.get(url, headers=self.secretary if headers is None else headers)


@pytest.fixture
def scene(client: FlaskClient, fake_wechat: FakeWeChat) -> Scene:
    place = make_city()
    account, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    task_id, _ = published_shift(client, secretary, place.community)
    (member_account,) = add_reported_members(place, place.community, 1)
    return Scene(
        client=client,
        fake=fake_wechat,
        place=place,
        secretary=secretary,
        secretary_id=account.id,
        task_id=task_id,
        member_id=member_id_of(member_account),
        member=token_for(member_account),
    )
