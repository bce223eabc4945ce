"""/api/ledgers/warnings: the caller's warnings (counts only for the bureau) and acting on one."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from anxin.access.matrix import allowed
from anxin.core.errors import NotFound
from anxin.core.params import MAX_ID
from anxin.core.schemas import ErrorOut
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services
from .models import Warning

router = Router(tags=["ledgers-warnings"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class WarningOut(Schema):
    id: int
    school_id: int
    rule: str
    rule_label: str
    subject_type: str
    subject_id: int
    subject: str
    responsible_id: int | None
    reasons: list[str]
    severity: str
    status: str
    first_seen: datetime
    last_seen: datetime
    occurrences: int
    close_note: str


class CountOut(Schema):
    school_id: int
    school: str
    by_rule: dict[str, int]
    total: int


class ListOut(Schema):
    #: "items" for school staff, "counts" for the bureau (no names, no subjects).
    mode: str
    items: list[WarningOut]
    counts: list[CountOut]


class ActionIn(Schema):
    action: str
    note: str = ""


def _out(w: Warning, name: str) -> dict[str, Any]:
    return {
        "id": w.pk,
        "school_id": w.school_id,
        "rule": w.rule,
        "rule_label": str(w.get_rule_display()),
        "subject_type": w.subject_type,
        "subject_id": w.subject_id,
        "subject": name,
        "responsible_id": w.responsible_id,
        "reasons": w.reasons,
        "severity": w.severity,
        "status": w.status,
        "first_seen": w.first_seen,
        "last_seen": w.last_seen,
        "occurrences": w.occurrences,
        "close_note": w.close_note,
    }


#: Operation ids from before the app left anxin.ledgers: generated clients name their methods by them.
OLD_IDS = "anxin_ledgers_warnings_api_"


@router.get(
    "",
    response={200: ListOut, **ERRORS},
    summary="我能看到的预警（教育局只看数量）",
    operation_id=OLD_IDS + "warning_list",
)
def warning_list(request: HttpRequest, status: str = "live") -> Any:
    user = request.user
    if not allowed(user, "ledger_warning", "view"):
        raise NotFound()
    if selectors.counts_only(user):
        counts = [
            {"school_id": c.school_id, "school": c.school_name, "by_rule": c.by_rule, "total": c.total}
            for c in selectors.school_counts(user)
        ]
        return {"mode": "counts", "items": [], "counts": counts}
    rows = list(selectors.warnings_visible(user, status=status if status else "")[:200])
    names = selectors.subject_names(user, rows)
    return {"mode": "items", "items": [_out(w, names.get(w.pk, w.subject_label)) for w in rows], "counts": []}


@router.post(
    "/{int:warning_id}/actions",
    response={200: WarningOut, **ERRORS},
    summary="知悉、处置或排除预警",
    operation_id=OLD_IDS + "warning_action",
)
def warning_action(request: AuthenticatedRequest, warning_id: int, payload: ActionIn) -> Any:
    if not 0 < warning_id <= MAX_ID or selectors.counts_only(request.user):
        raise NotFound()
    warning = selectors.warning_get(request.user, warning_id)
    warning = services.warning_action(
        actor=request.user, warning=warning, action=payload.action[:30], note=payload.note
    )
    names = selectors.subject_names(request.user, [warning])
    return _out(warning, names.get(warning.pk, warning.subject_label))
