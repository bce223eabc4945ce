"""Pages of the early warnings: the list, one warning with its forms, the per-school risk view.

Thin: parse, call a selector or service, render. Out-of-reach rows are 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anxin.access.matrix import allowed, can
from anxin.core.errors import ServiceError
from anxin.core.params import query_int
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services
from .models import Rule, Status


@login_required
@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not allowed(user, "ledger_warning", "view"):
        raise Http404
    if selectors.counts_only(user):
        return render(
            request,
            "ledgers/warnings/counts.html",
            {"rows": selectors.school_counts(user), "rules": Rule.choices},
        )
    status = request.GET.get("status", "live")
    if status not in {"live", "", *Status.values}:
        status = "live"
    qs = selectors.warnings_visible(user, status=status, mine=request.GET.get("mine") == "1")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    names = selectors.subject_names(user, list(page))
    rows = [{"w": w, "name": names.get(w.pk, w.subject_label)} for w in page]
    return render(
        request,
        "ledgers/warnings/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": Status.choices,
            "mine": request.GET.get("mine") == "1",
            "can_risk": selectors.schools_for(user).exists(),
        },
    )


@login_required
@require_GET
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if selectors.counts_only(request.user):
        raise Http404
    warning = selectors.warning_get(request.user, pk)
    names = selectors.subject_names(request.user, [warning])
    return render(
        request,
        "ledgers/warnings/detail.html",
        {
            "w": warning,
            "name": names.get(warning.pk, warning.subject_label),
            "can_handle": warning.live and can(request.user, "ledger_warning", "handle", warning),
            "steps": selectors.reminder_steps(request.user, warning),
            "addressed": list(warning.addressed.all()),
        },
    )


@login_required
@require_POST
def warning_do(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if selectors.counts_only(request.user):
        raise Http404
    warning = selectors.warning_get(request.user, pk)
    try:
        services.warning_action(
            actor=request.user,
            warning=warning,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("ledgers:warning", pk=warning.pk)
    messages.success(request, _("已记录。"))
    return redirect("ledgers:warning", pk=warning.pk)


@login_required
@require_GET
def risk(request: HttpRequest) -> HttpResponse:
    schools = selectors.schools_for(request.user)
    if not schools.exists():
        raise Http404
    chosen = query_int(request.GET, "school")
    school = schools.filter(pk=chosen).first() if chosen is not None else None
    school = school or schools.first()
    view = selectors.risk_view(school, timezone.localdate())
    return render(
        request, "ledgers/warnings/risk.html", {"v": view, "schools": schools[:500], "school": school}
    )
