"""What a console list page is made of: the listing it shows, its filters, its columns, the
actions on a row (each one API call) and a create form; and the labels pages share."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    """An input: a filter above the list, or what an action asks for before it is sent."""

    name: str
    label: str
    # text, textarea, number, date, ids (numbers separated by commas, sent as a list), select,
    # period (a select of the user's city's periods)
    kind: str = "text"
    options: dict[str, str] = field(default_factory=dict)
    required: bool = False


@dataclass(frozen=True)
class Column:
    label: str
    path: str  # a dotted path into the row
    # text, time, date, percent (of a 0–1 rate), map (through ``labels``), join (a dict's
    # values), names (a list's ``name``s), link (``href`` with ``{id}``, shown when the row has
    # a value at ``path``: a file to download, named by the column's label, or a page, named by
    # ``text``)
    format: str = "text"
    labels: dict[str, str] = field(default_factory=dict)
    href: str = ""
    text: str = ""


@dataclass(frozen=True)
class Action:
    """A button on a row: ``path`` with ``{id}`` (the row's id) is called with ``body``, whose
    ``"$field"`` values (at any depth) are taken from the row, plus what ``fields`` asks for.
    An export the call answers as done is offered for download. With ``permission`` the button
    shows only to those holding it somewhere (the API still decides on the row)."""

    label: str
    path: str
    method: str = "POST"
    body: dict[str, Any] = field(default_factory=dict)
    fields: tuple[Field, ...] = ()
    when: dict[str, str] = field(default_factory=dict)  # row path → value for it to show
    permission: str = ""


@dataclass(frozen=True)
class Create:
    """A form above the list that adds a row, shown to those holding ``permission``; a
    ``{field}`` in ``path`` is filled from the form's field of that name."""

    label: str
    path: str
    fields: tuple[Field, ...]
    permission: str


@dataclass(frozen=True)
class ListPage:
    key: str
    title: str
    # ``{period_id}``: the period chosen on the page; ``{city_id}``: the user's city (also in
    # the create form's path).
    endpoint: str
    columns: tuple[Column, ...]
    filters: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    create: Create | None = None
    needs_period: bool = False
    hint: str = ""

    def config(self) -> dict[str, Any]:
        return asdict(self)


REASON = Field("reason", "理由", required=True)
NOTE = Field("note", "说明", required=True)
MEMBER_STATUS = {
    "pending": "待审核",
    "verified": "已认证",
    "rejected": "未通过",
    "deactivated": "已注销",
}
ANOMALY_STATUS = {
    "open": "待复核",
    "closed": "已处理",
    "sent_back": "已退回社区",
    "answered": "社区已答复",
}
CHECK_STATUS = {
    "review": "待人工审核",
    "pending": "待微信检测",
    "passed": "已通过",
    "approved": "人工通过",
    "rejected": "已驳回",
    "refused": "违规",
    "superseded": "已被修改取代",
}
SEND_STATUS = {
    "pending": "待发送",
    "sending": "发送中",
    "sent": "已发送",
    "skipped": "仅站内",
    "failed": "失败",
}
GRADES = {"excellent": "优秀", "good": "合格", "fair": "基本合格", "poor": "不合格"}
ROLES = {
    "member": "党员",
    "community_admin": "社区管理员",
    "street_admin": "街道管理员",
    "unit_admin": "单位管理员",
    "org_admin": "组织部",
    "sys_admin": "系统管理员",
    "body_admin": "机构管理员",
}
