"""Small template helpers of the case pages (and the intake report page's link to its case)."""

from __future__ import annotations

from typing import Any

from django import template

from anxin.access.matrix import can_at

register = template.Library()

#: Colours of deadline urgency words (:func:`anxin.cases.deadlines.urgency`).
URGENCY_CLASSES = {
    "overdue": "text-bg-danger",
    "soon": "text-bg-warning",
    "unknown": "text-bg-secondary",
    "ok": "text-bg-success",
    "done": "text-bg-light border",
}

STATE_CLASSES = {
    "accepted": "text-bg-info",
    "emergency": "text-bg-danger",
    "investigating": "text-bg-primary",
    "pending": "text-bg-warning",
    "determined": "text-bg-dark",
    "measures": "text-bg-primary",
    "aftercare": "text-bg-info",
    "closed": "text-bg-light border",
    "not_bullying": "text-bg-secondary",
    "referred": "text-bg-danger",
    "reexamination": "text-bg-warning",
}


@register.filter
def deadline_label(deadline: Any) -> str:
    from ..deadlines import deadline_label as label

    return label(deadline)


@register.filter
def due_phrase(due_on: Any) -> str:
    """还剩 N 个工作日 / 今天到期 / 已逾期 N 个工作日 (see :func:`anxin.cases.deadlines.due_phrase`)."""
    from ..deadlines import due_phrase as phrase

    return phrase(due_on)


@register.filter
def urgency_class(word: str) -> str:
    return URGENCY_CLASSES.get(word, "text-bg-light border")


@register.filter
def state_class(status: str) -> str:
    return STATE_CLASSES.get(status, "text-bg-light border")


@register.simple_tag(takes_context=True)
def may_open_case_at(context: Any, school: Any) -> bool:
    """Whether the person looking may open a case at this school."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and school is not None and can_at(user, "case", "open", school.path))


@register.simple_tag
def case_of_report(report: Any) -> Any:
    """The case an intake report was opened as, if any."""
    from ..models import Case

    if report is None or report.pk is None:
        return None
    return Case.objects.filter(report_links__report_id=report.pk).only("pk", "number").first()
