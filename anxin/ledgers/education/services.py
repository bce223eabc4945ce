"""Every write of the education ledgers: one transaction each, audited inside it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.access.matrix import require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Invalid
from anxin.intake.errors import IntakeError
from anxin.ledgers import events
from anxin.ledgers.base import Recorded, ledger_record
from anxin.ledgers.errors import LedgerError
from anxin.org.errors import OrgError
from anxin.org.models import Unit, UnitKind

from .models import ClassMeeting, DocKind, Document, DocumentVersion, EduActivity, SafetySession
from .schooldays import SessionKind


def _not_future(day: date) -> None:
    if day > timezone.localdate():
        raise Invalid(
            _("不能记录未来日期。"),
            code=LedgerError.FUTURE_DATE,
            detail={"date": [str(_("不能记录未来日期。"))]},
        )


def _class_record(
    model: type[Any],
    *,
    actor: Any,
    klass: Unit,
    resource: str,
    client_key: Any,
    audit_action: str,
    **fields: Any,
) -> Recorded:
    """An entry that sits at a class, recorded with the class teacher's reach (the class)."""
    if klass.kind != UnitKind.CLASS or not klass.is_active:
        raise Invalid(_("请选择一个班级。"), code=OrgError.NOT_A_CLASS)
    return ledger_record(
        model,
        actor=actor,
        school=klass.school,
        unit=klass,
        resource=resource,
        client_key=client_key,
        audit_action=audit_action,
        audit_after={k: str(v) for k, v in fields.items() if k != "summary"},
        klass=klass,
        **fields,
    )


def session_record(
    *, actor: Any, klass: Unit, day: date, kind: str, client_key: Any = None, note: str = ""
) -> Recorded:
    """Record the 1530 talk of one class on one day. One row per class and day: a second tap (same
    key or not) returns the first row."""
    if kind not in SessionKind.values:
        raise Invalid(
            _("类型只能是1分钟、5分钟或30分钟。"),
            code=LedgerError.BAD_KIND,
            detail={"kind": [str(_("类型不正确。"))]},
        )
    _not_future(day)
    require_at(actor, "ledger_1530", "record", klass.path)
    same_day = SafetySession.objects.filter(klass=klass, date=day).first()
    if same_day is not None:
        return Recorded(same_day, False)
    try:
        return _class_record(
            SafetySession,
            actor=actor,
            klass=klass,
            resource="ledger_1530",
            client_key=client_key,
            audit_action=events.SESSION_1530_RECORDED,
            date=day,
            kind=kind,
            note=note,
        )
    except IntegrityError:
        # Another key for the same class and day won a race.
        again = SafetySession.objects.filter(klass=klass, date=day).first()
        if again is None:
            raise
        return Recorded(again, False)


def meeting_record(
    *, actor: Any, klass: Unit, day: date, topic: str, summary: str = "", client_key: Any = None
) -> Recorded:
    _not_future(day)
    if not topic.strip():
        raise Invalid(
            _("请填写班会主题。"),
            code=LedgerError.TOPIC_REQUIRED,
            detail={"topic": [str(_("请填写班会主题。"))]},
        )
    return _class_record(
        ClassMeeting,
        actor=actor,
        klass=klass,
        resource="ledger_class_meeting",
        client_key=client_key,
        audit_action=events.CLASS_MEETING_RECORDED,
        date=day,
        topic=topic.strip(),
        summary=summary,
    )


def activity_record(
    *,
    actor: Any,
    school: Unit,
    type: str,
    day: date,
    title: str,
    summary: str = "",
    expected: int | None = None,
    present: int | None = None,
    client_key: Any = None,
) -> Recorded:
    if school.kind != UnitKind.SCHOOL:
        raise Invalid(_("请选择学校。"), code=LedgerError.NOT_A_SCHOOL)
    _not_future(day)
    return ledger_record(
        EduActivity,
        actor=actor,
        school=school,
        resource="ledger_edu_activity",
        client_key=client_key,
        audit_action=events.ACTIVITY_RECORDED,
        audit_after={
            "type": type,
            "date": str(day),
            "title": title,
            "expected": expected,
            "present": present,
        },
        type=type,
        date=day,
        title=title.strip(),
        summary=summary,
        expected=expected,
        present=present,
    )


def document_version_add(
    *, actor: Any, school: Unit, kind: str, text: str, note: str = ""
) -> DocumentVersion:
    """Edit a school document: a new version, the old ones kept as they were."""
    if kind not in DocKind.values:
        raise Invalid(_("没有这种文件。"), code=LedgerError.BAD_DOCUMENT_KIND)
    if school.kind != UnitKind.SCHOOL:
        raise Invalid(_("请选择学校。"), code=LedgerError.NOT_A_SCHOOL)
    if not text.strip():
        raise Invalid(
            _("正文不能为空。"), code=IntakeError.TEXT_REQUIRED, detail={"text": [str(_("正文不能为空。"))]}
        )
    if len(text) > 50000 or len(note) > 200:
        raise Invalid(_("内容过长。"), code=LedgerError.TOO_LONG)
    require_at(actor, "ledger_edu_document", "manage", school.path)
    with transaction.atomic():
        document, _created = Document.objects.get_or_create(school=school, kind=kind)
        # Lock the document so two editors cannot take the same version number.
        document = Document.objects.select_for_update().get(pk=document.pk)
        last = document.versions.order_by("-number").first()
        if last is not None and last.text == text:
            raise Invalid(_("内容没有变化，未生成新版本。"), code=LedgerError.UNCHANGED)
        version = DocumentVersion.objects.create(
            document=document,
            school=school,
            number=(last.number + 1 if last else 1),
            text=text,
            note=note,
            author=actor,
        )
        audit_record(
            actor=actor,
            action=events.DOCUMENT_VERSION_ADDED,
            unit=school,
            subject=version,
            after={"kind": kind, "number": version.number, "note": note},
        )
    return version
