"""Importing a city's area tree and its work units (with party organisations and pairings).

Both are idempotent: a row that matches what exists changes nothing, a changed row updates,
a new row creates. Areas match by division code when the row has one, otherwise by parent and
name; units by name within the city; party organisations by name within their unit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from sunshine.extensions import db
from sunshine.imports.models import ImportKind
from sunshine.imports.service import Importer, Outcome, RowErrors
from sunshine.imports.tabular import Column, Table
from sunshine.org.models import (
    Area,
    AreaLevel,
    PartyOrg,
    PartyOrgKind,
    WorkUnit,
)

LEVEL_WORDS = {
    "街道": AreaLevel.STREET,
    "乡镇": AreaLevel.STREET,
    "镇": AreaLevel.STREET,
    "乡": AreaLevel.STREET,
    "社区": AreaLevel.COMMUNITY,
    "村": AreaLevel.COMMUNITY,
    "居委会": AreaLevel.COMMUNITY,
    "村委会": AreaLevel.COMMUNITY,
    "网格": AreaLevel.GRID,
}
PARENT_LEVEL = {
    AreaLevel.STREET: AreaLevel.CITY,
    AreaLevel.COMMUNITY: AreaLevel.STREET,
    AreaLevel.GRID: AreaLevel.COMMUNITY,
}
DIVISION_CODE = re.compile(r"^\d{12}$")
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
PARTY_ORG_WORDS = {
    "党委": PartyOrgKind.COMMITTEE,
    "党总支": PartyOrgKind.GENERAL_BRANCH,
    "总支": PartyOrgKind.GENERAL_BRANCH,
    "党支部": PartyOrgKind.BRANCH,
    "支部": PartyOrgKind.BRANCH,
}
LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")

AREA_COLUMNS = [
    Column("level", ("层级", "类型", "级别", "level")),
    Column("name", ("名称", "name")),
    Column("code", ("区划代码", "统计用区划代码", "code"), required=False),
    Column("parent", ("上级", "上级名称", "上级区划代码", "parent"), required=False),
]

UNIT_COLUMNS = [
    Column("unit", ("单位名称", "单位", "unit")),
    Column("credit_code", ("统一社会信用代码", "信用代码", "credit_code"), required=False),
    Column("party_org", ("党组织名称", "党组织", "party_org"), required=False),
    Column("party_org_kind", ("党组织类型", "类型", "party_org_kind"), required=False),
    Column("parent_org", ("上级党组织", "parent_party_org"), required=False),
    Column("pairs", ("结对社区", "paired_communities"), required=False),
]


@dataclass(eq=False)
class _Node:
    """An area of the city: one that exists (``area``) or one the file will create."""

    name: str
    level: AreaLevel
    code: str | None
    parent: _Node | None
    area: Area | None = None
    kind_label: str | None = None
    line: int | None = None


class _AreaIndex:
    """The city's areas, existing and planned, looked up by code, "街道/社区" path or name."""

    def __init__(self, city: Area) -> None:
        self.by_code: dict[str, _Node] = {}
        self.children: dict[tuple[int, str], _Node] = {}
        self.by_name: dict[str, list[_Node]] = {}
        nodes: dict[int, _Node] = {}
        areas = db.session.scalars(
            select(Area).where(Area.path.startswith(city.path)).order_by(Area.path)
        )
        for area in areas:
            parent = nodes.get(area.parent_id) if area.parent_id is not None else None
            nodes[area.id] = self.add(
                _Node(area.name, area.level, area.division_code, parent, area, area.kind_label)
            )
        self.city = nodes[city.id]

    def add(self, node: _Node) -> _Node:
        if node.code:
            self.by_code[node.code] = node
        if node.parent is not None:
            self.children[(id(node.parent), node.name)] = node
            self.by_name.setdefault(node.name, []).append(node)
        return node

    def child(self, parent: _Node, name: str) -> _Node | None:
        return self.children.get((id(parent), name))

    def resolve(self, text: str) -> _Node | str:
        """The area a cell names, or an error message."""
        if not text:
            return self.city
        if DIVISION_CODE.match(text):
            return self.by_code.get(text) or f"找不到区划代码为 {text} 的区域"
        if "/" in text:
            node: _Node | None = self.city
            for part in (p.strip() for p in text.split("/") if p.strip()):
                node = self.child(node, part) if node is not None else None
            return node or f"找不到区域“{text}”"
        found = self.by_name.get(text, [])
        if not found:
            return f"找不到区域“{text}”"
        if len(found) > 1:
            return f"“{text}”有重名，请填写区划代码或“街道/社区”路径"
        return found[0]


