"""Demo data: a small 孝义市-shaped city with an administrator of each kind.

Deterministic and idempotent. Demo accounts log in through the fake WeChat with the openids
listed in ``DEMO_ACCOUNTS`` (``POST /__fake__/wx.login {"openid": "demo-org"}``).
"""

from __future__ import annotations

from sqlalchemy import select

from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel

CITY = ("孝义市", "141181000000")
STREETS = {
    ("新义街道", "141181001000"): [("府前社区", "141181001001"), ("崇文社区", "141181001002")],
    ("中阳楼街道", "141181002000"): [("迎宾社区", "141181002001"), ("东关社区", "141181002002")],
    ("梧桐镇", "141181100000"): [("梧桐村", "141181100201")],
}
UNITS = ["孝义市委组织部", "孝义市人民医院", "孝义市第一中学"]

# openid → (role, scope): scope is an area name, a unit name, or None.
DEMO_ACCOUNTS: dict[str, tuple[Role, str | None]] = {
    "demo-sysadmin": (Role.SYS_ADMIN, None),
    "demo-org": (Role.ORG_ADMIN, "孝义市"),
    "demo-street": (Role.STREET_ADMIN, "新义街道"),
    "demo-community": (Role.COMMUNITY_ADMIN, "府前社区"),
    "demo-unit": (Role.UNIT_ADMIN, "孝义市人民医院"),
}


def seed() -> str:
    """Create the demo city, units and admin accounts unless they exist."""
    if db.session.scalar(select(Area.id).where(Area.division_code == CITY[1])) is not None:
        return "demo data already present"
    city = org.create_area(name=CITY[0], level=AreaLevel.CITY, division_code=CITY[1])
    areas = {city.name: city}
    for (street_name, street_code), communities in STREETS.items():
        street = org.create_area(
            name=street_name, level=AreaLevel.STREET, parent=city, division_code=street_code
        )
        areas[street_name] = street
        for name, code in communities:
            areas[name] = org.create_area(
                name=name, level=AreaLevel.COMMUNITY, parent=street, division_code=code
            )
    units = {name: org.create_work_unit(name=name, city=city) for name in UNITS}
    for openid, (role, scope) in DEMO_ACCOUNTS.items():
        account = Account(openid=openid)
        db.session.add(account)
        db.session.flush()
        access.create_grant(
            actor=None,
            account_id=account.id,
            role=role,
            area_id=areas[scope].id if scope in areas else None,
            unit_id=units[scope].id if scope in units else None,
        )
    return (
        f"demo data loaded: {len(areas)} areas, {len(units)} units, {len(DEMO_ACCOUNTS)} accounts"
    )
