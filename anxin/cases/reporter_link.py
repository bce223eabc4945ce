"""The case as its reporter sees it through the public 爱心信箱 (registered in anxin.intake.case_link).

Where the case stands in the reporter's four steps and in plain words, and whether the reporter
may apply for re-examination themselves: nobody's details.
"""

from __future__ import annotations

from django.utils import timezone

from anxin.intake.case_link import CaseProgress
from anxin.intake.models import About, PublicStatus, Report

from .models import Case
from .selectors import case_for_receipt
from .services import reexam_apply_by_receipt
from .states import PUBLIC_WORDS, DeadlineKind, State
from .workflow import APPEALABLE, appeal_open

#: Where a case stands on the reporter's four steps; the words under them are the case's own.
CASE_PROGRESS = {
    State.ACCEPTED: PublicStatus.VERIFYING,
    State.EMERGENCY: PublicStatus.VERIFYING,
    State.INVESTIGATING: PublicStatus.VERIFYING,
    State.PENDING: PublicStatus.VERIFYING,
    State.DETERMINED: PublicStatus.HANDLED,
    State.NOT_BULLYING: PublicStatus.HANDLED,
    State.MEASURES: PublicStatus.HANDLED,
    State.AFTERCARE: PublicStatus.HANDLED,
    State.REFERRED: PublicStatus.HANDLED,
    State.REEXAMINATION: PublicStatus.HANDLED,
    State.CLOSED: PublicStatus.CLOSED,
}


class ReporterLink:
    def progress(self, report: Report) -> CaseProgress | None:
        linked = case_for_receipt(report)
        if linked is None:
            return None
        # Read afresh: the report may hold the case as it was before an action of this request.
        case = Case.objects.get(pk=linked.pk)
        reexam, due = "", None
        # Only a reporter the school can identify as the hurt child (a confidential letter about
        # themselves): an anonymous writer may be a bystander, and the appeal is the parties' right.
        if (
            report.about == About.SELF
            and not report.anonymous
            and case.status in APPEALABLE
            and appeal_open(case)
        ):
            appeal = case.deadlines.filter(kind=DeadlineKind.APPEAL, cancelled=False).order_by("-pk").first()
            due = appeal.due_on if appeal is not None else None
            reexam = "late" if due is not None and timezone.localdate() > due else "open"
        return CaseProgress(
            CASE_PROGRESS.get(case.status, PublicStatus.VERIFYING),
            str(PUBLIC_WORDS[case.status]),
            case_status=case.status,
            reexam=reexam,
            appeal_due=due,
        )

    def apply_reexam(self, report: Report, reason: str) -> None:
        reexam_apply_by_receipt(report=report, reason=reason)
