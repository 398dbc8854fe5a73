"""The events members are told about: what the inbox says and which values each one carries.

Each event names its values (``task``, ``starts_at`` …); the configured WeChat template maps
its fields to those names (``templates.py``), and the inbox text is built from the same
values, in full. Ids (``shift_id`` …) are for the template's page only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Event(StrEnum):
    SIGNUP_CONFIRMED = "signup_confirmed"
    PROMOTED = "promoted"
    INVITED = "invited"
    SHIFT_REMINDER = "shift_reminder"
    SHIFT_MOVED = "shift_moved"
    SHIFT_CANCELLED = "shift_cancelled"
    REPORT_IN_DECIDED = "report_in_decided"
    REGISTRATION_REVIEWED = "registration_reviewed"
    RECORD_DECIDED = "record_decided"
    CORRECTION_DECIDED = "correction_decided"
    STATEMENT_ISSUED = "statement_issued"
    UNIT_FEEDBACK_ISSUED = "unit_feedback_issued"
    UNIT_REPORT_IN_DECIDED = "unit_report_in_decided"
    NEED_ANSWERED = "need_answered"
    NEED_STARTED = "need_started"
    NEED_DONE = "need_done"


@dataclass(frozen=True)
class EventText:
    title: str
    body: str  # str.format over the event's values, each already formatted for reading
    values: tuple[str, ...]


_SHIFT = ("task", "starts_at", "place", "shift_id", "status")
_DECISION = ("result", "reason", "decided_at")  # the text shows reason as 原因：…

EVENTS: dict[Event, EventText] = {
    Event.SIGNUP_CONFIRMED: EventText(
        "报名成功", "您已报名「{task}」，{starts_at} 开始，地点：{place}。", _SHIFT
    ),
    Event.PROMOTED: EventText(
        "候补成功", "您已由候补转为正式参加「{task}」，{starts_at} 开始，地点：{place}。", _SHIFT
    ),
    Event.INVITED: EventText(
        "服务邀请",
        "您被安排参加「{task}」，{starts_at} 开始，地点：{place}。如不能参加请及时取消。",
        _SHIFT,
    ),
    Event.SHIFT_REMINDER: EventText(
        "服务提醒", "您报名的「{task}」将于 {starts_at} 开始，地点：{place}，请准时签到。", _SHIFT
    ),
    Event.SHIFT_MOVED: EventText(
        "时间变更",
        "您报名的「{task}」时间已改为 {starts_at}（原 {old_starts_at}）。",
        (*_SHIFT, "old_starts_at"),
    ),
    Event.SHIFT_CANCELLED: EventText(
        "活动取消",
        "您报名的「{task}」（{starts_at}）已取消，原因：{reason}。",
        (*_SHIFT, "reason"),
    ),
    Event.REPORT_IN_DECIDED: EventText(
        "报到审核",
        "您到「{community}」的报到申请{result}。{reason_note}",
        ("community", "report_in_id", *_DECISION),
    ),
    Event.REGISTRATION_REVIEWED: EventText(
        "身份审核", "您的党员身份认证{result}。{reason_note}", _DECISION
    ),
    Event.RECORD_DECIDED: EventText(
        "时长确认",
        "您在「{task}」（{service_date}）的服务时长 {hours} 小时{result}。{reason_note}",
        ("task", "service_date", "hours", "record_id", *_DECISION),
    ),
    Event.CORRECTION_DECIDED: EventText(
        "更正结果",
        "您对「{task}」服务时长的更正申请{result}。{reason_note}",
        ("task", "record_id", "correction_id", *_DECISION),
    ),
    Event.STATEMENT_ISSUED: EventText(
        "证明已出具",
        "您申请的志愿服务记录证明已由「{issuer}」出具：{period}，共 {hours} 小时，编号 {number}。",
        ("issuer", "period", "hours", "number", "statement_id"),
    ),
    Event.UNIT_FEEDBACK_ISSUED: EventText(
        "双报到反馈",
        "「{unit}」{period}的双报到反馈（第 {version} 版）已发出，请在电脑端控制台查看。",
        ("unit", "period", "version", "feedback_id"),
    ),
    Event.UNIT_REPORT_IN_DECIDED: EventText(
        "单位报到审核",
        "「{unit}」到「{community}」的单位报到申请{result}。{reason_note}",
        ("unit", "community", "unit_report_in_id", *_DECISION),
    ),
    # A resident's 微心愿 / 诉求 (needs.service): answered, taken on, done.
    Event.NEED_ANSWERED: EventText(
        "心愿诉求答复",
        "您提交的{kind}「{summary}」{result}。{reason_note}",
        ("kind", "summary", "need_id", *_DECISION),
    ),
    Event.NEED_STARTED: EventText(
        "心愿诉求办理",
        "您提交的{kind}「{summary}」{how}，正在办理。",
        ("kind", "summary", "need_id", "how"),
    ),
    Event.NEED_DONE: EventText(
        "心愿诉求办结",
        "您提交的{kind}「{summary}」已办结，欢迎评价。",
        ("kind", "summary", "need_id"),
    ),
}
