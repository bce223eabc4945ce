"""Helpers shared by the case services: the log, notifications, state checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from anxin.core.errors import Conflict, ErrorCode, Invalid
from anxin.core.notify import notify
from anxin.org.models import Unit

from ..errors import CaseError
from ..models import (
    Case,
    CaseEvent,
    EventKind,
)
from ..selectors import bureau_people
from ..states import State

MAX_ATTACHMENT = 10 * 1024 * 1024


def _now() -> datetime:
    return timezone.now()


def _url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def _log(
    case: Case,
    kind: str,
    title: str,
    *,
    actor: Any = None,
    body: str = "",
    at: datetime | None = None,
    **data: Any,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, at=at or _now(), actor=actor, title=title[:200], body=body, data=data
    )


def _tell(
    case: Case,
    people: list[Any],
    title: str,
    *,
    body: str = "",
    urgent: bool = False,
    key: str = "",
    email: bool = True,
    sms: bool = False,
    actor: Any = None,
) -> int:
    """Notify staff in the app (and by email), and write who was told into the case log."""
    people = [p for p in {p.pk: p for p in people if p is not None}.values()]
    if not people:
        return 0
    notify(
        people, title=title, body=body, url=_url(case), urgent=urgent, subject_key=key, email=email, sms=sms
    )
    names = "、".join(p.full_name or p.username for p in people)
    _log(
        case,
        EventKind.NOTIFICATION,
        _("已通知：%(names)s") % {"names": names},
        actor=actor,
        body=title,
        recipients=[p.pk for p in people],
    )
    return len(people)


def _number(school: Unit, today: date) -> str:
    prefix = f"{school.code}-{today.year}-"
    last = Case.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"] or f"{prefix}0000"
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1:04d}"


def _invalid_from(form: Any) -> Invalid:
    detail = {field: [str(e) for e in errors] for field, errors in form.errors.items()}
    names = [str(form.fields[f].label) if f in form.fields else f for f in detail if f != "__all__"]
    message = _("请补全或更正：%(fields)s。") % {"fields": "、".join(names)} if names else _("输入有误。")
    return Invalid(message, code=ErrorCode.MISSING_INPUTS, detail=detail)


def _add_watchers(case: Case, people: list[Any]) -> None:
    people = [p for p in people if p is not None]
    if people:
        case.watchers.add(*people)


def _tell_bureau(case: Case, why: str, *, actor: Any) -> None:
    """A serious case or a police referral: the county bureau is told at once (DOMAIN.md §3.6)."""
    case.serious = True
    if case.bureau_notified_at is None:
        case.bureau_notified_at = _now()
    _tell(
        case,
        bureau_people(case.school),
        _("严重欺凌案件报告：%(school)s %(number)s") % {"school": case.school.name, "number": case.number},
        body=why,
        urgent=True,
        key=f"case:{case.pk}:bureau",
        actor=actor,
    )


def due_words(deadline: Any) -> str:
    if deadline.due_on is None:
        return _("%(year)s 年节假日安排未录入，暂无法计算（请管理员录入）") % {"year": deadline.calendar_gap}
    unit = _("工作日") if deadline.unit == "working" else _("自然日")
    words = _("%(due)s（%(days)s 个%(unit)s）") % {
        "due": deadline.due_on.isoformat(),
        "days": deadline.days,
        "unit": unit,
    }
    if deadline.calendar_gap:
        words += provisional_words(deadline.calendar_gap)
    return words


def provisional_words(year: int) -> str:
    """What a 暂定 deadline says everywhere it shows."""
    return _("，暂定：%(year)s 年节假日安排尚未录入，按法定节日和周末推算，录入后自动重算") % {"year": year}


def _check_state(case: Case, step: Any) -> None:
    if case.status not in step.sources or (step.applies is not None and not step.applies(case)):
        raise Conflict(
            _("案件当前为“%(state)s”，不能执行“%(action)s”。")
            % {"state": State(case.status).label, "action": step.label},
            code=ErrorCode.TRANSITION_NOT_ALLOWED,
            detail={"status": case.status, "action": step.name},
        )


def _move(case: Case, name: str, target: str | None = None) -> None:
    method = getattr(case, f"do_{name}")
    try:
        method(target) if target is not None else method()
    except TransitionNotAllowed as e:  # the table and the check above disagree: a bug, but never a 500
        raise Conflict(_("该操作不允许。"), code=ErrorCode.TRANSITION_NOT_ALLOWED) from e


def _not_ready(reasons: dict[str, str]) -> Conflict:
    return Conflict(
        _("尚不能执行此操作：%(why)s") % {"why": "；".join(reasons.values())},
        code=CaseError.CASE_NOT_READY,
        detail=reasons,
    )
