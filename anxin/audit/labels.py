"""Chinese names of the audit trail's event codes, for the audit log page and its filter.

Each domain writes its events under the names in its ``events.py``; this table says what each
name means. The trail is append-only, so an event keeps the name it was written with: a name that
was replaced (:data:`RENAMED`) is shown, and found by the filter, as its successor. A code missing
from the table is shown as it is. A domain whose codes already have names elsewhere registers
them (:func:`register`) instead of repeating them here: the case procedure's steps come from
``anxin.cases.workflow.TABLE``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS: dict[str, object] = {
    # accounts and tokens
    "account.password_changed": _("修改密码"),
    "account.otp_enrolled": _("启用两步验证"),
    "account.otp_removed": _("停用两步验证"),
    "account.recovery_codes_renewed": _("重新生成恢复码"),
    "account.channels_changed": _("修改通知渠道"),
    "auth.token_issued": _("签发接口令牌"),
    "auth.token_revoked": _("撤销接口令牌"),
    "auth.tokens_revoked": _("撤销全部接口令牌"),
    # the trail itself and the platform
    "audit.checkpoint": _("审计检查点"),
    "audit.legacy_sealed": _("封存旧版审计记录"),
    "calendar.loaded": _("录入节假日安排"),
    "crypto.files_encrypted": _("加密已上传文件"),
    "crypto.keys_rotated": _("轮换加密密钥"),
    "demo.loaded": _("生成演示数据"),
    # organisation
    "unit.created": _("新建单位"),
    "school.profile_set": _("设置学校信息"),
    "school.profile_changed": _("修改学校信息"),
    "staff.created": _("新建教职工账号"),
    "staff.imported": _("导入教职工"),
    "staff.role_assigned": _("分配角色"),
    "staff.role_revoked": _("撤销角色"),
    "student.created": _("新建学生"),
    "student.changed": _("修改学生信息"),
    "student.imported": _("导入学生"),
    "student.viewed": _("查看学生档案"),
    "student.key_group_set": _("标记重点群体"),
    "student.key_group_cleared": _("取消重点群体"),
    "guardian.added": _("添加监护人"),
    "committee.member_added": _("增补委员会成员"),
    "committee.member_removed": _("移除委员会成员"),
    # intake
    "report.received": _("收到网上举报"),
    "report.recorded": _("登记举报"),
    "report.viewed": _("查看举报"),
    "report.acknowledged": _("确认收到举报"),
    "report.accepted": _("受理举报"),
    "report.assigned": _("指派举报"),
    "report.replied": _("回复举报人"),
    "report.reporter_message": _("举报人留言"),
    "report.merged": _("合并重复举报"),
    "report.closed": _("关闭举报"),
    "poster.printed": _("打印海报"),
    "report.escalated": _("紧急举报逐级上报"),
    "device.alarm": _("报警装置报警"),
    "device.registered": _("登记报警装置"),
    # cases
    "case.opened_new": _("立案"),
    "case.viewed": _("查看案件"),
    "case.bureau_list_viewed": _("查看教育局案件列表"),
    "case.involved_viewed": _("查看外校涉及本校学生"),
    "case.file_printed": _("打印案件档案"),
    "case.notice_printed": _("打印家长告知书"),
    "case.attachment_downloaded": _("下载案件附件"),
    "case_policy.set": _("修改期限规则"),
    # ledgers
    "ledger.form_printed": _("打印纸质表格"),
    "ledger.patrol.checkin": _("巡查打卡"),
    "ledger.patrol.dorm_round": _("宿舍查寝"),
    "ledger.patrol.duty_added": _("排班"),
    "ledger.patrol.duty_removed": _("取消排班"),
    "ledger.patrol.handover": _("交接班"),
    "ledger.patrol.handover_confirmed": _("确认交接班"),
    "ledger.patrol.point_created": _("新建巡查点"),
    "ledger.patrol.point_active": _("启用/停用巡查点"),
    "ledger.patrol.point_duty": _("设置巡查点频次和责任人"),
    "ledger.patrol.settings_set": _("巡查设置"),
    "ledger_gate.visitor_recorded": _("来访登记"),
    "ledger_gate.visitor_out": _("来访人离校"),
    "ledger_gate.leave_approved": _("批准请假"),
    "ledger_gate.leave_returned": _("销假"),
    "ledger_gate.exit_recorded": _("学生出校登记"),
    "ledger_gate.item_recorded": _("危险物品登记"),
    "hazard_place.created": _("新建重点部位"),
    "hazard_camera.created": _("登记摄像头"),
    "hazard_camera.status": _("摄像头状态"),
    "hazard_screening.recorded": _("隐患排查"),
    "hazard_review.recorded": _("录像回看"),
    "hazard.reported": _("发现隐患"),
    "hazard.start": _("开始整改"),
    "hazard.rectify": _("整改完成待复查"),
    "hazard.accept": _("复查通过销号"),
    "hazard.reject": _("复查未通过"),
    "ledger_talk.recorded": _("谈心谈话记录"),
    "ledger_talk.content_viewed": _("查看谈话内容"),
    "ledger_talk.content_listed": _("列出谈话内容"),
    "ledger_talk.followed_up": _("谈话已回访"),
    "ledger_care_plan.recorded": _("制定关爱帮扶计划"),
    "ledger_care_plan.reviewed": _("回顾帮扶计划"),
    "ledger_watch.recorded": _("行为观察记录"),
    "ledger.education.1530_recorded": _("1530安全教育"),
    "ledger.education.meeting_recorded": _("主题班会"),
    "ledger.education.activity_recorded": _("培训/专题教育"),
    "ledger.education.document_version_added": _("上传制度文件"),
    "ledger_warning.raised": _("产生预警"),
    "ledger_warning.resolved": _("提醒已完成自动关闭"),
    "ledger_warning.acknowledge": _("确认预警"),
    "ledger_warning.act": _("处理预警"),
    "ledger_warning.dismiss": _("排除预警"),
}


#: Names no longer written, and the name that replaced each (old rows keep theirs).
RENAMED: dict[str, str] = {
    # Until issue 10 (December 2026) a view of a case was written case.opened, which read like its creation
    # (case.opened_new).
    "case.opened": "case.viewed",
}


def register(labels: dict[str, object]) -> None:
    """Add names for event codes, from a domain's ``AppConfig.ready``."""
    LABELS.update(labels)


def label_for(action: str) -> str:
    """The Chinese name of an event code, or the code itself when it has none."""
    label = LABELS.get(RENAMED.get(action, action))
    return str(label) if label is not None else action


def written_as(action: str) -> list[str]:
    """Every name an event of this code has been written under: the code's current name first,
    then the names it replaced (``case.opened`` for ``case.viewed``)."""
    current = RENAMED.get(action, action)
    return [current, *sorted(old for old, new in RENAMED.items() if new == current)]


def choices() -> list[tuple[str, str]]:
    """The filter's choices: every named code, by its name (a replaced name is not offered)."""
    return sorted(((code, str(label)) for code, label in LABELS.items()), key=lambda c: c[1])