def plan_areas(table: Table, city: Area, errors: RowErrors) -> Callable[[], Outcome] | None:
    """Check every row of an area file against the city and the rows above it."""
    order = list(PARENT_LEVEL)
    rows = sorted(
        zip(table.line_numbers, table.rows, strict=True),
        key=lambda item: order.index(LEVEL_WORDS.get(item[1]["level"], AreaLevel.GRID)),
    )
    index = _AreaIndex(city)
    creates: list[_Node] = []
    updates: list[tuple[_Node, dict[str, list[str | None]]]] = []
    unchanged = 0
    seen: dict[int, int] = {}  # id(node) → first line that named it
    for line, row in rows:
        level = LEVEL_WORDS.get(row["level"])
        name, code = row["name"], row.get("code") or None
        if level is None:
            errors.add(line, "层级", f"无法识别的层级“{row['level']}”，应为街道/镇/乡/社区/村/网格")
            continue
        if not name or len(name) > 100:
            errors.add(line, "名称", "名称不能为空，且不超过 100 字")
            continue
        if code and not DIVISION_CODE.match(code):
            errors.add(line, "区划代码", "区划代码应为 12 位数字")
            continue
        parent = index.resolve(row.get("parent", ""))
        if isinstance(parent, str):
            errors.add(line, "上级", parent)
            continue
        if parent.level != PARENT_LEVEL[level]:
            errors.add(line, "上级", f"“{parent.name}”不能作为{row['level']}的上级")
            continue
        node = (index.by_code.get(code) if code else None) or index.child(parent, name)
        if node is not None and id(node) in seen:
            errors.add(line, "名称", f"与第 {seen[id(node)]} 行重复")
            continue
        if node is None:
            if code and code in index.by_code:
                errors.add(line, "区划代码", "区划代码已被其他区域使用")
                continue
            node = index.add(_Node(name, level, code, parent, None, row["level"], line))
            creates.append(node)
        elif node.parent is not parent or node.level != level:
            errors.add(line, "上级", "不支持通过导入调整区域的上级或层级")
            continue
        else:
            diff: dict[str, list[str | None]] = {
                field: [old, new]
                for field, old, new in (
                    ("name", node.name, name),
                    ("division_code", node.code, code),
                    ("kind_label", node.kind_label, row["level"]),
                )
                if new is not None and old != new
            }
            if diff:
                updates.append((node, diff))
            else:
                unchanged += 1
        seen[id(node)] = line
    if errors:
        return None

    def apply() -> Outcome:
        from sunshine.org.service import create_area

        for node in creates:  # parents come first: rows were sorted by level
            assert node.parent is not None and node.parent.area is not None
            node.area = create_area(
                name=node.name,
                level=node.level,
                parent=node.parent.area,
                division_code=node.code,
                kind_label=node.kind_label,
            )
        outcome = Outcome(created=len(creates), updated=len(updates), unchanged=unchanged)
        for node, diff in updates:
            assert node.area is not None
            for field, (_, new) in diff.items():
                setattr(node.area, field, new)
            outcome.changes.append({"key": node.area.path, "fields": diff})
        db.session.flush()
        return outcome

    return apply


