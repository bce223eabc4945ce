"""Pages of 值班巡逻. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.access.matrix import allowed, can
from anxin.core.errors import ServiceError
from anxin.ledgers import pages
from anxin.ledgers.kit import BadPeriod, Period, read_period, schools_for_write
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services
from .forms import (
    CheckinForm,
    DormRoundForm,
    FilterForm,
    HandoverForm,
    PointDutyForm,
    PointForm,
    RotaWeekForm,
    SettingsForm,
    form_errors_text,
)

#: Patrol's names for the period in the query string (kept from before the kit).
PERIOD = ("start", "end")


def _filters(request: HttpRequest) -> tuple[FilterForm, dict[str, Any], str]:
    """The list filters; a bad value is shown as an error and the list answers 400."""
    form = FilterForm(request.GET or None)
    try:
        period = read_period(request.GET, keys=PERIOD)
    except BadPeriod as exc:
        return form, {}, exc.message
    if form.is_bound and not form.is_valid():
        return form, {}, form_errors_text(form)
    data = {**(form.cleaned_data if form.is_bound else {}), **period.as_filter(*PERIOD)}
    return form, {k: v for k, v in data.items() if v not in (None, "")}, ""


def _period(filters: dict[str, Any]) -> tuple[date, date]:
    return Period(filters.get("start"), filters.get("end")).window()


def _completeness(user: Any, start: date, end: date) -> list[tuple[Any, Any]]:
    schools = selectors.schools_for(user, "ledger_patrol_point", "view")
    return [(s, selectors.checkin_completeness(s, start, end)) for s in schools[:50]]


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_any = any(
        allowed(user, r, "view")
        for r in ("ledger_patrol_point", "ledger_patrol_checkin", "ledger_patrol_dorm", "ledger_patrol_rota")
    )
    if not can_any:
        raise Http404
    today = timezone.localdate()
    context = {
        "duties": selectors.my_duties(user, today=today)[:14],
        "completeness": _completeness(user, today - timedelta(days=6), today),
        "can": {
            "checkins": allowed(user, "ledger_patrol_checkin", "view"),
            "dorm": allowed(user, "ledger_patrol_dorm", "view"),
            "dorm_record": allowed(user, "ledger_patrol_dorm", "record"),
            "handover": allowed(user, "ledger_patrol_handover", "view"),
            "handover_record": allowed(user, "ledger_patrol_handover", "record"),
            "points": allowed(user, "ledger_patrol_point", "view"),
            "manage": allowed(user, "ledger_patrol_point", "manage"),
            "rota": allowed(user, "ledger_patrol_rota", "view"),
        },
    }
    return render(request, "ledgers/patrol/home.html", context)


# --- check-ins --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def scan(request: AuthenticatedRequest, token: str) -> HttpResponse:
    point = services.point_for_checkin(actor=request.user, token=token)
    form = CheckinForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("photo")
        try:
            recorded = services.patrol_checkin_record(
                actor=request.user,
                token=token,
                client_key=form.cleaned_data["client_key"],
                finding=form.cleaned_data["finding"],
                needs_report=form.cleaned_data["needs_report"],
                photo=(upload.name, upload) if upload else None,
            )
        except ServiceError as exc:
            form.apply_error(exc)
        else:
            when = timezone.localtime(recorded.entry.recorded_at)
            messages.success(
                request, _("已打卡：%(point)s %(time)s") % {"point": str(point), "time": f"{when:%H:%M}"}
            )
            if recorded.entry.report_id:
                messages.info(
                    request, _("已上报（编号 #%(number)d）。") % {"number": recorded.entry.report_id}
                )
            return redirect("ledgers:patrol_scan", token=token)
    status = 422 if form.errors else 200
    recent = selectors.checkins_visible(request.user, point=point.pk, start=timezone.localdate())[:5]
    return render(
        request, "ledgers/patrol/scan.html", {"point": point, "form": form, "recent": recent}, status=status
    )


@login_required
@require_GET
def checkin_list(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_patrol_checkin", "view"):
        raise Http404
    form, filters, error = _filters(request)
    rows = (
        selectors.checkins_visible(request.user, **filters)
        if not error
        else selectors.checkins_visible(request.user).none()
    )
    page = pages.page_of(request, rows)
    start, end = _period(filters)
    context = {
        "form": form,
        "error": error,
        "page": page,
        "points": selectors.points_visible(request.user),
        "start": start,
        "end": end,
        "completeness": _completeness(request.user, start, end),
        "query": request.GET.urlencode(),
    }
    return render(request, "ledgers/patrol/checkins.html", context, status=400 if error else 200)


@login_required
@require_GET
def checkin_export(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_patrol_checkin", "view"):
        raise Http404
    form, filters, error = _filters(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    rows = selectors.checkins_visible(request.user, **filters)
    header = [
        _("学校"),
        _("巡查点"),
        _("楼栋"),
        _("楼层"),
        _("打卡时间"),
        _("记录人"),
        _("发现的问题"),
        _("需要上报"),
        _("上报编号"),
    ]
    data = (
        [
            c.school.name,
            c.point.name,
            c.point.building,
            c.point.floor,
            c.recorded_at,
            str(c.recorded_by),
            c.finding,
            c.needs_report,
            c.report_id or "",
        ]
        for c in rows.iterator()
    )
    return pages.export(_("巡查打卡.xlsx"), _("巡查打卡"), header, data)


# --- points -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def points(request: AuthenticatedRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_patrol_point", "view"):
        raise Http404
    form = pages.optional_form(
        request,
        "ledger_patrol_point",
        "manage",
        lambda schools: PointForm(request.POST or None, schools=schools),
    )
    if saved := pages.record(
        request,
        form,
        lambda d: services.patrol_point_create(actor=request.user, **d),
        done=_("巡查点已添加。"),
        then=reverse("ledgers:patrol_points"),
    ):
        return saved
    rows = list(selectors.points_visible(request.user).select_related("responsible"))
    selectors.with_duty(rows)
    context = {"form": form, "rows": rows, "manage": form is not None}
    return render(request, "ledgers/patrol/points.html", context, status=pages.form_status(form))


@login_required
@require_POST
def point_toggle(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    point = selectors.point_get(request.user, pk)
    try:
        services.patrol_point_set_active(actor=request.user, point=point, active=not point.active)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("ledgers:patrol_points")


@login_required
@require_http_methods(["GET", "POST"])
def point_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A point's required frequency and responsible person (the reminders of a missed round)."""
    point = selectors.point_get(request.user, pk, action="manage")
    initial = {"frequency": point.frequency, "rounds": point.rounds, "responsible": point.responsible_id}
    form = PointDutyForm(request.POST or None, school=point.school, initial=initial)
    return pages.record(
        request,
        form,
        lambda d: services.patrol_point_set_duty(actor=request.user, point=point, **d),
        done=_("巡查点的频次和责任人已保存。"),
        then=reverse("ledgers:patrol_points"),
    ) or _form_page(
        request,
        form,
        _("%(point)s · 巡查频次") % {"point": point},
        offline=False,
        list_url=reverse("ledgers:patrol_points"),
    )


