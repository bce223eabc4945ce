"""Pages of 隐患排查整治 and 视频监控. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from anxin.access.matrix import allowed, can
from anxin.core.errors import ServiceError
from anxin.ledgers import pages
from anxin.ledgers.base import xlsx_response
from anxin.ledgers.kit import BadPeriod, read_window, schools_for_write
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services
from .forms import (
    CameraForm,
    HazardFilterForm,
    HazardReportForm,
    PlaceForm,
    ReviewForm,
    ScreeningForm,
    TransitionForm,
    school_staff,
)
from .models import HazardStatus, KeyPlace

GRID, HAZARD = "ledger_hazard_grid", "ledger_hazard"


def _bad(request: HttpRequest, message: str, status: int = 422) -> HttpResponse:
    return render(request, "ledgers/hazards/error.html", {"message": message}, status=status)


def _period(request: HttpRequest) -> tuple[date, date] | str:
    """The ?start=&end= period (the kit's default window when open), or the Chinese reason it is wrong."""
    try:
        return read_window(request.GET, keys=("start", "end"))
    except BadPeriod as exc:
        return exc.message


@login_required
@require_GET
def hazard_list(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, HAZARD, "view"):
        raise Http404
    filters = HazardFilterForm(request.GET)
    if not filters.is_valid():
        return _bad(request, _("筛选条件不正确。"))
    today = timezone.localdate()
    data = filters.cleaned_data
    hazards = list(
        selectors.hazards_visible(
            request.user, status=data["status"], place_id=data["place"], overdue=data["overdue"], today=today
        )[:200]
    )
    for h in hazards:
        h.overdue = h.is_overdue(today)  # type: ignore[attr-defined]
    grid = allowed(request.user, GRID, "view")
    places = selectors.places_visible(request.user) if grid else KeyPlace.objects.none()
    completeness = None
    if grid:
        start, end = selectors.default_period(today)
        completeness, _rows = selectors.screening_completeness(places, start, end)
    context = {
        "hazards": hazards,
        "filters": filters,
        "statuses": HazardStatus.choices,
        "places": places,
        "uncovered": selectors.uncovered_places(places) if grid else [],
        "completeness": completeness,
        "grid": grid,
        "can_record": allowed(request.user, HAZARD, "record"),
        "can_screen": allowed(request.user, GRID, "record"),
        "can_manage": allowed(request.user, GRID, "manage"),
    }
    return render(request, "ledgers/hazards/list.html", context)


def _form_page(
    request: HttpRequest, form: Any, title: str, *, offline: bool, files: bool = False
) -> HttpResponse:
    return render(
        request,
        "ledgers/hazards/form.html",
        {"form": form, "title": title, "offline": offline, "files": files},
        status=pages.form_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def hazard_report(request: AuthenticatedRequest) -> HttpResponse:
    schools = schools_for_write(request.user, HAZARD)
    chosen = pages.chosen_school(request, schools)
    form = HazardReportForm(
        request.POST or None, schools=schools, places=selectors.places_for_report(request.user, chosen)
    )

    def save(d: dict[str, Any]) -> Any:
        return services.hazard_report(
            actor=request.user,
            school=d["school"],
            client_key=d["client_key"],
            description=d["description"],
            place_id=d["place"],
        )

    def then(recorded: Any) -> str:
        if can(request.user, HAZARD, "view", recorded.entry):
            return reverse("ledgers:hazards_detail", args=[recorded.entry.pk])
        return reverse("ledgers:index")

    return pages.record(request, form, save, done=_("隐患已上报，等待安排整改。"), then=then) or _form_page(
        request, form, _("上报隐患"), offline=True
    )


@login_required
@require_http_methods(["GET", "POST"])
def hazard_detail(request: AuthenticatedRequest, hazard_id: int) -> HttpResponse:
    hazard = selectors.hazard_get(request.user, hazard_id)
    bound = None
    if request.method == "POST":
        bound = TransitionForm(request.POST, request.FILES, staff=school_staff(hazard.school))
        if bound.is_valid():
            data = bound.cleaned_data
            photo = data.get("photo")
            try:
                services.hazard_transition(
                    actor=request.user,
                    hazard=hazard,
                    action=data["action"],
                    owner_id=data["owner"],
                    deadline=data["deadline"],
                    photo=photo,
                    photo_name=photo.name if photo else "",
                    note=data["note"],
                    reason=data["reason"],
                )
            except ServiceError as exc:
                bound.apply_error(exc)
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已保存。"))
                return redirect("ledgers:hazards_detail", hazard.pk)
    today = timezone.localdate()
    user = request.user
    staff = school_staff(hazard.school)
    actions = []
    if can(user, HAZARD, "handle", hazard):
        if hazard.can_start():
            actions.append(("start", _("下达整改"), "btn-primary"))
        if hazard.can_accept(user):
            actions.append(("accept", _("复查合格，销号"), "btn-success"))
        if hazard.can_reject():
            actions.append(("reject", _("退回整改"), "btn-outline-danger"))
    if hazard.can_rectify() and (user.pk == hazard.owner_id or can(user, HAZARD, "handle", hazard)):
        actions.append(("rectify", _("整改完成，上传照片"), "btn-primary"))
    forms = {
        a: (
            bound
            if bound is not None and bound.data.get("action") == a
            else TransitionForm(staff=staff, initial={"action": a})
        )
        for a, _l, _c in actions
    }  # noqa: E501
    context = {
        "hazard": hazard,
        "overdue": hazard.is_overdue(today),
        "steps": hazard.steps.select_related("actor"),
        "actions": [(a, label, css, forms[a]) for a, label, css in actions],
        "same_person": hazard.status == HazardStatus.RECTIFIED and not hazard.can_accept(user),
    }
    return render(request, "ledgers/hazards/detail.html", context, status=422 if bound is not None else 200)


@login_required
@require_GET
def hazard_photo(request: HttpRequest, hazard_id: int) -> HttpResponse:
    hazard = selectors.hazard_get(request.user, hazard_id)
    if not hazard.photo:
        raise Http404
    try:
        handle = hazard.photo.storage.open(hazard.photo.name, "rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=hazard.photo_type or "image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def screening_list(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, GRID, "view"):
        raise Http404
    period = _period(request)
    if isinstance(period, str):
        return _bad(request, period, status=400)
    start, end = period
    places = selectors.places_visible(request.user)
    completeness, rows = selectors.screening_completeness(places, start, end)
    context = {
        "screenings": selectors.screenings_visible(request.user, start=start, end=end)[:200],
        "completeness": completeness,
        "rows": rows,
        "start": start,
        "end": end,
        "can_screen": allowed(request.user, GRID, "record"),
    }
    return render(request, "ledgers/hazards/screenings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def screening_new(request: AuthenticatedRequest) -> HttpResponse:
    schools = schools_for_write(request.user, GRID)
    chosen = pages.chosen_school(request, schools)
    places = KeyPlace.objects.filter(school=chosen, is_active=True)
    initial = {"place": request.GET.get("place", ""), "screened_on": timezone.localdate()}
    form = ScreeningForm(request.POST or None, schools=schools, places=places, initial=initial)

    def save(d: dict[str, Any]) -> Any:
        return services.screening_record(
            actor=request.user,
            school=d["school"],
            client_key=d["client_key"],
            place_id=d["place"],
            result=d["result"],
            screened_on=d["screened_on"],
            notes=d["notes"],
        )

    return pages.record(
        request, form, save, done=_("排查记录已保存。"), then=reverse("ledgers:hazards_screenings")
    ) or _form_page(request, form, _("记录隐患排查"), offline=True)


@login_required
@require_http_methods(["GET", "POST"])
def place_list(request: AuthenticatedRequest) -> HttpResponse:
    if not allowed(request.user, GRID, "view"):
        raise Http404
    form = pages.optional_form(
        request,
        GRID,
        "manage",
        lambda schools: PlaceForm(
            request.POST or None, schools=schools, staff=school_staff(pages.chosen_school(request, schools))
        ),
    )

    def save(d: dict[str, Any]) -> Any:
        return services.place_create(
            actor=request.user,
            school=d["school"],
            name=d["name"],
            kind=d["kind"],
            location=d["location"],
            responsible_id=d["responsible"],
            frequency_days=d["frequency_days"],
        )

    if saved := pages.record(
        request, form, save, done=_("重点部位已添加。"), then=reverse("ledgers:hazards_places")
    ):
        return saved
    places = selectors.places_visible(request.user)
    uncovered = set(selectors.uncovered_places(places).values_list("pk", flat=True))
    context = {"places": places, "uncovered": uncovered, "form": form}
    return render(request, "ledgers/hazards/places.html", context, status=pages.form_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def camera_list(request: AuthenticatedRequest) -> HttpResponse:
    if not allowed(request.user, GRID, "view"):
        raise Http404
    form = pages.optional_form(
        request,
        GRID,
        "manage",
        lambda schools: CameraForm(
            request.POST or None,
            schools=schools,
            places=KeyPlace.objects.filter(school=pages.chosen_school(request, schools)),
        ),
    )

    def save(d: dict[str, Any]) -> Any:
        return services.camera_create(
            actor=request.user, school=d["school"], place_id=d["place"], name=d["name"], status=d["status"]
        )

    if saved := pages.record(
        request, form, save, done=_("摄像头已登记。"), then=reverse("ledgers:hazards_cameras")
    ):
        return saved
    context = {"cameras": selectors.cameras_visible(request.user), "form": form}
    return render(request, "ledgers/hazards/cameras.html", context, status=pages.form_status(form))


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, GRID, "view"):
        raise Http404
    context = {
        "reviews": selectors.reviews_visible(request.user)[:200],
        "can_screen": allowed(request.user, GRID, "record"),
    }
    return render(request, "ledgers/hazards/reviews.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request: AuthenticatedRequest) -> HttpResponse:
    schools = schools_for_write(request.user, GRID)
    chosen = pages.chosen_school(request, schools)
    cameras = selectors.cameras_visible(request.user).filter(school=chosen)
    form = ReviewForm(request.POST or None, schools=schools, cameras=cameras)

    def save(d: dict[str, Any]) -> Any:
        return services.review_record(
            actor=request.user,
            school=d["school"],
            client_key=d["client_key"],
            camera_ids=d["cameras"],
            period_from=d["period_from"],
            period_to=d["period_to"],
            findings=d["findings"],
        )

    return pages.record(
        request, form, save, done=_("回看记录已保存。"), then=reverse("ledgers:hazards_reviews")
    ) or _form_page(request, form, _("记录录像回看"), offline=True)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Hazards with their history, screenings and footage reviews for ?start=&end=."""
    if not (allowed(request.user, HAZARD, "view") or allowed(request.user, GRID, "view")):
        raise Http404
    period = _period(request)
    if isinstance(period, str):
        return _bad(request, period, status=400)
    start, end = period
    user = request.user
    hazards = selectors.hazards_visible(user, start=start, end=end).prefetch_related("steps__actor")
    hazard_rows = []
    for h in hazards:
        history = "；".join(
            f"{timezone.localtime(s.at):%Y-%m-%d %H:%M} {s.get_action_display()} {s.actor} {s.note}".strip()
            for s in h.steps.all()
        )
        hazard_rows.append(
            [
                h.pk,
                h.school.name,
                h.place.name if h.place else "",
                h.description,
                h.get_status_display(),
                h.owner or "",
                h.deadline,
                h.is_overdue(timezone.localdate()),
                h.recorded_by,
                h.recorded_at,
                h.rectified_by or "",
                h.rectify_note,
                h.closed_by or "",
                h.closed_at,
                history,
            ]
        )
    sheets: list[tuple[str, list[str], Any]] = [
        (
            _("隐患整改"),
            [
                _("编号"),
                _("学校"),
                _("重点部位"),
                _("隐患描述"),
                _("状态"),
                _("整改责任人"),
                _("整改期限"),
                _("逾期"),
                _("发现人"),
                _("发现时间"),
                _("整改人"),
                _("整改说明"),
                _("销号人"),
                _("销号时间"),
                _("整改记录"),
            ],
            hazard_rows,
        )
    ]
    if allowed(user, GRID, "view"):
        sheets.append(
            (
                _("隐患排查"),
                [
                    _("学校"),
                    _("重点部位"),
                    _("类型"),
                    _("排查日期"),
                    _("排查结果"),
                    _("情况说明"),
                    _("排查人"),
                    _("记录时间"),
                ],
                (
                    [
                        s.school.name,
                        s.place.name,
                        s.place.get_kind_display(),
                        s.screened_on,
                        s.get_result_display(),
                        s.notes,
                        s.recorded_by,
                        s.recorded_at,
                    ]
                    for s in selectors.screenings_visible(user, start=start, end=end)
                ),
            )
        )
        sheets.append(
            (
                _("录像回看"),
                [
                    _("学校"),
                    _("摄像头"),
                    _("回看开始"),
                    _("回看结束"),
                    _("发现情况"),
                    _("回看人"),
                    _("记录时间"),
                ],
                (
                    [
                        r.school.name,
                        "、".join(c.name for c in r.cameras.all()),
                        r.period_from,
                        r.period_to,
                        r.findings,
                        r.recorded_by,
                        r.recorded_at,
                    ]
                    for r in selectors.reviews_visible(user, start=start, end=end)
                ),
            )
        )
    name = _("隐患排查整治台账_%(start)s_%(end)s.xlsx") % {"start": start, "end": end}
    return xlsx_response(name, sheets)
