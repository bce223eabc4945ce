"""Staff pages of the survey: campaigns, live response rates, printing a class's codes, reminders,
results. Thin: parse, call a selector or service, render; what the caller may not see is 404."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.audit.services import audit_record
from anxin.core.errors import ErrorCode, ServiceError
from anxin.core.params import query_int
from anxin.core.pdf import FontMissing
from anxin.org.models import Student, Unit, UnitKind
from anxin.org.requests import AuthenticatedRequest
from anxin.org.selectors import input_id

from . import events, printing, selectors, services


def base_url(request: HttpRequest) -> str:
    configured = getattr(settings, "ANXIN_PUBLIC_BASE_URL", "") or ""
    return configured.rstrip("/") + "/" if configured else request.build_absolute_uri("/")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value and len(value.strip()) == 10 else None
    except ValueError:
        return None


def parse_extra(text: str) -> list[dict[str, Any]]:
    """One extra item a line: "题目|选项1|选项2…"."""
    out = []
    for line in (text or "").splitlines()[:50]:
        parts = [p.strip() for p in line.split("|")]
        if parts and parts[0]:
            out.append({"text": parts[0], "options": [p for p in parts[1:] if p]})
    return out


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if selectors.reach_nothing(request.user):
        raise Http404
    campaigns = list(selectors.campaigns_visible(request.user)[:100])
    return render(
        request,
        "surveys/index.html",
        {"campaigns": campaigns, "today": timezone.localdate(), "can_open": selectors.can_open(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def new(request: AuthenticatedRequest) -> HttpResponse:
    if not selectors.can_open(request.user):
        raise Http404
    bureaus = list(selectors.bureaus_for(request.user)[:200])
    data = {k: request.POST.get(k, "") for k in ("bureau", "title", "starts_on", "ends_on", "extra")}
    error: ServiceError | None = None
    if request.method == "POST":
        bureau = next((b for b in bureaus if b.pk == input_id(data["bureau"])), None)
        try:
            if bureau is None:
                raise services.Invalid(_("请选择发起单位。"), code=ErrorCode.INVALID)
            campaign = services.campaign_open(
                actor=request.user,
                bureau=bureau,
                title=data["title"],
                starts_on=_day(data["starts_on"]),
                ends_on=_day(data["ends_on"]),
                extra_items=parse_extra(data["extra"]),
            )
        except ServiceError as exc:
            error = exc
        else:
            messages.success(request, _("已发起专项调查，辖区各校可以打印答题码了。"))
            return redirect("surveys:campaign", pk=campaign.pk)
    return render(
        request,
        "surveys/new.html",
        {"bureaus": bureaus, "data": data, "error": error},
        status=(error.status if error.status < 500 else 400) if error else 200,
    )


def _class_sizes(school: Unit) -> dict[int, int]:
    return dict(
        Student.objects.filter(klass__school=school, is_active=True)
        .values("klass_id")
        .annotate(n=Count("pk"))
        .values_list("klass_id", "n")
    )


@login_required
@require_GET
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.campaign_get(request.user, pk)
    user = request.user
    schools = selectors.school_rates(c, user=user)
    school_id = query_int(request.GET, "school")
    school = next((r["school"] for r in schools if r["school"].pk == school_id), None)
    if school is None and len(schools) == 1:
        school = schools[0]["school"]
    classes = selectors.class_rates(user, c, school) if school is not None else []
    sizes = _class_sizes(school) if school is not None else {}
    for row in classes:
        row["size"] = sizes.get(row["klass"].pk, 0)
        row["can_print"] = selectors.can_print(user, row["klass"]) and row["grade"] >= 3
    total_issued = sum(r["issued"] for r in schools)
    total_used = sum(r["used"] for r in schools)
    return render(
        request,
        "surveys/campaign.html",
        {
            "c": c,
            "schools": schools,
            "school": school,
            "classes": classes,
            "issued": total_issued,
            "used": total_used,
            "rate": total_used / total_issued if total_issued else None,
            "can_remind": selectors.can_change_campaign(user, c) and c.ends_on >= timezone.localdate(),
            "can_results": selectors.can_read_results(user),
            "open": c.is_open(timezone.localdate()),
            "printable": c.can_print_codes(timezone.localdate()),
            "remind_below": int(services.REMIND_BELOW * 100),
        },
    )


@login_required
@require_POST
def issue(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    c = selectors.campaign_get(request.user, pk)
    klass_id = input_id(request.POST.get("klass"))
    klass = Unit.objects.filter(pk=klass_id or 0, kind=UnitKind.CLASS).first()
    if klass is None or not selectors.can_print(request.user, klass):
        raise Http404
    raw = request.POST.get("count", "").strip()
    count = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 5 else -1
    try:
        made = services.codes_issue(actor=request.user, campaign=c, klass=klass, count=count)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(f"{_campaign_url(c)}?school={klass.school_id}", permanent=False)
    messages.success(
        request, _("已为 %(klass)s 生成 %(n)s 个答题码。") % {"klass": klass.name, "n": len(made)}
    )
    return redirect(f"{_campaign_url(c)}?school={klass.school_id}")


def _campaign_url(c: Any) -> str:
    from django.urls import reverse

    return reverse("surveys:campaign", args=[c.pk])


@login_required
@require_GET
def slips(request: AuthenticatedRequest, pk: int, klass_id: int) -> HttpResponse:
    c = selectors.campaign_get(request.user, pk)
    klass, codes = selectors.codes_for_class(request.user, c, klass_id)
    try:
        pdf = printing.slips_pdf(c, klass, codes, base_url=base_url(request))
    except FontMissing as exc:
        return render(
            request,
            "surveys/unavailable.html",
            {"install": exc.install_command},
            status=503,
        )
    name = _("%(klass)s-答题码") % {"klass": f"{klass.school.name if klass.school else ''}{klass.name}"}
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"survey-codes-{klass.pk}.pdf\"; filename*=UTF-8''{quote(name + '.pdf', safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def remind(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    c = selectors.campaign_get(request.user, pk)
    try:
        told = services.campaign_remind(actor=request.user, campaign=c)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提醒 %(n)s 所答题率偏低的学校。") % {"n": told})
    return redirect("surveys:campaign", pk=c.pk)


def _results_for(request: AuthenticatedRequest, pk: int) -> tuple[Any, selectors.Results]:
    c = selectors.campaign_get(request.user, pk)
    if not selectors.can_read_results(request.user):
        raise Http404
    school_id = query_int(request.GET, "school")
    school = None
    if school_id is not None:
        school = selectors.results_schools(request.user, c).filter(pk=school_id).first()
        if school is None:
            raise Http404
    res = selectors.results(request.user, c, school=school)
    audit_record(
        actor=request.user,
        action=events.RESULTS_READ,
        unit=res.school or c.bureau,
        subject=c,
        after={"school": res.school.pk if res.school else None},
    )
    return c, res


@login_required
@require_GET
def results_xlsx(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    from .export import results_xlsx as build

    c, res = _results_for(request, pk)
    name = _("%(title)s-%(scope)s-调查结果.xlsx") % {"title": c.title, "scope": res.scope_label}
    response = HttpResponse(
        build(res), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"survey-{c.pk}.xlsx\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def results_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    c, res = _results_for(request, pk)
    try:
        data = printing.results_pdf(res)
    except FontMissing as exc:
        return render(request, "surveys/unavailable.html", {"install": exc.install_command}, status=503)
    name = _("%(title)s-%(scope)s-调查结果.pdf") % {"title": c.title, "scope": res.scope_label}
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"survey-{c.pk}.pdf\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def results(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    c, res = _results_for(request, pk)
    return render(
        request,
        "surveys/results.html",
        {
            "c": c,
            "r": res,
            "schools": list(selectors.results_schools(request.user, c)[:500]),
            "min_cell": selectors.MIN_CELL,
            "min_text": selectors.MIN_TEXT,
            "min_schools": selectors.MIN_SCHOOLS,
        },
    )
