"""Every write of the gate's ledgers. Keyword-only, one transaction each, audited.

Visitors, exits and items go through :func:`anxin.ledgers.base.ledger_record` (idempotent on the
client key). A leave pass is placed at the student's class, not at the school, because a class
teacher approves leave for their own class only (ledger_record's ``unit``).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import require
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, Invalid, NotFound
from anxin.core.notify import notify
from anxin.core.params import parse_id
from anxin.intake.images import clean_image
from anxin.ledgers import events
from anxin.ledgers.base import Recorded, ledger_record, written_now
from anxin.ledgers.errors import LedgerError
from anxin.org.models import Unit
from anxin.org.selectors import resolve_student

from . import selectors
from .models import DangerousItem, ExitOutcome, ItemKind, LeavePass, StopAction, StudentExit, Visitor
from .selectors import EXIT, ITEM, LEAVE, VISITOR

_SEPARATORS = re.compile(r"[\s\-]+")


def clean_id_last4(raw: Any) -> str:
    """The last four characters of an identity card, upper-cased; a full number is refused.

    Nothing of a refused value is kept or echoed: the message never repeats what was typed.
    """
    value = _SEPARATORS.sub("", str(raw or "")).upper()
    if len(value) >= 15:
        raise Invalid(
            _("请勿输入完整身份证号：本系统只保存身份证号的后4位，请只输入最后4位。"),
            code=LedgerError.ID_NUMBER_FULL,
            detail={"id_last4": [_("只保存身份证号后4位。")]},
        )
    if not re.fullmatch(r"[0-9X]{4}", value):
        raise Invalid(
            _("请输入身份证号后4位（4位数字，最后一位可以是X）。"),
            code=LedgerError.BAD_ID_LAST4,
            detail={"id_last4": [_("请输入4位：数字或X。")]},
        )
    return value


def visitor_record(
    *,
    actor: Any,
    school: Unit,
    client_key: Any,
    name: str,
    id_last4: Any,
    reason: str,
    phone: str = "",
    host_id: Any = None,
    host_text: str = "",
    items: str = "",
    time_in: datetime | None = None,
) -> Recorded:
    last4 = clean_id_last4(id_last4)
    host = None
    if host_id not in (None, ""):
        host = selectors.school_staff(school).filter(pk=_int(host_id)).first()
        if host is None:
            raise Invalid(
                _("被访教职工不在本校。"), code=LedgerError.BAD_HOST, detail={"host": [_("请重新选择。")]}
            )
    host_text = (host_text or "").strip()
    if host is None and not host_text:
        raise Invalid(
            _("请选择被访教职工，或填写被访人姓名/班级。"),
            code=LedgerError.MISSING_HOST,
            detail={"host_text": [_("必填")]},
        )
    return ledger_record(
        Visitor,
        actor=actor,
        school=school,
        resource=VISITOR,
        client_key=client_key,
        audit_action=events.GATE_VISITOR_RECORDED,
        name=(name or "").strip(),
        id_last4=last4,
        phone=(phone or "").strip(),
        host=host,
        host_text=host_text,
        reason=(reason or "").strip(),
        items=(items or "").strip(),
        time_in=time_in or written_now(),
    )


def visitor_check_out(*, actor: Any, visitor_id: Any, at: datetime | None = None) -> Visitor:
    """离校: set the time out once. A second tap (or a resent offline tap) changes nothing."""
    visitor = selectors.visitor_get(actor, visitor_id)
    require(actor, VISITOR, "record", visitor)
    if not visitor.can_check_out():
        return visitor
    moment = at or written_now()
    with transaction.atomic():
        changed = Visitor.objects.filter(pk=visitor.pk, time_out__isnull=True).update(time_out=moment)
        if changed:
            visitor.time_out = moment
            audit_record(
                actor=actor,
                action=events.GATE_VISITOR_LEFT,
                unit=visitor.school,
                subject=visitor,
                after={"time_out": moment.isoformat()},
            )
    if not changed:
        visitor.refresh_from_db()
    return visitor


def leave_approve(
    *, actor: Any, student_id: Any, starts_at: datetime, ends_at: datetime, reason: str, client_key: Any
) -> Recorded:
    """批准请假: by the student's class teacher or the school's moral-education office and leaders."""
    student = resolve_student(actor, student_id, for_="gate_leave")
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise Invalid(
            _("请假结束时间必须晚于开始时间。"),
            code=LedgerError.BAD_LEAVE_SPAN,
            detail={"ends_at": [_("结束时间有误。")]},
        )
    return ledger_record(
        LeavePass,
        actor=actor,
        school=student.school,
        unit=student.klass,
        resource=LEAVE,
        client_key=client_key,
        audit_action=events.GATE_LEAVE_APPROVED,
        audit_after={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
        student=student,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=(reason or "").strip(),
    )


#: A 销假 may be written a little ahead of the server's clock (a phone's clock runs fast), not more.
RETURN_CLOCK_SKEW = timedelta(minutes=5)


def leave_return(*, actor: Any, leave_id: Any, at: datetime | None = None) -> LeavePass:
    """销假: the pupil is back. By the gate staff, the class teacher or the school's leaders.

    ``at`` is when the pupil came back (now when not given). An unknown pass, or one the caller may
    not return, is 404; a return before the leave began, in the future, or a second one is refused.
    """
    leave = selectors.leave_for_return(actor, leave_id)
    now = timezone.now()
    moment = now if at is None else at
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        raise Invalid(
            _("销假时间格式不正确。"), code=LedgerError.BAD_TIME, detail={"returned_at": [_("格式不正确")]}
        )
    if moment > now + RETURN_CLOCK_SKEW:
        raise Invalid(
            _("销假时间不能晚于现在。"),
            code=LedgerError.TIME_IN_FUTURE,
            detail={"returned_at": [_("不能晚于现在")]},
        )
    if moment < leave.starts_at:
        raise Invalid(
            _("销假时间不能早于请假开始时间。"),
            code=LedgerError.RETURN_BEFORE_START,
            detail={"returned_at": [_("早于请假开始时间")]},
        )
    with transaction.atomic():
        moved = LeavePass.objects.filter(pk=leave.pk, returned_at__isnull=True).update(
            returned_at=moment, returned_by=actor
        )
        if moved != 1:
            raise Conflict(_("这张请假条已经销假，不能重复销假。"), code=LedgerError.ALREADY_RETURNED)
        leave.refresh_from_db()
        audit_record(
            actor=actor,
            action=events.GATE_LEAVE_RETURNED,
            unit=leave.school,
            subject=leave,
            after={"returned_at": moment.isoformat(), "late": moment > leave.ends_at},
        )
    return leave


def exit_record(
    *,
    actor: Any,
    student_id: Any,
    client_key: Any,
    action: str = "",
    note: str = "",
    at: datetime | None = None,
) -> Recorded:
    """学生出校: let through when an approved leave pass covers now, otherwise recorded as stopped.

    A stopped exit needs what the guard did, and tells the student's class teacher in the app.
    """
    student = selectors.gate_student_get(actor, student_id)
    moment = at or written_now()
    leave = selectors.leave_covering(student, moment)
    if leave is not None:
        outcome, action = ExitOutcome.ALLOWED, ""
    else:
        outcome = ExitOutcome.STOPPED
        if action not in StopAction.values:
            raise Invalid(
                _(
                    "该学生没有覆盖当前时间的请假条，应拦下；请选择处理方式（联系班主任、通知家长或返回教室）。"
                ),
                code=LedgerError.MISSING_STOP_ACTION,
                detail={"action": [_("请选择处理方式。")]},
            )
    with transaction.atomic():
        recorded = ledger_record(
            StudentExit,
            actor=actor,
            school=student.school,
            resource=EXIT,
            client_key=client_key,
            audit_action=events.GATE_EXIT_RECORDED,
            audit_after={"outcome": str(outcome), "action": action},
            student=student,
            outcome=outcome,
            leave=leave,
            action=action,
            note=(note or "").strip(),
            recorded_at=moment,
        )
        if recorded.created and outcome == ExitOutcome.STOPPED:
            _tell_class_teacher(recorded.entry)
    return recorded


def _tell_class_teacher(entry: StudentExit) -> None:
    student = entry.student
    notify(
        selectors.class_teachers(student.klass),
        title=_("学生在校时间出校被拦下"),
        body=_("%(name)s（%(klass)s）于 %(time)s 未持请假条出校，门卫已拦下。处理：%(action)s。")
        % {
            "name": student.name,
            "klass": student.klass.display_name,
            "time": timezone.localtime(entry.recorded_at).strftime("%H:%M"),
            "action": entry.get_action_display(),
        },
        url=reverse("ledgers:gate_exits") + "?stopped=1",
        subject_key=f"ledger_gate_exit:{entry.pk}",
        fresh=True,
    )


def item_record(
    *,
    actor: Any,
    school: Unit,
    client_key: Any,
    kind: str,
    action: str,
    description: str = "",
    student_id: Any = None,
    visitor_id: Any = None,
    photo: IO[bytes] | None = None,
    photo_name: str = "",
) -> Recorded:
    """危险物品: what was found, from whom (optional), what was done; a photo if taken."""
    description = (description or "").strip()
    if kind == ItemKind.OTHER and not description:
        raise Invalid(
            _("选择“其他”时请写明是什么物品。"),
            code=LedgerError.MISSING_DESCRIPTION,
            detail={"description": [_("选择“其他”时请写明是什么物品。")]},
        )
    student = None
    if student_id not in (None, ""):
        student = selectors.gate_student_get(actor, student_id, resource=ITEM)
        if student.school_id != school.pk:
            raise NotFound()
    visitor = None
    if visitor_id not in (None, ""):
        visitor = selectors.visitor_get(actor, _int(visitor_id))
        if visitor.school_id != school.pk:
            raise NotFound()
    image = clean_image(photo, name=photo_name) if photo is not None else None

    def attach(entry: DangerousItem) -> None:
        if image is not None:
            # A random name: the uploaded file name may carry a child's name or the device's.
            entry.photo.save(f"{uuid.uuid4().hex}.{image.extension}", ContentFile(image.data), save=False)
            entry.photo_type = image.content_type

    return ledger_record(
        DangerousItem,
        actor=actor,
        school=school,
        resource=ITEM,
        client_key=client_key,
        audit_action=events.GATE_ITEM_RECORDED,
        audit_after={"kind": kind, "action": action},
        before_save=attach,
        kind=kind,
        description=description,
        student=student,
        visitor=visitor,
        action=action,
    )


def _int(raw: Any) -> int:
    value = parse_id(raw)
    if value is None:
        raise NotFound()
    return value