@login_required
@require_GET
def points_print(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_patrol_point", "manage"):
        raise Http404
    schools = selectors.schools_for(request.user, "ledger_patrol_point", "manage")
    cards = []
    for point in selectors.points_visible(request.user, active_only=True).filter(school__in=schools):
        url = request.build_absolute_uri(reverse("ledgers:patrol_scan", args=[point.token]))
        cards.append(
            {"point": point, "svg": segno.make(url, error="m").svg_inline(scale=4, border=2), "url": url}
        )
    return render(request, "ledgers/patrol/print.html", {"cards": cards})


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request: AuthenticatedRequest) -> HttpResponse:
    schools = schools_for_write(request.user, "ledger_patrol_point", "manage")
    first = schools.first()
    day, night = selectors.rounds_of(first)
    form = SettingsForm(
        request.POST or None, schools=schools, initial={"day_rounds": day, "night_rounds": night}
    )
    return pages.record(
        request,
        form,
        lambda d: services.patrol_settings_set(actor=request.user, **d),
        done=_("巡查设置已保存。"),
        then=reverse("ledgers:patrol_points"),
    ) or _form_page(request, form, _("巡查次数设置"), offline=False)


def _form_page(
    request: HttpRequest, form: Any, title: str, *, offline: bool, list_url: str = ""
) -> HttpResponse:
    context = {"form": form, "title": title, "offline": offline, "list_url": list_url}
    return render(request, "ledgers/patrol/form.html", context, status=pages.form_status(form))


# --- dormitory rounds -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dorm_new(request: AuthenticatedRequest) -> HttpResponse:
    schools = schools_for_write(request.user, "ledger_patrol_dorm")
    form = DormRoundForm(request.POST or None, schools=schools)
    return pages.record(
        request,
        form,
        lambda d: services.dorm_round_record(actor=request.user, **d),
        done=_("熄灯后巡查已记录。"),
        then=reverse("ledgers:patrol_dorm_new"),
    ) or _form_page(
        request, form, _("熄灯后巡查"), offline=True, list_url=reverse("ledgers:patrol_dorm_list")
    )


