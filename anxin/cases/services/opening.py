"""Opening a case, directly or from intake reports."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, ErrorCode, Invalid, NotFound
from anxin.intake.errors import IntakeError
from anxin.intake.models import Report
from anxin.intake.services import report_joined_case, report_lock_for_case
from anxin.org.models import Unit, UnitKind, User
from anxin.org.selectors import school_staff

from .. import deadlines, events
from ..forms import OpenForm
from ..models import (
    Case,
    CaseReport,
    DeadlineKind,
    EventKind,
)
from ..policy import policy_for
from ..selectors import principals
from .common import (
    _invalid_from,
    _log,
    _now,
    _number,
    _tell,
    due_words,
)


def case_open(
    *,
    actor: User,
    school: Unit,
    data: Any,
    reports: list[Report] | tuple[Report, ...] = (),
    owner: User | None = None,
) -> Case:
    """Open a case at a school, directly or from intake reports (which are then accepted)."""
    if school.kind != UnitKind.SCHOOL:
        raise NotFound()
    require_at(actor, "case", "open", school.path)
    form = OpenForm(data)
    if not form.is_valid():
        raise _invalid_from(form)
    d = form.cleaned_data
    owner = owner or actor
    if not owner.is_superuser and not school_staff(school).filter(pk=owner.pk).exists():
        raise Invalid(
            _("经办人须为本校教职工。"),
            code=ErrorCode.OWNER_NOT_STAFF,
            detail={"owner": [_("须为本校教职工。")]},
        )
    now = _now()
    with transaction.atomic():
        locked_reports = []
        for r in reports:
            report = report_lock_for_case(actor=actor, report_id=r.pk, school=school)
            if CaseReport.objects.filter(report=report).exists():
                raise Conflict(_("该报告已处理或已立案，不能再次立案。"), code=IntakeError.REPORT_NOT_OPEN)
            locked_reports.append(report)
        today = timezone.localdate()
        urgent = d["urgent"] or any(r.urgent for r in locked_reports)
        kinds = list(
            dict.fromkeys([*d["kinds"], *[k for r in locked_reports for k in (r.triage_kinds or [])]])
        )
        for attempt in range(5):
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        school=school,
                        number=_number(school, today),
                        title=d["title"],
                        narrative=d["narrative"],
                        kinds=kinds,
                        places=d["places"] or [r.place for r in locked_reports if r.place],
                        time_bands=d["time_bands"] or [r.time_band for r in locked_reports if r.time_band],
                        occurred_on=d["occurred_on"],
                        urgent=urgent,
                        owner=owner,
                        opened_by=actor,
                        opened_at=now,
                        opened_on=today,
                        policy=policy_for(school),
                    )
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        if owner.pk != actor.pk:
            # Whoever opened it (a teacher on duty for a colleague, say) can still follow it.
            case.watchers.add(actor)
        for report in locked_reports:
            CaseReport.objects.create(case=case, report=report)
            report_joined_case(actor=actor, report=report, owner=owner, at=now)
        _log(
            case,
            EventKind.OPENED,
            _("立案"),
            actor=actor,
            body=d["narrative"],
            at=now,
            reports=[r.pk for r in locked_reports],
        )
        inv = deadlines.schedule(case, DeadlineKind.INVESTIGATION, today)
        _log(case, EventKind.DEADLINE, _("调查期限：%(due)s") % {"due": due_words(inv)}, at=now)
        deadlines.refresh_next_due(case)
        if owner.pk != actor.pk:
            _tell(
                case,
                [owner],
                _("您被指定为案件 %(n)s 的经办人") % {"n": case.number},
                actor=actor,
                key=f"case:{case.pk}:owner:{owner.pk}",
            )
        _tell(
            case,
            [p for p in principals(school) if p.pk != actor.pk],
            _("新立案件 %(n)s") % {"n": case.number},
            urgent=urgent,
            key=f"case:{case.pk}:opened",
            actor=actor,
        )
        audit_record(
            actor=actor,
            action=events.CASE_CREATED,
            unit=school,
            subject=case,
            after={"status": case.status, "reports": [r.pk for r in locked_reports], "urgent": urgent},
        )
    return case
