"""Taking an action on a case: the single entry point for pages, the API, the CLI and tasks."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import require
from anxin.audit.services import audit_record
from anxin.core.errors import ErrorCode, Invalid, NotFound
from anxin.intake.models import Report
from anxin.org.models import User

from .. import deadlines, events
from ..errors import CaseError
from ..forms import FORMS
from ..models import (
    Case,
    EventKind,
    PartyRole,
)
from ..states import State
from ..workflow import STEPS
from .common import (
    _check_state,
    _invalid_from,
    _log,
    _move,
)
from .handlers import HANDLERS, _apply_reexam


def case_act(*, actor: User, case: Case, action: Any, data: Any = None, files: Any = None) -> Case:
    """Take one action of the workflow table on a case (see the module docstring)."""
    step = STEPS.get(action) if isinstance(action, str) else None
    if step is None:
        raise Invalid(_("未知的操作。"), code=ErrorCode.UNKNOWN_ACTION, detail={"action": sorted(STEPS)})
    require(actor, "case", step.permission, case)
    _check_state(case, step)
    form = FORMS[step.name](data or {}, case=case, files=files, viewer=actor)
    if not form.is_valid():
        raise _invalid_from(form)
    handler = HANDLERS[step.name]
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("school", "policy", "owner").get(pk=case.pk)
        _check_state(locked, step)  # someone may have moved it since
        before = locked.status
        extra = handler(locked, actor, form.cleaned_data, form) or {}
        if step.target is not None and not isinstance(step.target, tuple):
            _move(locked, step.name)
        locked.save()
        deadlines.refresh_next_due(locked)
        if locked.status != before:
            _log(
                locked,
                EventKind.TRANSITION,
                _("%(from)s → %(to)s") % {"from": State(before).label, "to": State(locked.status).label},
                actor=actor,
                **{"from": before, "to": locked.status, "action": step.name},
            )
        audit_record(
            actor=actor,
            action=events.step_taken(step.name),
            unit=locked.school,
            subject=locked,
            before={"status": before},
            after={"status": locked.status, **extra},
        )
    return locked


def reexam_apply_by_receipt(*, report: Report, reason: Any) -> Case:
    """The reporter, when they are the child the report is about, applies for re-examination themselves."""
    from ..selectors import case_for_receipt

    case = case_for_receipt(report)
    if case is None:
        raise NotFound()
    step = STEPS["apply_reexam"]
    _check_state(case, step)
    if report.about != "self":
        raise Invalid(
            _("只有当事学生本人可以通过回执码申请复查；其他情况请联系学校。"), code=CaseError.NOT_A_PARTY
        )
    if report.anonymous:
        # Whoever holds an anonymous receipt may be a bystander: the appeal is the parties' right.
        raise Invalid(
            _("匿名来信无法确认是当事学生本人，不能通过回执码申请复查；请由当事学生或家长联系学校申请。"),
            code=CaseError.NOT_A_PARTY,
        )
    target = case.parties.filter(role=PartyRole.TARGET).order_by("pk").first()
    if target is None:
        raise Invalid(_("学校尚未登记当事人，请联系学校申请复查。"), code=CaseError.NOT_A_PARTY)
    data = {"applicant": target.pk, "applied_on": timezone.localdate().isoformat(), "reason": reason}
    form = FORMS["apply_reexam"](data, case=case)
    if not form.is_valid():
        raise _invalid_from(form)
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("school", "policy").get(pk=case.pk)
        _check_state(locked, step)
        before = locked.status
        extra = _apply_reexam(locked, None, form.cleaned_data, form, via_receipt=True)
        _move(locked, "apply_reexam")
        locked.save()
        deadlines.refresh_next_due(locked)
        _log(
            locked,
            EventKind.TRANSITION,
            _("%(from)s → %(to)s") % {"from": State(before).label, "to": State(locked.status).label},
            **{"from": before, "to": locked.status, "action": "apply_reexam"},
        )
        audit_record(
            actor=None,
            action=events.step_taken("apply_reexam"),
            unit=locked.school,
            subject=locked,
            to_the_minute=True,
            before={"status": before},
            after={"status": locked.status, "via": "receipt", **extra},
        )
    return locked
