"""The public API of the online 爱心信箱, for apps and mini-programs: no account, no cookie, no CSRF.

Like the pages in views_public, these operations hand the services only what was sent, never the
request, and read the client address only for the keyed-hash guessing limit on receipts. Each
operation is CSRF-free because ninja marks its views csrf_exempt and ``auth=None`` skips the
session check: a CSRF token would need a cookie, and these operations can only add to what a
receipt holder or an anonymous reporter may add anyway (see views_public.box).

A report or a message comes as JSON, or as a multipart form whose ``photos`` parts are the images.
"""

import json
from datetime import datetime
from typing import Any

import pydantic
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import field_validator

from anxin.core.errors import ErrorCode, Invalid
from anxin.core.schemas import ErrorOut

from . import services
from .errors import IntakeError
from .models import PublicStatus
from .services import Upload
from .views_public import conversation, parse_day, progress, report_for_receipt, submit_letter, untraced

router = Router(tags=["intake"])

FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}
LIST_FIELDS = {"kinds"}

_MULTIPART = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {"photos": {"type": "array", "items": {"type": "string", "format": "binary"}}},
            "description": "与 JSON 相同的字段，另加最多 5 张照片（photos）。",
        }
    }
}


class ReportIn(Schema):
    school: str = Field(..., max_length=40, description="学校代码（海报二维码里的代码）")
    text: str | None = Field(None, description="发生了什么（10–5000 字）")
    about: str | None = Field(None, description="self / other / unsure")
    place: str | None = None
    time_band: str | None = None
    occurred_on: str | None = Field(None, description="YYYY-MM-DD")
    kinds: list[str] | None = None
    names: str | None = None
    wants_contact: bool = False
    contact: str | None = None
    client_key: str | None = Field(
        None,
        max_length=64,
        description="幂等键（UUID，由客户端在第一次提交前生成）：同一个键再次提交返回同一个回执码，不会重复创建",
    )


class ReportOut(Schema):
    receipt: str = Field(..., description="回执码：只显示这一次，服务端只保存其哈希")
    school: str
    school_name: str
    status: str


class ReceiptIn(Schema):
    receipt: str = ""

    @field_validator("receipt", mode="before")
    @classmethod
    def _any_receipt(cls, value: Any) -> Any:
        # A receipt of the wrong type gets the same 404 as a wrong one, not a different error.
        return value if isinstance(value, str) else ""


class MessageIn(ReceiptIn):
    text: str | None = None


class MessageOut(Schema):
    sender: str = Field(..., alias="from", description="school / reporter")
    text: str
    at: datetime
    photos: int = 0


class StatusOut(Schema):
    status: str
    status_label: str
    explanation: str
    close_reason: str
    school_name: str
    messages: list[MessageOut]
    in_case: bool = Field(False, description="报告已转为案件：status 与 explanation 随案件进展")
    case_status: str = Field("", description="案件状态代码（未立案时为空）")
    reexam_available: bool = Field(False, description="当事学生本人现在可以申请复查")


def _read(request: HttpRequest) -> tuple[dict[str, Any], list[Upload]]:
    """The fields and photos sent, from JSON or a form; refuses an empty body or another type."""
    content_type = request.content_type or ""
    try:
        if content_type in FORM_TYPES:
            post = request.POST
            data = {k: post.getlist(k) if k in LIST_FIELDS else post.get(k) for k in post}
            photos = [(f.name or "", f) for f in request.FILES.getlist("photos")]
            if not data and not photos:
                raise Invalid(_("提交的内容是空的。"), code=IntakeError.EMPTY_BODY)
            return {k: v for k, v in data.items() if v != ""}, photos
        body = request.body
    except RequestDataTooBig:
        raise HttpError(413, "too large") from None
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
        raise Invalid(_("提交的表单格式不正确。"), code=ErrorCode.BAD_FORM) from None
    if not body.strip():
        raise Invalid(_("提交的内容是空的。"), code=IntakeError.EMPTY_BODY)
    if content_type != "application/json":
        raise HttpError(415, "unsupported media type")
    try:
        data = json.loads(body)
    except ValueError:
        raise Invalid(_("提交的 JSON 格式不正确。"), code=ErrorCode.BAD_JSON) from None
    if not isinstance(data, dict):
        raise Invalid(_("提交的 JSON 应当是一个对象。"), code=ErrorCode.BAD_JSON)
    return data, []


