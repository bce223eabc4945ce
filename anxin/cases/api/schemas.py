"""The case API's schemas: what /api/openapi.json documents for the case endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from anxin.core.params import MAX_ID

from ..states import State
from ..workflow import STEPS

MULTIPART = "multipart/form-data"


class Named(Schema):
    id: int
    name: str


class PartyRef(Schema):
    id: int
    #: Role, name (masked unless the caller's duty needs it) and class, e.g. "受欺凌学生：李*雨（初一(1)班）".
    label: str


class NextDeadlineOut(Schema):
    kind: str
    label: str
    due_on: date | None = Field(..., description="截止日期；所涉年份节假日安排未知时为 null")
    unit: str = Field(..., description="calendar（自然日）、working（工作日）或 fixed（人工设定）")
    urgency: str = Field(..., description="overdue / soon / unknown / ok / done")


class CaseItemOut(Schema):
    id: int
    number: str
    school: Named
    status: State
    status_label: str
    urgent: bool
    serious: bool
    gravity: str
    kinds: list[str]
    owner: Named
    opened_on: date
    next_deadline: NextDeadlineOut | None


class CasePage(Schema):
    count: int
    items: list[CaseItemOut]


class DeadlineOut(Schema):
    id: int
    kind: str
    label: str
    starts_on: date
    days: int
    unit: str = Field(..., description="calendar（自然日）、working（工作日）或 fixed（人工设定）")
    due_on: date | None
    remind_on: date | None
    calendar_gap: int | None = Field(
        ...,
        description="节假日安排未录入的年份：due_on 为暂定日期（按法定节日和周末推算），录入后重算；null 表示已按正式安排算出",
    )
    calendar_note: str | None = Field(None, description="calendar_gap 不为 null 时的说明")
    provisional: bool = Field(False, description="截止日期为暂定（所涉年份的节假日安排尚未录入）")
    met_at: datetime | None
    cancelled: bool
    urgency: str = Field(..., description="overdue / soon / unknown / ok / done")
    policy_version: int = Field(..., description="计算所依据的期限规则版本")


class ChoiceOut(Schema):
    value: int | str
    label: str


class InputOut(Schema):
    name: str
    label: str
    required: bool
    type: Literal[
        "string", "text", "integer", "boolean", "date", "datetime", "choice", "multiple_choice", "file"
    ]
    choices: list[ChoiceOut] | None = None
    help: str | None = None


class ActionOut(Schema):
    action: str
    label: str
    moves: bool = Field(..., description="true：使案件进入另一环节；false：在当前环节添加记录")
    help: str
    inputs: list[InputOut]


class PartyOut(Schema):
    id: int
    role: str
    role_label: str
    label: str
    #: The full name, or 张*某 when the caller's duty does not need it.
    name: str
    #: Null when masked.
    student: int | None
    klass: Named | None
    school: Named | None
    outsider: bool
    #: Null when masked.
    description: str | None


class ContactOut(Schema):
    id: int
    party: PartyRef
    guardian_name: str
    relation: str
    contacted_at: datetime
    method: str
    method_label: str
    said: str
    recorded_by: Named


class CriterionOut(Schema):
    criterion: str
    label: str
    answer: str
    answer_label: str
    evidence: str


class DeterminationOut(Schema):
    id: int
    meeting_on: date
    members_present: list[Named]
    members_total: int
    criteria: list[CriterionOut]
    is_bullying: bool
    kinds: list[str]
    gravity: str
    gravity_label: str
    non_bullying: str
    non_bullying_label: str
    parents_participation: str
    reasoning: str
    recorded_by: Named
    created_at: datetime


class MeasureOut(Schema):
    id: int
    kind: str
    kind_label: str
    party: PartyRef | None
    detail: str
    hours: int | None
    sessions: int | None
    owner: Named
    due_on: date
    parents_rule: str
    parents_notified_at: datetime | None
    parents_notice_method: str
    done_at: datetime | None
    done_note: str


class PanelSeatOut(Schema):
    name: str
    seat: str
    affiliation: str


class ReexaminationOut(Schema):
    id: int
    applicant: PartyRef
    applied_on: date
    reason: str
    via_receipt: bool
    panel: list[PanelSeatOut]
    panel_assigned_at: datetime | None
    finding: str
    finding_label: str
    finding_note: str
    decided_on: date | None
    returned_from: str


class VisitOut(Schema):
    id: int
    kind: str | None
    kind_label: str
    party: PartyRef | None
    visited_on: date
    stopped: bool
    note: str
    visited_by: Named


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    at: datetime
    actor: Named | None
    title: str
    body: str
    data: dict[str, Any]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_by: Named
    created_at: datetime
    url: str


class CaseOut(CaseItemOut):
    title: str
    narrative: str
    places: list[str]
    time_bands: list[str]
    occurred_on: date | None
    opened_at: datetime
    opened_by: Named
    is_bullying: bool | None
    gravity_label: str
    result_notified_on: date | None
    bureau_notified_at: datetime | None
    bureau_acknowledged_at: datetime | None
    police_referred_on: date | None
    closed_at: datetime | None
    closing_summary: str
    policy_version: int
    #: Whether the names below are shown (true) or masked as 张*某 (false).
    identities: bool
    parties: list[PartyOut]
    guardian_contacts: list[ContactOut]
    deadlines: list[DeadlineOut]
    measures: list[MeasureOut]
    determinations: list[DeterminationOut]
    reexaminations: list[ReexaminationOut]
    visits: list[VisitOut]
    events: list[EventOut]
    attachments: list[AttachmentOut]
    #: Ids of the intake reports the case was opened from.
    reports: list[int]
    actions: list[ActionOut]


class CaseRef(Schema):
    """What a caller gets back after an action that leaves the case out of their sight."""

    model_config = ConfigDict(extra="forbid")

    id: int
    number: str
    status: State
    status_label: str
    note: str


class CaseFilter(Schema):
    status: State | None = Field(None, description="只看该环节的案件（含已结案）")
    serious: bool | None = None
    overdue: bool = Field(False, description="只看有期限已逾期的案件")
    school: int | None = Field(None, ge=1, le=MAX_ID)
    q: str = Field("", max_length=100, description="按案件编号或学校名称查找")
    include_closed: bool = False
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=100)


class CaseOpenIn(Schema):
    school: int = Field(..., ge=1, le=MAX_ID, description="学校 id")
    title: str = Field(..., description="事由，4 到 200 字")
    narrative: str = Field("", description="事情经过")
    kinds: list[str] = Field([], description="行为类型：physical、verbal、property、relational、cyber")
    places: list[str] = Field([], description="地点")
    time_bands: list[str] = Field([], description="时间段")
    occurred_on: str | None = Field(None, description="发生日期 YYYY-MM-DD")
    urgent: bool = False
    reports: list[int] = Field([], max_length=50, description="据以立案的举报 id")
    owner: int | None = Field(None, ge=1, le=MAX_ID, description="经办人（本校教职工）id；省略为本人")


#: The request body of /transitions, for the OpenAPI document (the body is parsed by hand).
TRANSITION_BODY = {
    "type": "object",
    "required": ["action"],
    "properties": {
        "action": {
            "type": "string",
            "enum": sorted(STEPS),
            "description": "操作名称，见 GET /cases/{id}/actions",
        },
    },
    "additionalProperties": True,
    "description": "action 加上该操作的各项输入（字段名见 GET /cases/{id}/actions 的 inputs）。",
    "example": {"action": "submit", "summary": "经调查，两名同学多次起侮辱性绰号。"},
}
TRANSITION_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": TRANSITION_BODY},
            MULTIPART: {
                "schema": {
                    **TRANSITION_BODY,
                    "properties": {
                        **TRANSITION_BODY["properties"],
                        "file": {"type": "string", "format": "binary"},
                    },
                    "description": "上传附件（action=attach）时使用：name 与 file 两项。",
                    "example": {"action": "attach", "name": "聊天截图"},
                }
            },
        },
    }
}
OPEN_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": CaseOpenIn.model_json_schema()}},
    }
}
