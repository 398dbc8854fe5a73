"""The Chinese words an export writes for the values the API sends as codes."""

from __future__ import annotations

from enum import StrEnum

LABELS: dict[str, str] = {
    # members
    "member.pending": "待审核",
    "member.verified": "已核验",
    "member.rejected": "未通过",
    "member.deactivated": "已注销",
    # report-ins
    "report_in.active": "已报到",
    "report_in.pending": "待审批",
    "report_in.none": "未报到",
    # service records
    "record.pending": "待确认",
    "record.confirmed": "已确认",
    "record.rejected": "已驳回",
    "record.voided": "已作废",
    "source.punches": "扫码签到",
    "source.hand": "手工登记",
    "source.auto_closed": "系统补签退",
    "flag.forgot_checkout": "忘记签退",
    "flag.low_accuracy": "定位精度低",
    "flag.hand_recorded": "手工登记",
    "flag.walk_in": "现场加入",
    "flag.code_holder": "本人持签到码",
    # ledger entries
    "entry.confirm": "确认",
    "entry.adjust": "调整",
    "entry.void": "作废",
    # signups and call-ups
    "signup.confirmed": "已报名",
    "signup.waitlisted": "候补",
    "signup.cancelled": "已取消",
    "assignment.proposed": "系统推荐",
    "assignment.manual": "手动指派",
    "invitation.pending": "未答复",
    "invitation.accepted": "已接受",
    "invitation.declined": "已谢绝",
    # residents' needs
    "need.submitted": "待答复",
    "need.open": "已受理",
    "need.in_progress": "办理中",
    "need.done": "已办结",
    "need.declined": "不予受理",
    "need.cancelled": "已撤销",
    "need_kind.wish": "微心愿",
    "need_kind.request": "诉求",
    "rating.satisfied": "满意",
    "rating.fairly_satisfied": "基本满意",
    "rating.dissatisfied": "不满意",
    # co-building
    "unit_report_in.pending": "待审批",
    "unit_report_in.active": "已报到",
    "unit_report_in.rejected": "未通过",
    "unit_report_in.withdrawn": "已撤回",
    "unit_report_in.ended": "已结束",
    "project.planned": "计划中",
    "project.in_progress": "进行中",
    "project.done": "已完成",
    "project.cancelled": "已取消",
    "resource.people": "人员",
    "resource.skills": "技能",
    "resource.venues": "场地",
    "resource.funds": "资金",
    "resource.vehicles": "车辆",
}


def label(prefix: str, value: StrEnum | str | None) -> str | None:
    """The Chinese word for ``value`` (a code of the family ``prefix``); unknown: the code."""
    if value is None:
        return None
    code = str(value)
    return LABELS.get(f"{prefix}.{code}", code)


def yes_no(value: bool) -> str:
    return "是" if value else "否"