@login_required
@require_GET
def dorm_list(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_patrol_dorm", "view"):
        raise Http404
    form, filters, error = _filters(request)
    filters.pop("point", None)
    rows = selectors.dorm_rounds_visible(request.user, **filters)
    if error:
        rows = rows.none()
    page = pages.page_of(request, rows)
    context = {
        "form": form,
        "error": error,
        "page": page,
        "query": request.GET.urlencode(),
        "can_record": allowed(request.user, "ledger_patrol_dorm", "record"),
    }
    return render(request, "ledgers/patrol/dorm_list.html", context, status=400 if error else 200)


@login_required
@require_GET
def dorm_export(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_patrol_dorm", "view"):
        raise Http404
    form, filters, error = _filters(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    filters.pop("point", None)
    rows = selectors.dorm_rounds_visible(request.user, **filters)
    header = [
        _("学校"),
        _("楼栋"),
        _("楼层"),
        _("巡查时间"),
        _("应到人数"),
        _("实到人数"),
        _("缺勤床位"),
        _("异常情况"),
        _("记录人"),
    ]
    data = (
        [
            r.school.name,
            r.building,
            r.floor,
            r.patrolled_at,
            r.expected,
            r.present,
            r.absent_beds,
            r.anomalies,
            str(r.recorded_by),
        ]
        for r in rows.iterator()
    )
    return pages.export(_("熄灯后巡查.xlsx"), _("熄灯后巡查"), header, data)


# --- handovers --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def handover_new(request: AuthenticatedRequest) -> HttpResponse:
    schools = schools_for_write(request.user, "ledger_patrol_handover")
    form = HandoverForm(request.POST or None, schools=schools)
    return pages.record(
        request,
        form,
        lambda d: services.handover_record(actor=request.user, **d),
        done=_("交接班已记录，请接班人登录确认。"),
        then=reverse("ledgers:patrol_handovers"),
    ) or _form_page(request, form, _("交接班"), offline=True, list_url=reverse("ledgers:patrol_handovers"))


@login_required
@require_GET
def handover_list(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_patrol_handover", "view"):
        raise Http404
    form, filters, error = _filters(request)
    rows = selectors.handovers_visible(request.user, start=filters.get("start"), end=filters.get("end"))
    if error:
        rows = rows.none()
    page = pages.page_of(request, rows)
    context = {
        "form": form,
        "error": error,
        "page": page,
        "can_record": allowed(request.user, "ledger_patrol_handover", "record"),
    }
    return render(request, "ledgers/patrol/handover_list.html", context, status=400 if error else 200)


@login_required
@require_POST
def handover_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    handover = selectors.handover_get(request.user, pk)
    try:
        services.handover_confirm(actor=request.user, handover=handover)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已确认接班。"))
    return redirect("ledgers:patrol_handovers")


# --- rota -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rota(request: AuthenticatedRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_patrol_rota", "view"):
        raise Http404
    schools = selectors.schools_for(request.user, "ledger_patrol_rota", "manage")
    form = RotaWeekForm(request.POST or None, schools=schools) if schools.exists() else None
    if request.method == "POST":
        if form is None:
            schools_for_write(request.user, "ledger_patrol_rota", "manage")
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                for day in sorted(int(d) for d in data["days"]):
                    when = data["week_start"] + timedelta(days=day)
                    if data["leader"]:
                        services.duty_shift_add(
                            actor=request.user,
                            school=data["school"],
                            day=when,
                            shift=data["shift"],
                            person=data["leader"],
                            is_leader=True,
                        )
                    for person in data["people"]:
                        if person != data["leader"]:
                            services.duty_shift_add(
                                actor=request.user,
                                school=data["school"],
                                day=when,
                                shift=data["shift"],
                                person=person,
                            )
            except ServiceError as exc:
                form.apply_error(exc)
            else:
                messages.success(request, _("值班安排已保存。"))
                return redirect("ledgers:patrol_rota")
    today = timezone.localdate()
    rows = selectors.rota_visible(
        request.user, start=today - timedelta(days=1), end=today + timedelta(days=35)
    )
    context = {
        "form": form,
        "rows": rows[:500],
        "duties": selectors.my_duties(request.user, today=today)[:14],
    }
    return render(
        request, "ledgers/patrol/rota.html", context, status=422 if form is not None and form.errors else 200
    )


@login_required
@require_POST
def rota_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    row = selectors.duty_row_get(request.user, pk, action="view")
    if not can(request.user, "ledger_patrol_rota", "manage", row):
        raise Http404
    services.duty_shift_remove(actor=request.user, row=row)
    messages.success(request, _("已删除。"))
    return redirect("ledgers:patrol_rota")
