from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from anxin.core.params import PageNumberPagination

from .selectors import events_visible

router = Router(tags=["audit"])


class EventOut(Schema):
    id: int
    seq: int
    at: datetime
    actor_label: str
    action: str
    subject_type: str
    subject_id: str
    subject_label: str
    unit_path: str
    request_id: str
    before: Any = None
    after: Any = None


@router.get("/events", response=list[EventOut], summary="审计事件（本辖区）")
@paginate(PageNumberPagination, page_size=50)
def list_events(
    request: HttpRequest,
    action: str = "",
    actor: str = "",
    subject: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> Any:
    return events_visible(
        request.user,
        action=action[:60],
        actor=actor[:50],
        subject=subject[:50],
        date_from=date_from,
        date_to=date_to,
    )
