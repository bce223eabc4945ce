"""Pages of the 舆情 register: the list with filters, registering an event, one event with its steps.

Thin: parse, call a selector or service, render. Bad input is shown back with its Chinese message
and a 400; what the caller may not see is 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.access.matrix import can
from anxin.core.errors import ServiceError
from anxin.core.params import query_int
from anxin.org.requests import AuthenticatedRequest
from anxin.org.selectors import input_id

from . import selectors, services
from .models import Heat, OpinionEvent, Source, Status, StepKind


def _rows(events: list[OpinionEvent]) -> list[dict[str, Any]]:
    now = timezone.now()
    out = []
    for e in events:
        c = selectors.clock(e, now)
        out.append({"e": e, "clock": c, "clock_label": selectors.clock_label(c)})
    return out


@login_required
@require_GET
def opinion_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.can_view(user):
        raise Http404
    f: dict[str, Any] = {
        "status": request.GET.get("status", "open"),
        "source": request.GET.get("source", ""),
        "heat": request.GET.get("heat", ""),
        "school": query_int(request.GET, "school"),
        "overdue": request.GET.get("overdue") == "1",
    }
    qs = selectors.opinion_list(
        user,
        status=f["status"],
        source=f["source"] if f["source"] in Source.values else "",
        heat=f["heat"] if f["heat"] in Heat.values else "",
        school_id=f["school"],
        overdue=f["overdue"],
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/opinion/list.html",
        {
            "page": page,
            "rows": _rows(list(page)),
            "f": f,
            "statuses": Status.choices,
            "sources": Source.choices,
            "heats": Heat.choices,
            "schools": selectors.opinion_schools(user),
            "can_change": selectors.can_change(user),
        },
    )


def _new_context(request: HttpRequest, data: dict[str, Any], error: ServiceError | None) -> dict[str, Any]:
    return {
        "data": data,
        "error": error,
        "sources": Source.choices,
        "heats": Heat.choices,
        "schools": list(selectors.schools_for(request.user)[:1000]),
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def opinion_new(request: AuthenticatedRequest) -> HttpResponse:
    if not selectors.can_change(request.user):
        raise Http404
    if request.method == "GET":
        return render(request, "oversight/opinion/new.html", _new_context(request, {"heat": "normal"}, None))
    data = {
        k: request.POST.get(k, "")
        for k in ("school", "source", "link", "first_seen", "summary", "heat", "case")
    }
    try:
        event = services.opinion_create(
            actor=request.user,
            school=input_id(data["school"]),
            source=data["source"],
            link=data["link"],
            first_seen=services.parse_local(data["first_seen"]),
            summary=data["summary"],
            heat=data["heat"],
            case_number=data["case"],
        )
    except ServiceError as exc:
        return render(
            request,
            "oversight/opinion/new.html",
            _new_context(request, data, exc),
            status=exc.status if exc.status < 500 else 400,
        )
    messages.success(request, _("已登记舆情。"))
    return redirect("oversight_opinion:detail", pk=event.pk)


def _detail(
    request: HttpRequest,
    event: OpinionEvent,
    error: ServiceError | None = None,
    data: dict[str, Any] | None = None,
) -> HttpResponse:
    c = selectors.clock(event)
    return render(
        request,
        "oversight/opinion/detail.html",
        {
            "e": event,
            "steps": list(event.steps.select_related("recorded_by")),
            "clock": c,
            "clock_label": selectors.clock_label(c),
            "can_change": event.can_add_step() and can(request.user, "opinion", "change", event),
            "kinds": StepKind.choices,
            "error": error,
            "data": data or {},
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
        status=(error.status if error.status < 500 else 400) if error else 200,
    )


@login_required
@require_GET
def opinion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.opinion_get(request.user, pk))


@login_required
@require_POST
def opinion_step(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event = selectors.opinion_get(request.user, pk)
    data = {k: request.POST.get(k, "") for k in ("kind", "note", "at")}
    try:
        services.opinion_step_add(
            actor=request.user,
            event=event,
            kind=data["kind"],
            note=data["note"],
            at=services.parse_local(data["at"]),
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        return _detail(request, event, exc, data)
    messages.success(request, _("已记录。"))
    return redirect("oversight_opinion:detail", pk=event.pk)
