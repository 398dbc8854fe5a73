"""Subscribe-message templates (configuration) and WeChat's field rules.

``NOTIFY_TEMPLATES`` is JSON: event → ``{"template_id", "page"?, "data": {key: value name}}``.
A key's prefix is its WeChat kind (``thing1`` is a thing) and decides how the value is cut to
WeChat's limits; values longer than a limit are truncated here, since WeChat refuses them
whole (47003). ``page`` may hold ``{shift_id}``-style placeholders of the event's values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sunshine import clock
from sunshine.notify.events import EVENTS, Event

# WeChat's kinds and their length limits (characters).
LIMITS = {
    "thing": 20,
    "phrase": 5,
    "name": 10,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "amount": 32,
    "phone_number": 17,
    "car_number": 8,
    "time": 32,
    "date": 32,
}
_KEY = re.compile(r"^(" + "|".join(sorted(LIMITS, key=len, reverse=True)) + r")(\d+)$")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class TemplateError(ValueError):
    """NOTIFY_TEMPLATES does not describe valid templates."""


@dataclass(frozen=True)
class Template:
    template_id: str
    page: str | None
    data: dict[str, str]  # WeChat key → value name


def parse(raw: str | Mapping[str, Any]) -> dict[Event, Template]:
    """The templates of ``NOTIFY_TEMPLATES``; raises ``TemplateError`` naming the problem."""
    try:
        config = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise TemplateError(f"NOTIFY_TEMPLATES is not JSON: {exc}") from None
    if not isinstance(config, Mapping):
        raise TemplateError("NOTIFY_TEMPLATES must be a JSON object keyed by event")
    parsed: dict[Event, Template] = {}
    for name, spec in config.items():
        try:
            event = Event(name)
        except ValueError:
            raise TemplateError(f"NOTIFY_TEMPLATES: unknown event {name!r}") from None
        if not isinstance(spec, Mapping) or not isinstance(spec.get("template_id"), str):
            raise TemplateError(f"NOTIFY_TEMPLATES[{name}]: template_id is required")
        data = spec.get("data") or {}
        known = EVENTS[event].values
        for key, value in data.items():
            if not _KEY.match(key):
                raise TemplateError(f"NOTIFY_TEMPLATES[{name}]: {key!r} is not a WeChat field")
            if value not in known:
                raise TemplateError(f"NOTIFY_TEMPLATES[{name}]: no value {value!r} ({known})")
        page = spec.get("page")
        for placeholder in _PLACEHOLDER.findall(page or ""):
            if placeholder not in known:
                raise TemplateError(f"NOTIFY_TEMPLATES[{name}]: page uses {placeholder!r}")
        parsed[event] = Template(spec["template_id"], page, dict(data))
    return parsed


def readable(value: Any) -> str:
    """A value as the inbox shows it (times in Asia/Shanghai)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return clock.local(value).strftime("%Y年%m月%d日 %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y年%m月%d日")
    return str(value)


def field(key: str, value: Any) -> str:
    """``value`` for the WeChat field ``key``, within its kind's rules."""
    match = _KEY.match(key)
    kind = match.group(1) if match else "thing"
    if kind == "date" and isinstance(value, datetime):
        value = clock.local_date(value)
    text = readable(value)
    if kind in ("number", "amount"):
        text = re.sub(r"[^0-9.]", "", text) or "0"
    elif kind in ("character_string", "letter"):
        text = re.sub(r"[^\x21-\x7e]", "", text) or "-"
    text = text.strip() or "-"  # WeChat refuses empty values
    limit = LIMITS[kind]
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…" if kind == "thing" else text[:limit]


def render(template: Template, values: Mapping[str, Any]) -> tuple[dict[str, str], str | None]:
    """The template's WeChat data and page for these values."""
    data = {key: field(key, values.get(name)) for key, name in template.data.items()}
    page = None
    if template.page:
        page = _PLACEHOLDER.sub(lambda m: readable(values.get(m.group(1))), template.page)
    return data, page
