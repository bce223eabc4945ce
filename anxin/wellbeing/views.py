"""Pages of 心理筛查: rounds, the guardian notice and code sheet, the pupil's answer page (no account),
the psychology teacher's answers and before/after change, and the warnings.

Thin: parse, call a selector or service, render. What the caller may not see is 404.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.access.matrix import allowed, can, can_at
from anxin.core.errors import ErrorCode, ServiceError
from anxin.core.notify import absolute
from anxin.org.requests import AuthenticatedRequest
from anxin.org.selectors import input_id

from . import selectors, services
from .errors import WellbeingError
from .instruments import LEVEL_LABELS, SCALE, Level, instruments
from .permissions import ROUND, can_read_answers
from .throttle import code_limited


def _day(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


# --- rounds ---------------------------------------------------------------------------------------


@login_required
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (selectors.can_view_rounds(user) or allowed(user, "wellbeing_warning", "view")):
        raise Http404
    rounds = selectors.rounds_visible(user) if selectors.can_view_rounds(user) else None
    page = Paginator(rounds, 30).get_page(request.GET.get("page")) if rounds is not None else None
    return render(
        request,
        "wellbeing/rounds.html",
        {
            "page": page,
            "can_open": selectors.schools_for_open(user).exists(),
            "can_warnings": allowed(user, "wellbeing_warning", "view"),
            "live_warnings": selectors.warnings_visible(user).count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request: AuthenticatedRequest) -> HttpResponse:
    schools = selectors.schools_for_open(request.user)
    if not schools.exists():
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    chosen = input_id(data.get("school"))
    school = schools.filter(pk=chosen).first() if chosen else None
    school = school or schools.first()
    assert school is not None
    classes = selectors.secondary_classes(school)
    error: ServiceError | None = None
    today = timezone.localdate()
    if request.method == "POST" and data.get("submit") == "1":
        picked_ids = {i for v in data.getlist("classes") if (i := input_id(v)) is not None}
        picked = list(classes.filter(pk__in=picked_ids))
        try:
            opens_on, closes_on = _day(data.get("opens_on")), _day(data.get("closes_on"))
            if opens_on is None or closes_on is None:
                raise ServiceError(_("请填写开始和截止日期。"), code=ErrorCode.BAD_WINDOW)
            rnd = services.round_open(
                actor=request.user,
                school=school,
                title=data.get("title", ""),
                opens_on=opens_on,
                closes_on=closes_on,
                classes=picked,
            )
        except ServiceError as exc:
            error = exc
        else:
            messages.success(request, _("已开启筛查。请先发放家长告知书，再打印答题码。"))
            return redirect("wellbeing:round", pk=rnd.pk)
    return render(
        request,
        "wellbeing/round_new.html",
        {
            "schools": schools[:500],
            "school": school,
            "classes": classes,
            "data": data,
            "picked": {str(v) for v in data.getlist("classes")},
            "error": error,
            "today": today.isoformat(),
            "in_two_weeks": (today + timedelta(days=14)).isoformat(),
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = selectors.round_get(request.user, pk)
    reader = can_read_answers(request.user, rnd.unit_path)
    screenings = list(selectors.screenings_visible(request.user, round_id=rnd.pk)) if reader else []
    selectors.scores_listed(request.user, unit=rnd.school, subject=rnd, ids=[s.pk for s in screenings])
    progress = selectors.round_progress(rnd)
    pupils = selectors.round_pupils(rnd) if can(request.user, ROUND, "codes", rnd) else {}
    return render(
        request,
        "wellbeing/round.html",
        {
            "r": rnd,
            "progress": progress,
            "pupil_rows": [(p, pupils.get(p.rc.klass_id, [])) for p in progress if p.rc.notice_at],
            "can_codes": can(request.user, ROUND, "codes", rnd),
            "reader": reader,
            "screenings": screenings,
            "levels": LEVEL_LABELS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice(request: AuthenticatedRequest, pk: int, class_id: int) -> HttpResponse:
    """GET: the printable 家长告知书; POST: record that it went out."""
    rc = selectors.round_class_get(request.user, pk, class_id)
    if request.method == "POST":
        try:
            services.notice_record(actor=request.user, round_class=rc)
        except ServiceError as exc:
            if exc.status == 404:
                raise Http404 from exc
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已记录家长告知书发放。"))
        return redirect("wellbeing:round", pk=rc.round_id)
    return render(
        request,
        "wellbeing/notice.html",
        {
            "rc": rc,
            "r": rc.round,
            "school": rc.round.school,
            "instruments": instruments(rc.round.instrument_set),
        },
    )


@login_required
@require_POST
def codes_sheet(request: AuthenticatedRequest, pk: int, class_id: int) -> HttpResponse:
    """Fresh codes for the class, shown once on a sheet to print and cut up."""
    rc = selectors.round_class_get(request.user, pk, class_id, action="codes")
    try:
        chosen = [i for v in request.POST.getlist("student") if (i := input_id(v)) is not None]
        slips = services.codes_issue(
            actor=request.user,
            round_class=rc,
            student_ids=chosen if request.POST.get("some") == "1" else None,
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("wellbeing:round", pk=rc.round_id)
    response = render(
        request,
        "wellbeing/codes.html",
        {
            "rc": rc,
            "r": rc.round,
            "slips": slips,
            "answer_url": _printed_link(request, reverse("wellbeing:answer")),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _printed_link(request: HttpRequest, path: str) -> str:
    """The address printed on paper: the deployment's public base, else the one this page came from."""
    link = absolute(path)
    return link if "://" in link else request.build_absolute_uri(path)