def plan_units(table: Table, city: Area, errors: RowErrors) -> Callable[[], Outcome] | None:
    """Check every row of a unit file: one row per party organisation of a unit."""
    index = _AreaIndex(city)
    rows: list[tuple[int, dict[str, str], PartyOrgKind | None, list[_Node]]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in zip(table.line_numbers, table.rows, strict=True):
        unit, org_name = row["unit"], row.get("party_org", "")
        kind_text, credit = row.get("party_org_kind", ""), row.get("credit_code", "").upper()
        kind = PARTY_ORG_WORDS.get(kind_text)
        if not unit or len(unit) > 200:
            errors.add(line, "单位名称", "单位名称不能为空，且不超过 200 字")
        elif credit and not CREDIT_CODE.match(credit):
            errors.add(line, "统一社会信用代码", "统一社会信用代码格式不正确")
        elif org_name and kind is None:
            errors.add(line, "党组织类型", "党组织类型应为 党委/党总支/党支部")
        elif not org_name and (kind_text or row.get("parent_org")):
            errors.add(line, "党组织名称", "填写了党组织类型或上级党组织时，党组织名称必填")
        elif (unit, org_name) in seen:
            errors.add(line, "党组织名称", f"与第 {seen[(unit, org_name)]} 行重复")
        else:
            seen[(unit, org_name)] = line
            pairs = []
            for text in filter(None, LIST_SEPARATORS.split(row.get("pairs", ""))):
                found = index.resolve(text)
                if isinstance(found, str) or found.level != AreaLevel.COMMUNITY:
                    errors.add(line, "结对社区", f"找不到社区“{text}”")
                    break
                pairs.append(found)
            else:
                rows.append((line, row, kind, pairs))
    units = {
        u.name: u for u in db.session.scalars(select(WorkUnit).where(WorkUnit.city_id == city.id))
    }
    orgs = {(units_name, o.name) for units_name, unit in units.items() for o in unit.party_orgs} | {
        key for key in seen if key[1]
    }
    for line, row, _, _ in rows:
        parent = row.get("parent_org", "")
        if parent and (parent == row["party_org"] or (row["unit"], parent) not in orgs):
            errors.add(line, "上级党组织", f"同一单位中找不到上级党组织“{parent}”")
    if errors:
        return None

    def apply() -> Outcome:
        outcome = Outcome()
        for line, row, kind, pairs in rows:
            changed, created = _apply_unit_row(city, units, row, kind, pairs)
            if created:
                outcome.created += 1
            elif changed:
                outcome.updated += 1
                outcome.changes.append({"line": line, "key": row["unit"], "fields": changed})
            else:
                outcome.unchanged += 1
        db.session.flush()
        for _, row, _, _ in rows:  # parents last: they may be created further down the file
            if row.get("parent_org"):
                by_name = {o.name: o for o in units[row["unit"]].party_orgs}
                by_name[row["party_org"]].parent = by_name[row["parent_org"]]
        db.session.flush()
        return outcome

    return apply


def _apply_unit_row(
    city: Area,
    units: dict[str, WorkUnit],
    row: dict[str, str],
    kind: PartyOrgKind | None,
    pairs: list[_Node],
) -> tuple[dict[str, list[str | None]], bool]:
    """Create or update one unit row; returns (changed fields, whether anything was created)."""
    credit = row.get("credit_code", "").upper() or None
    changed: dict[str, list[str | None]] = {}
    created = False
    unit = units.get(row["unit"])
    if unit is None:
        unit = units[row["unit"]] = WorkUnit(name=row["unit"], city=city, credit_code=credit)
        db.session.add(unit)
        created = True
    elif credit and unit.credit_code != credit:
        changed["credit_code"] = [unit.credit_code, credit]
        unit.credit_code = credit
    paired = {c.id for c in unit.paired_communities}
    for node in pairs:
        assert node.area is not None  # pairs name existing communities
        if node.area.id not in paired:
            unit.paired_communities.append(node.area)
            changed.setdefault("paired_communities", [None, None])[1] = node.area.name
    if row.get("party_org") and kind is not None:
        org = next((o for o in unit.party_orgs if o.name == row["party_org"]), None)
        if org is None:
            unit.party_orgs.append(PartyOrg(name=row["party_org"], kind=kind))
            created = True
        elif org.kind != kind:
            changed["party_org_kind"] = [org.kind.value, kind.value]
            org.kind = kind
    return changed, created


AREAS = Importer(kind=ImportKind.AREAS, columns=AREA_COLUMNS, plan=plan_areas)
UNITS = Importer(kind=ImportKind.UNITS, columns=UNIT_COLUMNS, plan=plan_units)
