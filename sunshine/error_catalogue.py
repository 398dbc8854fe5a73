"""Every error code the API can answer with: code, HTTP status, Chinese message, and when.

One list, checked both ways by ``tests/test_error_catalogue.py`` (a code raised anywhere in
``sunshine/`` must be here, and every code here must be raised somewhere), published on the
``Error`` schema of the OpenAPI document (``x-error-codes``) and as ``docs/errors.md``::

    python -m sunshine.error_catalogue > docs/errors.md

The message is the one the code sends (some fill in names or numbers, shown as "…"); a client
shows ``message`` as it comes and branches on ``code``. This module imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorCode:
    code: str
    statuses: tuple[int, ...]  # one, except where noted
    message: str
    when: str

    def document(self) -> dict[str, Any]:
        """The entry as the OpenAPI document lists it."""
        status: int | list[int] = (
            self.statuses[0] if len(self.statuses) == 1 else list(self.statuses)
        )
        return {"code": self.code, "status": status, "message": self.message, "when": self.when}


def _e(code: str, status: int | tuple[int, ...], message: str, when: str) -> ErrorCode:
    return ErrorCode(code, status if isinstance(status, tuple) else (status,), message, when)


# Sections in the order of docs/errors.md: a title, then its codes.
SECTIONS: list[tuple[str, list[ErrorCode]]] = [
    (
        "通用（任何接口都可能返回）",
        [
            _e("request.malformed", 400, "请求格式有误", "请求无法解析（如查询参数格式错误）。"),
            _e(
                "request.bad_json",
                400,
                "请求体不是有效的 JSON",
                "请求体不是 JSON，或 JSON 顶层不是对象；message 说明原因。",
            ),
            _e("auth.unauthenticated", 401, "请先登录", "没有带 Authorization: Bearer 令牌。"),
            _e(
                "auth.forbidden",
                403,
                "没有权限进行此操作",
                "已登录，但角色或管辖范围不允许此操作；批量确认时 message 列出范围外的记录。",
            ),
            _e(
                "not_found",
                404,
                "请求的内容不存在",
                "路径不存在，或路径中的 id 不是有效的正整数。",
            ),
            _e("method_not_allowed", 405, "不支持此请求方法", "该路径不支持此 HTTP 方法。"),
            _e("conflict", 409, "操作与当前状态冲突", "与当前状态冲突的通用答复。"),
            _e("request.too_large", 413, "请求内容过大", "请求体或上传文件超过大小上限。"),
            _e(
                "request.unsupported_media_type",
                415,
                "请求内容类型不受支持，请使用 application/json",
                "有请求体但不是 application/json（上传接口：不是 multipart/form-data）。",
            ),
            _e(
                "request.invalid",
                422,
                "提交的内容有误，请检查后重试",
                "参数校验失败；fields 逐字段给出原因（含不允许的字段）。",
            ),
            _e(
                "rate_limited",
                429,
                "操作太频繁，请稍后再试",
                "超过接口的频率限制（如登录）；Retry-After 头给出等待秒数。",
            ),
            _e("internal_error", 500, "服务器开小差了，请稍后再试", "服务器内部错误。"),
            _e("service_unavailable", 503, "服务暂时不可用，请稍后再试", "服务暂时不可用。"),
        ],
    ),
    (
        "登录与账号",
        [
            _e(
                "auth.invalid_code",
                401,
                "登录凭证无效，请重新登录",
                "wx.login 的 code 无效（微信 errcode 40029）。",
            ),
            _e(
                "auth.code_used",
                401,
                "登录凭证已使用，请重新登录",
                "wx.login 的 code 已用过（微信 errcode 40163）。",
            ),
            _e(
                "auth.risky_user",
                403,
                "微信判定该账号存在风险，暂时无法登录",
                "微信判定为高风险用户（errcode 40226）。",
            ),
            _e(
                "auth.invalid_token",
                401,
                "登录已失效，请重新登录",
                "令牌无法识别、已注销（退出登录）或已被撤销。",
            ),
            _e("auth.token_expired", 401, "登录已过期，请重新登录", "令牌已过期。"),
            _e(
                "auth.account_disabled",
                403,
                "账号已停用，请联系管理员",
                "账号被管理员停用后登录或调用接口。",
            ),
            _e("account.not_found", 404, "账号不存在", "账号 id 不存在（查看、停用、授权时）。"),
            _e(
                "account.cannot_disable_self",
                409,
                "不能停用自己的账号",
                "管理员试图停用自己的账号。",
            ),
        ],
    ),
    (
        "隐私政策与同意",
        [
            _e("consent.no_notice", 404, "隐私政策尚未发布", "还没有发布任何版本的隐私政策。"),
            _e("consent.version_exists", 409, "该版本已发布", "发布的隐私政策版本号已存在。"),
            _e(
                "consent.stale_notice",
                409,
                "隐私政策已更新，请阅读最新版本后再确认",
                "同意时提交的版本不是当前版本。",
            ),
            _e(
                "consent.notice_not_withdrawable",
                422,
                "隐私政策是使用本服务的前提，不同意请注销账号",
                "试图撤回对隐私政策本身的同意。",
            ),
            _e(
                "consent.notice_required",
                403,
                "请先阅读并同意最新的隐私政策",
                "尚未同意当前版本的隐私政策就使用需要同意的功能。",
            ),
        ],
    ),
    (
        "党员注册与资料",
        [
            _e(
                "member.phone_required",
                409,
                "请先授权绑定手机号",
                "注册前尚未绑定手机号（POST /me/phone）。",
            ),
            _e("member.already_registered", 409, "已经注册过了", "该账号已注册为党员。"),
            _e(
                "member.not_registered",
                404,
                "尚未注册为党员",
                "调用党员本人的接口（资料、报到、任务大厅、报名、签到等）时尚未注册。",
            ),
            _e(
                "member.not_verified",
                403,
                "党员身份尚未认证",
                "身份尚未认证（花名册未匹配、等待审核）就使用需要认证的功能。",
            ),
            _e("member.not_found", 404, "党员不存在", "党员 id 不存在或不在管辖范围内。"),
            _e("member.not_pending", 409, "该注册不在待审核状态", "审核一条已审核过的注册。"),
            _e("member.reason_required", 422, "驳回时请填写原因", "驳回注册时没有填写原因。"),
            _e(
                "phone.invalid_code",
                422,
                "手机号授权已失效，请重新授权",
                "getPhoneNumber 的 code 无效或已使用。",
            ),
            _e("skill.unknown", 422, "技能不在目录中", "提交的技能不在技能目录中。"),
            _e("skill.duplicate", 409, "技能已存在", "新建或改名的技能与已有技能重名。"),
            _e("skill.not_found", 404, "技能不存在", "技能 id 不存在。"),
        ],
    ),
    (
        "社区报到",
        [
            _e(
                "report_in.pending_exists",
                409,
                "已有待审批的报到申请",
                "已有一条待审批的报到申请时再次申请。",
            ),
            _e("report_in.already_active", 409, "已在该社区报到", "已在该社区报到时再次申请。"),
            _e("report_in.not_found", 404, "报到记录不存在", "报到 id 不存在或不是本人的。"),
            _e(
                "report_in.not_pending",
                409,
                "该申请不在待审批状态",
                "批准或驳回一条已处理的申请。",
            ),
            _e(
                "report_in.member_not_verified",
                409,
                "该党员身份正在重新审核，审核通过后才能批准报到",
                "批准报到时该党员的身份正在重新审核。",
            ),
            _e(
                "report_in.not_active",
                409,
                "只能结束正在报到的记录",
                "结束报到或安排网格、服务队时，记录不是“正在报到”。",
            ),
            _e("report_in.closed", 409, "该记录已结束", "撤回一条已结束的报到记录。"),
            _e("grid.not_in_community", 422, "网格不属于该社区", "安排的网格不属于该社区。"),
            _e(
                "team.not_in_community",
                422,
                "服务队不属于该社区",
                "安排的服务队不属于该社区。",
            ),
        ],
    ),
    (
        "任务与班次",
        [
            _e("task.not_found", 404, "任务不存在", "任务 id 不存在，或调用者看不到它。"),
            _e("task.bad_area", 422, "任务应属于社区或街道", "任务的区域不是社区或街道。"),
            _e(
                "task.bad_visibility",
                422,
                "街道任务的可见范围应为街道或全市",
                "街道任务的可见范围设为了社区。",
            ),
            _e("task.unknown_category", 422, "服务类别不在目录中", "服务类别 id 不在目录中。"),
            _e(
                "task.cancelled",
                409,
                "任务已取消",
                "修改已取消的任务，或为已取消的任务生成场地码。",
            ),
            _e("task.no_shifts", 409, "请先添加至少一个班次", "发布一个没有班次的任务。"),
            _e(
                "task.not_venue_mode",
                409,
                "请先把任务的签到方式设为场地码",
                "任务的签到方式不是场地码时生成场地码。",
            ),
            _e(
                "task.no_site",
                409,
                "场地码签到需要先设置服务地点坐标",
                "任务没有服务地点坐标时生成场地码。",
            ),
            _e("shift.not_found", 404, "班次不存在", "班次 id 不存在，或调用者看不到它。"),
            _e("shift.in_past", 422, "开始时间应晚于现在", "新班次的开始时间已过。"),
            _e("shift.ends_before_start", 422, "结束时间应晚于开始时间", "班次结束不晚于开始。"),
            _e("shift.too_long", 422, "一个班次不能超过 24 小时", "班次超过 24 小时。"),
            _e(
                "shift.bad_deadline",
                422,
                "报名截止时间应在现在与开始时间之间",
                "报名截止时间已过或晚于班次开始。",
            ),
            _e("shift.cancelled", 409, "班次已取消", "修改、签到一个已取消的班次。"),
            _e(
                "shift.capacity_below_confirmed",
                409,
                "名额不能少于已确认人数",
                "把名额改到少于已报名人数。",
            ),
            _e(
                "shift.not_open",
                409,
                "该班次不可报名",
                "任务未发布或已取消时报名、邀请或签到。",
            ),
            _e("shift.signup_closed", 409, "报名已截止", "报名截止时间已过。"),
            _e(
                "shift.full",
                409,
                "班次名额已满",
                "名额已满（报名时已加入候补名单，message 会说明）。",
            ),
            _e(
                "shift.holder_not_signed_up",
                422,
                "只能指定已报名本班次的党员",
                "指定的签到码持有人未报名该班次。",
            ),
        ],
    ),
    (
        "报名与邀请",
        [
            _e("feed.no_report_in", 409, "请先到社区报到，再报名服务", "尚未在任何社区报到。"),
            _e("signup.not_verified", 409, "党员身份尚未认证", "身份尚未认证时报名。"),
            _e(
                "signup.not_eligible",
                409,
                "该任务不面向您报到的社区",
                "任务的可见范围不含党员报到的社区。",
            ),
            _e(
                "signup.overlap",
                409,
                "与您已报名的其他班次时间冲突",
                "与本人已报名的班次时间重叠。",
            ),
            _e(
                "signup.duplicate",
                409,
                "正在处理您的报名，请稍后刷新",
                "同一报名的并发请求（连点）正在处理。",
            ),
            _e("signup.not_found", 404, "报名记录不存在", "报名 id 不存在或不是本人的。"),
            _e("signup.cancelled", 409, "报名已取消", "取消一个已取消的报名。"),
            _e("signup.shift_started", 409, "班次已开始，不能取消", "班次开始后取消报名。"),
            _e(
                "invitation.not_eligible",
                422,
                "部分党员不能邀请（不在可见范围、未认证、已报名或时间冲突）",
                "被邀请的党员中有人不能报名该班次。",
            ),
            _e("invitation.not_found", 404, "邀请不存在", "邀请 id 不存在或不是发给本人的。"),
            _e("invitation.answered", 409, "邀请已答复", "答复一个已答复的邀请。"),
        ],
    ),
    (
        "签到签退",
        [
            _e("punch.bad_code", 422, "签到码无效", "签到码无法识别。"),
            _e(
                "punch.code_expired",
                422,
                "签到码已过期，请扫描负责人手机上的最新签到码",
                "动态签到码已过有效期。",
            ),
            _e("punch.too_early", 409, "尚未到签到时间", "早于签到窗口。"),
            _e("punch.too_late", 409, "签到时间已过", "晚于签到（或签退）窗口。"),
            _e("punch.window_closed", 409, "不在签到时间内", "不在班次的签到窗口内。"),
            _e(
                "punch.no_shift_now",
                409,
                "当前没有您可签到的班次",
                "扫场地码时，本人在该任务当前没有可签到的班次。",
            ),
            _e("punch.no_signup", 409, "您未报名本班次", "未报名该班次就签到。"),
            _e("punch.no_checkin", 409, "请先签到，再签退", "没有签到就签退。"),
            _e(
                "punch.duplicate",
                409,
                "正在处理您的打卡，请稍后刷新",
                "同一打卡的并发请求（连点）正在处理。",
            ),
            _e(
                "punch.venue_not_enabled",
                409,
                "该任务不使用场地码签到",
                "扫了场地码，但任务不使用场地码签到。",
            ),
            _e(
                "punch.location_required",
                422,
                "扫场地码签到需要提供当前位置",
                "扫场地码签到时没有提供 location。",
            ),
            _e(
                "punch.too_far",
                403,
                "您不在服务地点附近（距离约 … 米），无法签到",
                "扫场地码时所在位置超出签到半径。",
            ),
            _e(
                "punch.no_site",
                409,
                "任务未设置服务地点坐标，无法用场地码签到",
                "任务没有服务地点坐标时扫场地码。",
            ),
            _e(
                "attendance.no_signup",
                409,
                "该党员未报名本班次",
                "代为登记出勤时该党员未报名。",
            ),
            _e(
                "attendance.bad_times",
                422,
                "签到、签退时间应在班次时间窗口内，签到早于签退，且不晚于现在",
                "代为登记的签到、签退时间不合理。",
            ),
            _e(
                "attendance.already_punched",
                409,
                "该党员已有打卡记录",
                "代为登记出勤时该党员已自己打卡。",
            ),
            _e(
                "attendance.not_absent",
                409,
                "只能为已报名且未到场的党员请假",
                "为已到场或已取消的报名请假。",
            ),
            _e(
                "attendance.not_started",
                409,
                "班次尚未开始，请让党员取消报名",
                "班次开始前为党员请假。",
            ),
            _e(
                "venue_code.not_found",
                404,
                "尚未生成场地码",
                "下载场地码图片前尚未生成场地码。",
            ),
        ],
    ),
    (
        "服务时长",
        [
            _e(
                "record.not_found",
                404,
                "服务记录不存在",
                "服务记录 id 不存在；批量确认时 message 列出不存在的 id。",
            ),
            _e(
                "record.own",
                403,
                "不能确认或修改本人的服务记录",
                "管理员确认、驳回、调整本人的服务记录，或处理本人的更正申请。",
            ),
            _e(
                "record.not_pending",
                409,
                "该服务记录当前状态为…，不能进行此操作",
                "确认或驳回一条不是待确认的记录（批量时 message 列出）。",
            ),
            _e(
                "record.not_confirmed",
                409,
                "该服务记录当前状态为…，不能进行此操作",
                "作废或调整一条不是已确认的记录。",
            ),
            _e(
                "record.below_zero",
                409,
                "调整后时长不能小于零（当前 … 分钟）",
                "调整后的时长小于零。",
            ),
            _e("record.too_long", 409, "调整后时长不能超过 24 小时", "调整后的时长超过 24 小时。"),
            _e(
                "record.not_correctable",
                409,
                "只有已确认或已驳回的记录可以申请更正",
                "为待确认或已作废的记录申请（或接受）更正。",
            ),
            _e(
                "correction.no_change",
                422,
                "申请的时长与当前认定的时长相同",
                "申请更正的时长与当前时长相同。",
            ),
            _e(
                "correction.open_exists",
                409,
                "该记录已有待处理的更正申请",
                "同一记录已有待处理的更正申请。",
            ),
            _e("correction.not_found", 404, "更正申请不存在", "更正申请 id 不存在。"),
            _e("correction.decided", 409, "该更正申请已处理", "处理一条已处理的更正申请。"),
            _e(
                "ledger.below_zero",
                409,
                "余额不足，不能扣减到零以下",
                "时长账本的扣减会使余额小于零。",
            ),
            _e(
                "policy.bad_threshold",
                422,
                "仅“低于阈值自动确认”需要填写阈值",
                "审批方式与阈值不匹配。",
            ),
            _e(
                "holiday.not_found",
                404,
                "该日期没有节假日设置",
                "删除一个没有设置的节假日。",
            ),
        ],
    ),
    (
        "集中动员与社区需求",
        [
            _e("callup.not_found", 404, "动员不存在", "动员 id 不存在或不在管辖范围内。"),
            _e("callup.bad_area", 422, "动员范围应为街道或全市", "动员的区域不是街道或市。"),
            _e("callup.bad_day", 422, "动员日期已过", "动员日期早于今天。"),
            _e(
                "callup.bad_posts",
                422,
                "部分岗位不能加入本次动员",
                "岗位的班次不在动员日期或范围内、未发布或重复。",
            ),
            _e(
                "callup.not_editable",
                409,
                "动员已确认或已取消，不能再修改",
                "修改已确认或已取消的动员。",
            ),
            _e(
                "callup.post_not_found",
                422,
                "岗位不属于本次动员",
                "安排人员时岗位不属于该动员。",
            ),
            _e("callup.already_assigned", 409, "该党员已在本次动员中", "重复安排同一党员。"),
            _e("callup.post_full", 409, "该岗位已满", "岗位已安排满。"),
            _e(
                "callup.member_not_eligible",
                422,
                "该党员不能参加此岗位（未认证，或未报到到任务可见的社区）",
                "安排的党员不能报名该岗位的班次。",
            ),
            _e(
                "callup.member_busy",
                409,
                "该党员当时已有其他安排（已报名冲突班次、已在另一次动员中或已被邀请）",
                "安排的党员在该时间已有其他安排。",
            ),
            _e(
                "callup.assignment_not_found",
                404,
                "安排不存在",
                "安排 id 不存在或不属于该动员。",
            ),
            _e("callup.empty", 409, "尚未安排任何人员", "确认一个没有安排人员的动员。"),
            _e(
                "callup.assignments_invalid",
                409,
                "以下人员已不能安排，请调整后再确认：…",
                "确认时部分安排已失效；不写入任何内容。",
            ),
            _e("need.not_found", 404, "需求不存在", "需求 id 不存在或不在管辖范围内。"),
            _e("need.closed", 409, "需求已关闭", "修改已关闭的需求。"),
            _e(
                "need.not_open",
                409,
                "只有待处理的需求可以转为任务",
                "把不是待处理状态的需求转为任务。",
            ),
        ],
    ),
    (
        "组织、区域与授权",
        [
            _e("area.not_found", 404, "区域不存在", "区域 id 不存在。"),
            _e("area.bad_parent", 422, "区域层级不正确", "新区域的上级层级不对。"),
            _e(
                "area.wrong_level",
                422,
                "所选区域层级不正确",
                "所选区域的层级不符合要求（如审批方式只能设在社区或街道）。",
            ),
            _e("area.code_exists", 409, "区划代码已存在", "新建市/县时区划代码已存在。"),
            _e("unit.not_found", 404, "单位不存在", "单位 id 不存在。"),
            _e("unit.bad_city", 422, "单位必须属于一个市/县", "单位所属区域不是市/县。"),
            _e("party_org.not_in_unit", 422, "党组织不属于所选单位", "党组织不属于所选单位。"),
            _e("team.duplicate", 409, "该社区已有同名服务队", "服务队重名。"),
            _e("grant.not_found", 404, "授权不存在", "授权 id 不存在。"),
            _e(
                "grant.role_not_grantable",
                422,
                "党员身份由注册认证产生，不能直接授予",
                "试图直接授予党员角色。",
            ),
            _e(
                "grant.bad_scope",
                422,
                "区域层级与角色不符",
                "授权的范围（区域或单位）与角色不符。",
            ),
            _e("grant.duplicate", 409, "该账号已拥有此授权", "重复授予同一授权。"),
            _e("grant.already_revoked", 409, "该授权已撤销", "撤销一个已撤销的授权。"),
            _e(
                "grant.last_sys_admin",
                409,
                "不能撤销最后一个系统管理员",
                "撤销最后一个系统管理员的授权。",
            ),
        ],
    ),
    (
        "导入",
        [
            _e("import.not_found", 404, "导入记录不存在", "导入批次 id 不存在或不在管辖范围内。"),
            _e(
                "import.rows_invalid",
                422,
                "文件中有 … 处错误，未导入任何数据；请修改后重新上传",
                "有行出错，整批未导入；fields.rows 列出前几处，"
                "fields.report 给出错误报告的下载地址。",
            ),
            _e(
                "import.unsupported_format",
                422,
                "不支持此文件格式（如旧版 .xls 或加密的表格），"
                "请在 Excel 中另存为 .xlsx 或 CSV 文件后重新上传",
                "文件不是 CSV 或 XLSX。",
            ),
            _e(
                "import.bad_encoding",
                422,
                "无法识别文件的文字编码，"
                "请另存为 UTF-8 或 GBK 编码的 CSV 文件，或 .xlsx 文件后重新上传",
                "CSV 文件的编码既不是 UTF-8 也不是 GBK。",
            ),
            _e(
                "import.bad_file",
                422,
                "文件已损坏或不是有效的 Excel 文件，请检查后重新上传",
                "文件损坏，或 CSV 的引号没有配对。",
            ),
            _e(
                "import.extra_cells",
                422,
                "第 … 行第 … 列有内容，但该列没有标题，请检查这一行是否错位",
                "某行在没有标题的列里有内容。",
            ),
            _e(
                "import.too_many_rows",
                422,
                "数据超过 … 行，请分成多个文件上传",
                "文件行数超过上限。",
            ),
            _e(
                "import.unknown_columns",
                422,
                "无法识别的列：…。可以使用的列：…",
                "标题行有无法识别的列。",
            ),
            _e(
                "import.duplicate_columns",
                422,
                "以下列重复，同一项只能有一列：…",
                "同一项有多列。",
            ),
            _e("import.missing_columns", 422, "缺少必填的列：…", "缺少必填的列。"),
            _e(
                "import.empty",
                422,
                "文件中没有数据，请在标题行下方填写后重新上传",
                "标题行下方没有数据。",
            ),
        ],
    ),
    (
        "微信与外部服务",
        [
            _e("wechat.busy", 503, "微信服务繁忙，请稍后再试", "微信返回系统繁忙（errcode -1）。"),
            _e(
                "wechat.rate_limited",
                (429, 503),
                "操作太频繁，请稍后再试",
                "微信接口调用超过频率限制（errcode 45009/45011）；生成小程序码时为 503。",
            ),
            _e(
                "wechat.misconfigured",
                503,
                "微信服务配置异常，请联系管理员",
                "服务器的微信 AppID/Secret 未配置或无效。",
            ),
            _e(
                "wechat.unavailable",
                503,
                "微信服务暂时无法访问，请稍后再试",
                "连不上微信或微信超时。",
            ),
            _e(
                "wechat.error",
                502,
                "微信服务返回错误，请稍后再试",
                "微信返回了无法识别的错误或答复。",
            ),
            _e(
                "wechat.quota_exhausted",
                503,
                "手机号验证次数已用完，请联系管理员",
                "小程序的手机号验证额度已用完。",
            ),
            _e(
                "wechat.bad_page",
                502,
                "小程序签到页面不存在，请联系管理员检查配置",
                "生成小程序码时签到页面路径不存在（errcode 41030）。",
            ),
            _e(
                "health.database_unavailable",
                503,
                "数据库暂时不可用",
                "健康检查连不上数据库（/healthz）。",
            ),
        ],
    ),
]

CATALOGUE: list[ErrorCode] = [entry for _, entries in SECTIONS for entry in entries]
BY_CODE: dict[str, ErrorCode] = {entry.code: entry for entry in CATALOGUE}


def markdown() -> str:
    """docs/errors.md, generated from the catalogue."""
    lines = [
        "# 错误码",
        "",
        "<!-- Generated by `python -m sunshine.error_catalogue > docs/errors.md`; "
        "edit sunshine/error_catalogue.py instead. -->",
        "",
        "每个错误都以同一种形状返回（OpenAPI 文档中的 `Error`）：",
        "",
        "```json",
        '{"status": 422, "code": "request.invalid", "message": "提交的内容有误，请检查后重试",',
        ' "fields": {"code": ["此项必填"]}, "request_id": "3f2a…"}',
        "```",
        "",
        "`code` 稳定，供程序判断；`message` 是可直接展示给用户的中文；`fields` 只在输入有误时"
        "出现；`request_id` 与响应头 `X-Request-ID` 相同（请求尚未分配 id 时为 null）。"
        "message 中的“…”表示按实际情况填入的名称或数字。"
        "本表也以 `x-error-codes` 列在 OpenAPI 文档的 `Error` 结构上。",
        "",
        "本表之外只可能出现 `http.<状态码>`：Web 框架本身少见的 HTTP 错误（如 416），"
        "message 为英文的状态名称。",
        "",
    ]
    for title, entries in SECTIONS:
        lines += [f"## {title}", "", "| code | HTTP | message | 何时出现 |", "|---|---|---|---|"]
        for entry in entries:
            statuses = "/".join(str(s) for s in entry.statuses)
            lines.append(f"| `{entry.code}` | {statuses} | {entry.message} | {entry.when} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