def _validated(schema: type[Schema], data: dict[str, Any]) -> Any:
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise NinjaValidationError(
            [{"loc": ["body", *err["loc"]], "msg": err["msg"], "type": err["type"]} for err in exc.errors()]
        ) from None


def _private(response: HttpResponse) -> None:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"


@router.post(
    "/reports",
    auth=None,
    response={
        201: ReportOut,
        404: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
    },
    summary="提交一封爱心信箱的信（匿名，无需登录）",
    description="同一网络地址对同一学校的提交有频率限制（429 too_many_reports）；数据库不可用时返回 "
    "503 not_sent（信未发送，请用同一个 client_key 重试）。",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ReportIn.model_json_schema()}, **_MULTIPART},
        }
    },
)
def report_create(request: HttpRequest, response: HttpResponse) -> Any:
    data, photos = _read(request)
    payload = _validated(ReportIn, data)
    submission = submit_letter(
        request,
        school_code=payload.school,
        client_key=payload.client_key,
        text=payload.text,
        about=payload.about,
        place=payload.place,
        time_band=payload.time_band,
        occurred_on=parse_day(payload.occurred_on),
        kinds=payload.kinds,
        names=payload.names or "",
        wants_contact=payload.wants_contact,
        contact=payload.contact or "",
        photos=photos,
    )
    _private(response)
    report = submission.report
    return Status(
        201,
        {
            "receipt": submission.receipt,
            "school": report.school.code,
            "school_name": report.school.name,
            "status": report.public_status.value,
        },
    )


@router.post(
    "/lookup",
    auth=None,
    by_alias=True,
    response={200: StatusOut, 404: ErrorOut, 415: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="用回执码查看处理进度和留言",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ReceiptIn.model_json_schema()}},
        }
    },
)
def report_lookup(request: HttpRequest, response: HttpResponse) -> Any:
    data, _photos = _read(request)
    report = report_for_receipt(request, _validated(ReceiptIn, data).receipt)
    now = progress(report)
    status = now.status
    _private(response)
    return {
        "status": status.value,
        "status_label": str(status.label),
        "explanation": now.explanation,
        "close_reason": report.close_reason if status == PublicStatus.CLOSED else "",
        "school_name": report.school.name,
        "messages": conversation(report),
        "in_case": bool(now.case_status),
        "case_status": now.case_status,
        "reexam_available": now.reexam == "open",
    }


@router.post(
    "/messages",
    auth=None,
    by_alias=True,
    response={201: MessageOut, 404: ErrorOut, 413: ErrorOut, 415: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="用回执码给学校留言（可附照片）",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": MessageIn.model_json_schema()}, **_MULTIPART},
        }
    },
)
def message_create(request: HttpRequest, response: HttpResponse) -> Any:
    data, photos = _read(request)
    payload = _validated(MessageIn, data)
    report_for_receipt(request, payload.receipt)  # counts a wrong receipt towards the limit
    with untraced():
        message = services.reporter_message_add(receipt=payload.receipt, text=payload.text, photos=photos)
    _private(response)
    at = timezone.localtime(message.created_at)
    return Status(201, {"from": message.sender, "text": message.text, "at": at, "photos": len(photos)})


class DeviceAlarmOut(Schema):
    report: int
    urgent: bool


@router.post(
    "/devices/{device_id}/alarm",
    auth=None,
    response={201: DeviceAlarmOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="报警装置（一键报警、语音关键词终端）报警",
    description="请求头 X-Anxin-Timestamp（Unix 秒）与 X-Anxin-Signature（以装置密钥对 “时间戳.” 加请求体"
    "计算的 HMAC-SHA256，十六进制）。未知装置 404 device_not_found，签名错误 401 device_bad_signature，"
    "时间戳超出前后 5 分钟 403 device_stale_timestamp，重放 409 device_replay。",
)
def device_alarm(request: HttpRequest, device_id: int) -> Any:
    from .devices import device_alarm as raise_alarm

    report = raise_alarm(
        device_id=device_id,
        timestamp=request.headers.get("X-Anxin-Timestamp"),
        signature=request.headers.get("X-Anxin-Signature"),
        body=request.body,
    )
    return Status(201, {"report": report.pk, "urgent": report.urgent})