# --- the pupil's page (no account) ------------------------------------------------------------------


def _public(template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = HttpResponse(render_to_string(f"wellbeing/public/{template}", context), status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt  # no session and no cookie on this page: the one-time code is the only credential
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _public("code.html", {})
    code = request.POST.get("code", "")
    if code_limited(request, increment=False):
        return _public(
            "code.html",
            {"error": _("输错的次数太多了，请过 10 分钟再试，或请心理老师帮忙。"), "code_value": code},
            status=429,
        )
    try:
        inv = services.invitation_for_code(code)
    except ServiceError as exc:
        if exc.code == WellbeingError.UNKNOWN_CODE:
            code_limited(request, increment=True)
        return _public("code.html", {"error": exc.message, "code_value": code}, status=exc.status)
    items = instruments(inv.round.instrument_set)
    given = {
        inst.key: [request.POST.get(f"{inst.key}_{n + 1}", "") for n in range(len(inst.items))]
        for inst in items
    }
    context = {
        "code_value": code,
        "who": f"{inv.student.masked_name} · {inv.student.klass.name}",
        "school": inv.round.school,
        "scale": SCALE,
        "sections": [
            {
                "inst": inst,
                "items": [
                    {"n": n + 1, "text": text, "name": f"{inst.key}_{n + 1}", "value": given[inst.key][n]}
                    for n, text in enumerate(inst.items)
                ],
            }
            for inst in items
        ],
    }
    if request.POST.get("step") != "submit":
        return _public("form.html", context)
    try:
        services.screening_submit(code=code, answers=given)
    except ServiceError as exc:
        if exc.code in (WellbeingError.INCOMPLETE, WellbeingError.OUT_OF_RANGE):
            missing = exc.detail if isinstance(exc.detail, dict) else {}
            context.update(error=exc.message, missing={f"{k}_{n}" for k, ns in missing.items() for n in ns})
            return _public("form.html", context, status=exc.status)
        return _public("code.html", {"error": exc.message}, status=exc.status)
    return _public("thanks.html", {"school": inv.round.school})


# --- answers, for the psychology teacher -------------------------------------------------------------


@login_required
@require_GET
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    s = selectors.screening_read(request.user, pk)
    return render(
        request,
        "wellbeing/screening.html",
        {"s": s, "rows": selectors.answer_rows(s), "scale": dict(SCALE), "levels": LEVEL_LABELS},
    )


@login_required
@require_GET
def student_history(request: HttpRequest, student_id: int) -> HttpResponse:
    start, end = _day(request.GET.get("from")), _day(request.GET.get("to"))
    student, screenings, change = selectors.student_history(request.user, student_id, start=start, end=end)
    return render(
        request,
        "wellbeing/student.html",
        {
            "student": student,
            "screenings": screenings,
            "change": change,
            "start": start,
            "end": end,
            "levels": LEVEL_LABELS,
        },
    )


# --- warnings -------------------------------------------------------------------------------------


@login_required
@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "wellbeing_warning", "view"):
        raise Http404
    live = request.GET.get("status", "live") != "closed"
    qs = selectors.warnings_visible(request.user, live=live)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "wellbeing/warnings.html", {"page": page, "live": live})


def care_plan_link(user: Any, warning: Any) -> str:
    if not can_at(user, "ledger_care_plan", "record", warning.student.klass.path):
        return ""
    return reverse("ledgers:care_plan_new") + f"?student={warning.student_id}"


@login_required
@require_GET
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    w = selectors.warning_get(request.user, pk)
    reader = can_read_answers(request.user, w.unit_path)
    if reader:
        selectors.scores_listed(request.user, unit=w.student.klass, subject=w, ids=[w.screening_id])
    return render(
        request,
        "wellbeing/warning.html",
        {
            "w": w,
            "reader": reader,
            "can_handle": w.live and can(request.user, "wellbeing_warning", "handle", w),
            "care_link": care_plan_link(request.user, w),
            "overdue": services.overdue(w),
            "scores": (
                {"phq9": w.screening.phq9, "gad7": w.screening.gad7, "item9": w.screening.item9}
                if reader
                else None
            ),
            "level_label": LEVEL_LABELS[Level(w.level)],
        },
    )


@login_required
@require_POST
def warning_do(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    w = selectors.warning_get(request.user, pk)
    try:
        services.warning_action(
            actor=request.user,
            warning=w,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("wellbeing:warning", pk=w.pk)
    messages.success(request, _("已记录。"))
    return redirect("wellbeing:warning", pk=w.pk)
