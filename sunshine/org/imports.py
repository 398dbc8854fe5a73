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
        # Users often write the city's own name as the parent of a street.
        if not text or text == self.city.name:
            return self.city
        if DIVISION_CODE.match(text):
            return self.by_code.get(text) or f"找不到区划代码为 {text} 的区域"
        if "/" in text:
            parts = [p.strip() for p in text.split("/") if p.strip()]
            node: _Node | None = self.city
            for part in parts[1:] if parts[:1] == [self.city.name] else parts:
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
    # Division codes are unique across all cities, not only within this one.
    foreign_codes = _codes_outside(city, {r["code"] for r in table.rows if r.get("code")})
    creates: list[_Node] = []
    updates: list[tuple[int, _Node, dict[str, list[str | None]]]] = []
    unchanged = 0
    seen: dict[int, int] = {}  # id(node) → first line that named it
    renamed_to: dict[tuple[int, str], int] = {}  # (id(parent), new name) → line renaming to it
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
        if code in foreign_codes:
            errors.add(line, "区划代码", "区划代码已被其他市/县的区域使用")
            continue
        parent = index.resolve(row.get("parent", ""))
        if isinstance(parent, str):
            errors.add(line, "上级", parent)
            continue
        if parent.level != PARENT_LEVEL[level]:
            errors.add(line, "上级", f"“{parent.name}”不能作为{row['level']}的上级")
            continue
        by_code = index.by_code.get(code) if code else None
        node = by_code or index.child(parent, name)
        if node is not None and id(node) in seen:
            what = "区划代码" if by_code is not None else "名称"
            errors.add(line, what, f"{what}与第 {seen[id(node)]} 行重复")
            continue
        if node is None:
            renamed_on = renamed_to.get((id(parent), name))
            if renamed_on is not None:
                errors.add(line, "名称", f"与第 {renamed_on} 行改名后的名称重复")
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
            if "name" in diff:
                # Sibling names are unique: refuse a rename onto a name in use (even one that
                # another row renames away — the database checks each update on its own).
                if index.child(parent, name) is not None or (id(parent), name) in renamed_to:
                    errors.add(line, "名称", f"同一上级下已有名为“{name}”的区域")
                    continue
                renamed_to[(id(parent), name)] = line
            if "division_code" in diff:
                assert code is not None
                index.by_code[code] = node  # a later row may not give the same code to another
            if diff:
                updates.append((line, node, diff))
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
        for line, node, diff in sorted(updates, key=lambda update: update[0]):
            assert node.area is not None
            for field, (_, new) in diff.items():
                setattr(node.area, field, new)
            outcome.changes.append({"line": line, "key": node.area.path, "fields": diff})
        db.session.flush()
        return outcome

    return apply


def _codes_outside(city: Area, codes: set[str]) -> set[str]:
    """The division codes among ``codes`` that areas outside the city already use."""
    wanted = {code for code in codes if DIVISION_CODE.match(code)}
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            select(Area.division_code).where(
                Area.division_code.in_(wanted), ~Area.path.startswith(city.path)
            )
        )
    )


def plan_units(table: Table, city: Area, errors: RowErrors) -> Callable[[], Outcome] | None:
    """Check every row of a unit file: one row per party organisation of a unit."""
    index = _AreaIndex(city)
    rows: list[tuple[int, dict[str, str], PartyOrgKind | None, list[_Node]]] = []
    seen: dict[tuple[str, str], int] = {}
    credits: dict[str, tuple[str, int]] = {}  # unit → (credit code, first line giving it)
    for line, row in zip(table.line_numbers, table.rows, strict=True):
        unit, org_name = row["unit"], row.get("party_org", "")
        kind_text, credit = row.get("party_org_kind", ""), row.get("credit_code", "").upper()
        kind = PARTY_ORG_WORDS.get(kind_text)
        if not unit or len(unit) > 200:
            errors.add(line, "单位名称", "单位名称不能为空，且不超过 200 字")
        elif credit and not CREDIT_CODE.match(credit):
            errors.add(line, "统一社会信用代码", "统一社会信用代码格式不正确")
        elif credit and credits.setdefault(unit, (credit, line))[0] != credit:
            errors.add(
                line, "统一社会信用代码", f"与第 {credits[unit][1]} 行同一单位的信用代码不一致"
            )
        elif org_name and kind is None:
            errors.add(line, "党组织类型", "党组织类型应为 党委/党总支/党支部")
        elif not org_name and (kind_text or row.get("parent_org")):
            errors.add(line, "党组织名称", "填写了党组织类型或上级党组织时，党组织名称必填")
        elif (unit, org_name) in seen:
            errors.add(line, "党组织名称", f"与第 {seen[(unit, org_name)]} 行重复")
        else:
            seen[(unit, org_name)] = line
            pairs: list[_Node] = []
            for text in filter(None, LIST_SEPARATORS.split(row.get("pairs", ""))):
                found = index.resolve(text)
                if isinstance(found, str) or found.level != AreaLevel.COMMUNITY:
                    message = found if isinstance(found, str) else f"“{text}”不是社区/村"
                    errors.add(line, "结对社区", message)
                    break
                if found not in pairs:  # the same community twice (by name and code) pairs once
                    pairs.append(found)
            else:
                rows.append((line, row, kind, pairs))
    units = {
        u.name: u for u in db.session.scalars(select(WorkUnit).where(WorkUnit.city_id == city.id))
    }
    # (unit, party org) → its parent's name, as it is now and as the file will leave it.
    unit_names = {u.id: name for name, u in units.items()}
    existing = list(
        db.session.scalars(select(PartyOrg).join(WorkUnit).where(WorkUnit.city_id == city.id))
    )
    org_names = {o.id: o.name for o in existing}
    old_parent = {
        (unit_names[o.unit_id], o.name): org_names.get(o.parent_id) if o.parent_id else None
        for o in existing
    }
    new_parent = dict(old_parent) | {key: None for key in seen if key[1] and key not in old_parent}
    for _, row, _, _ in rows:
        if row.get("parent_org"):
            new_parent[(row["unit"], row["party_org"])] = row["parent_org"]
    parent_changes: dict[int, list[str | None]] = {}  # line → [old, new] of an existing org
    for line, row, _, _ in rows:
        parent, key = row.get("parent_org", ""), (row["unit"], row.get("party_org", ""))
        if not parent:
            continue
        if parent == key[1] or (key[0], parent) not in new_parent:
            errors.add(line, "上级党组织", f"同一单位中找不到上级党组织“{parent}”")
        elif _leads_back(new_parent, key):
            errors.add(line, "上级党组织", f"上级党组织“{parent}”是本组织的下级，不能形成循环")
        elif key in old_parent and old_parent[key] != parent:
            parent_changes[line] = [old_parent[key], parent]
    if errors:
        return None

    def apply() -> Outcome:
        outcome = Outcome()
        for line, row, kind, pairs in rows:
            changed, created = _apply_unit_row(city, units, row, kind, pairs)
            if line in parent_changes:
                changed["parent_org"] = parent_changes[line]
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


def _leads_back(parents: dict[tuple[str, str], str | None], key: tuple[str, str]) -> bool:
    """Whether following parents up from the party organisation ``key`` comes back to it."""
    unit, name = key
    steps, current = 0, parents.get(key)
    while current is not None and steps <= len(parents):
        if current == name:
            return True
        current, steps = parents.get((unit, current)), steps + 1
    return False


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
