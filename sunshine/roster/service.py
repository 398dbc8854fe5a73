"""The roster (花名册): importing it (reading it is ``roster.views``).

Rows are keyed by phone number within the city. Re-importing updates changed rows, reports
each change, never duplicates, and verifies pending registrations that now match.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import insert, select, update

from sunshine import clock
from sunshine.extensions import db
from sunshine.imports.models import ImportKind
from sunshine.imports.service import Importer, Outcome, RowErrors
from sunshine.imports.tabular import Column, Table
from sunshine.members.models import HAN_CHARS, PERSON_NAME, PERSON_NAME_MESSAGE
from sunshine.org.models import Area, PartyOrg, WorkUnit
from sunshine.roster.models import RosterEntry

MOBILE = re.compile(r"^1[3-9]\d{9}$")
HAN = re.compile(f"[{HAN_CHARS}]")

COLUMNS = [
    Column("name", ("姓名", "name")),
    Column("phone", ("手机号", "手机号码", "手机", "联系电话", "phone")),
    Column("unit", ("单位", "工作单位", "单位名称", "unit")),
    Column("party_org", ("党组织", "所在党组织", "党组织名称", "party_org"), required=False),
]


def plan(table: Table, city: Area, errors: RowErrors) -> Callable[[], Outcome] | None:
    """Check every roster row; return how to write them all."""
    units = {
        u.name: u.id
        for u in db.session.scalars(select(WorkUnit).where(WorkUnit.city_id == city.id))
    }
    orgs = {
        (o.unit_id, o.name): o.id
        for o in db.session.scalars(
            select(PartyOrg).join(WorkUnit).where(WorkUnit.city_id == city.id)
        )
    }
    wanted: dict[str, tuple[int, dict[str, object]]] = {}
    for line, row in zip(table.line_numbers, table.rows, strict=True):
        name = _clean_name(row["name"])
        phone = re.sub(r"[\s-]", "", row["phone"]).removeprefix("+86")
        if not PERSON_NAME.match(name):
            errors.add(line, "姓名", PERSON_NAME_MESSAGE)
            continue
        if not MOBILE.match(phone):
            errors.add(line, "手机号", f"手机号“{row['phone']}”格式不正确")
            continue
        if phone in wanted:
            errors.add(line, "手机号", f"与第 {wanted[phone][0]} 行的手机号重复")
            continue
        unit_id = units.get(row["unit"])
        if unit_id is None:
            errors.add(line, "单位", f"找不到单位“{row['unit']}”，请先导入单位")
            continue
        party_org_id = None
        if row.get("party_org"):
            party_org_id = orgs.get((unit_id, row["party_org"]))
            if party_org_id is None:
                errors.add(line, "党组织", f"单位“{row['unit']}”下找不到党组织“{row['party_org']}”")
                continue
        wanted[phone] = (
            line,
            {"name": name, "phone": phone, "unit_id": unit_id, "party_org_id": party_org_id},
        )
    if errors:
        return None
    return lambda: _write(city, wanted)


def _write(city: Area, wanted: dict[str, tuple[int, dict[str, object]]]) -> Outcome:
    from sunshine.members import service as members  # members verify against the roster

    existing = {
        e.phone: e
        for e in db.session.scalars(select(RosterEntry).where(RosterEntry.city_id == city.id))
    }
    outcome = Outcome()
    new_rows: list[dict[str, object]] = []
    changed_rows: list[dict[str, object]] = []
    now = clock.now()
    for phone, (line, values) in wanted.items():
        entry = existing.get(phone)
        if entry is None:
            new_rows.append({**values, "city_id": city.id, "created_at": now, "updated_at": now})
            continue
        diff = {
            field: [getattr(entry, field), value]
            for field, value in values.items()
            if getattr(entry, field) != value
        }
        if diff:
            changed_rows.append({"id": entry.id, **values, "updated_at": now})
            outcome.changes.append({"line": line, "key": phone, "fields": diff})
        else:
            outcome.unchanged += 1
    # Bulk statements: a 20,000-row roster is a handful of round trips, not 20,000.
    if new_rows:
        # render_nulls: rows without a party org would otherwise break the executemany into a
        # new batch every time the set of non-NULL columns changes (thousands of statements).
        db.session.execute(insert(RosterEntry).execution_options(render_nulls=True), new_rows)
    if changed_rows:
        db.session.execute(update(RosterEntry), changed_rows)
    outcome.created, outcome.updated = len(new_rows), len(changed_rows)
    db.session.expire_all()
    members.rematch_city(city.id, set(wanted))
    return outcome


def _clean_name(text: str) -> str:
    """A name as members type it: Excel users pad two-character names ("张　三", often with a
    full-width space), so Chinese names lose all spaces; other names keep single spaces."""
    if HAN.search(text):
        return re.sub(r"\s+", "", text)
    return " ".join(text.split())


IMPORTER = Importer(kind=ImportKind.ROSTER, columns=COLUMNS, plan=plan)
