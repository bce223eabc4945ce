"""Pages of supervision. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.core.errors import ServiceError
from anxin.org.requests import AuthenticatedRequest

from . import scorecard, selectors, services
from .forms import (
    AssignForm,
    CancelForm,
    CheckForm,
    ExtendForm,
    InterviewForm,
    NoticeForm,
    OrderForm,
    PolicyForm,
    RespondForm,
    VisitForm,
)
from .models import Finding, OrderLevel, OrderStatus
from .permissions import (
    INSPECTORS,
    INTERVIEW,
    NOTICE,
    ORDER,
    SCORECARD,
    VISIT,
    allowed_any,
    can_school,
)

T = "oversight/supervision/"


def _bad(request: HttpRequest, message: str, status: int = 422) -> HttpResponse:
    return render(request, T + "error.html", {"message": message}, status=status)


def _need(user: Any, resource: str, action: str = "view") -> None:
    if not allowed_any(user, resource, action):
        raise Http404


# --- index and scorecard --------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if allowed_any(user, SCORECARD, "view"):
        return redirect("supervision:scorecard")
    if allowed_any(user, ORDER, "view"):
        return redirect("supervision:orders")
    raise Http404


@login_required
@require_GET
def scorecard_list(request: HttpRequest) -> HttpResponse:
    _need(request.user, SCORECARD)
    today = timezone.localdate()
    try:
        term = scorecard.parse_term(request.GET.get("term"), today)
    except ServiceError as exc:
        return _bad(request, exc.message, status=400)
    schools = list(selectors.schools_for(request.user))
    if len(schools) == 1 and "term" not in request.GET:
        return redirect("supervision:scorecard_school", schools[0].pk)
    cards = scorecard.ranked_cached(schools, today, term=term)
    context = {
        "cards": cards,
        "attention": [c for c in cards if c.attention],
        "term": term,
        "term_code": scorecard.term_code(term),
        "items": scorecard.ITEMS,
        "can_policy": allowed_any(request.user, SCORECARD, "policy"),
    }
    return render(request, T + "scorecard.html", context)


@login_required
@require_GET
def scorecard_school(request: HttpRequest, school_id: int) -> HttpResponse:
    school = selectors.school_get(request.user, school_id)
    today = timezone.localdate()
    try:
        term = scorecard.parse_term(request.GET.get("term"), today)
    except ServiceError as exc:
        return _bad(request, exc.message, status=400)
    card = scorecard.for_reader(scorecard.compute(school, today, term=term), request.user)
    context = {
        "card": card,
        "school": school,
        "term_code": scorecard.term_code(term),
        "orders": selectors.orders_visible(request.user, school_id=school.pk)[:20],
        "visits": selectors.visits_visible(request.user, school_id=school.pk)[:10],
        "can_issue": can_school(request.user, ORDER, "issue", school),
        "can_visit": can_school(request.user, VISIT, "record", school),
    }
    return render(request, T + "scorecard_school.html", context)


# --- orders ---------------------------------------------------------------------------------------


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    _need(request.user, ORDER)
    status = request.GET.get("status", "")
    if status and status not in OrderStatus.values:
        return _bad(request, _("筛选条件不正确。"), status=400)
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "1"
    orders = list(
        selectors.orders_visible(request.user, status=status, overdue_on=today if overdue else None)[:200]
    )
    for o in orders:
        o.overdue = o.is_overdue(today)  # type: ignore[attr-defined]
    context = {
        "orders": orders,
        "statuses": OrderStatus.choices,
        "status": status,
        "overdue": overdue,
        "can_issue": allowed_any(request.user, ORDER, "issue"),
    }
    return render(request, T + "orders.html", context)


#: What the dashboard's attention list may name when it links here (?reason=…), and how an order says it.
ATTENTION_REASONS = {
    "overdue": _l("案件处置期限逾期，须按规定时限办结"),
    "quiet_1530": _l("1530安全教育连续十个上学日无记录"),
    "no_poster": _l("爱心信箱海报从未打印张贴"),
}


@login_required
@require_http_methods(["GET", "POST"])
def order_new(request: AuthenticatedRequest) -> HttpResponse:
    _need(request.user, ORDER, "issue")
    schools = selectors.schools_for(request.user, ORDER, "issue")
    chosen = None
    if request.GET.get("school"):
        chosen = selectors.school_get(request.user, request.GET["school"], ORDER, "issue")
    visit = None
    raw_visit = request.POST.get("visit") or request.GET.get("visit")
    if raw_visit:
        visit = selectors.visit_get(request.user, raw_visit)
        chosen = visit.school
    initial: dict[str, Any] = {}
    if visit is not None and request.method == "GET":
        initial = {
            "visit": visit.pk,
            "title": _("督导检查发现的问题（%(date)s）") % {"date": visit.visited_on.isoformat()},
            "items": "\n".join(
                f"{scorecard.ITEMS[k]}：{v.get('note', '')}"
                for k, v in visit.findings()
                if k in scorecard.ITEMS
            ),
        }
    if visit is None and request.method == "GET":
        # From the dashboard's "schools needing attention": the reasons it saw become the order's.
        reasons = [str(ATTENTION_REASONS[r]) for r in request.GET.getlist("reason") if r in ATTENTION_REASONS]
        if reasons:
            initial = {"title": "；".join(reasons)[:100], "items": "\n".join(reasons)}
    form = OrderForm(request.POST or None, schools=schools, school=chosen, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order = services.order_issue(
                actor=request.user,
                school=d["school"],
                title=d["title"],
                items=d["items"],
                deadline=d["deadline"],
                level=d["level"],
                visit=visit,
            )
        except ServiceError as exc:
            form.apply_error(exc)
        else:
            messages.success(request, _("整改通知已下达。"))
            return redirect("supervision:order", order.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, T + "order_new.html", {"form": form, "visit": visit}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def order_detail(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(request.user, order_id)
    user = request.user
    forms_by_action: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        form: Any
        if action == "respond":
            form = RespondForm(request.POST, request.FILES)
            forms_by_action["respond"] = form
        elif action == "extend":
            form = ExtendForm(request.POST)
            forms_by_action["extend"] = form
        elif action == "cancel":
            form = CancelForm(request.POST)
            forms_by_action["cancel"] = form
        else:
            form = CheckForm(request.POST)
            forms_by_action["check"] = form
        if form.is_valid():
            d = form.cleaned_data
            upload = d.get("evidence")
            try:
                if d["action"] == "extend":
                    services.order_extend(actor=user, order=order, deadline=d["deadline"], reason=d["reason"])
                else:
                    services.order_transition(
                        actor=user,
                        order=order,
                        action=d["action"],
                        response=d.get("response", ""),
                        evidence=upload,
                        evidence_name=upload.name if upload else "",
                        reason=d.get("reason", ""),
                        note=d.get("note", ""),
                    )
            except ServiceError as exc:
                if exc.status == 404:
                    raise Http404 from None
                if exc.status == 403:
                    return _bad(request, exc.message, status=403)
                form.apply_error(exc)
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已保存。"))
                return redirect("supervision:order", order.pk)
        status = 422
    can_respond = order.can("respond") and can_school(user, ORDER, "respond", order.school)
    can_check = order.can("close") and can_school(user, ORDER, "check", order.school)
    can_extend = order.can("extend") and can_school(user, ORDER, "check", order.school)
    can_cancel = order.can("cancel") and can_school(user, ORDER, "check", order.school)
    context = {
        "order": order,
        "overdue": order.is_overdue(timezone.localdate()),
        "steps": order.steps.select_related("actor"),
        "respond_form": forms_by_action.get("respond") or (RespondForm() if can_respond else None),
        "check_form": forms_by_action.get("check") or (CheckForm() if can_check else None),
        "extend_form": forms_by_action.get("extend") or (ExtendForm() if can_extend else None),
        "cancel_form": forms_by_action.get("cancel") or (CancelForm() if can_cancel else None),
        "can_respond": can_respond,
        "can_check": can_check,
        "listed": order.level == OrderLevel.LISTED,
        "can_interview": can_school(user, INTERVIEW, "record", order.school),
    }
    return render(request, T + "order.html", context, status=status)


def _stream(file: Any, content_type: str) -> FileResponse:
    try:
        handle = file.storage.open(file.name, "rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def order_evidence(request: HttpRequest, order_id: int) -> FileResponse:
    order = selectors.order_get(request.user, order_id)
    if not order.evidence:
        raise Http404
    return _stream(order.evidence, order.evidence_type)


# --- visits ---------------------------------------------------------------------------------------


@login_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    _need(request.user, VISIT)
    context = {
        "visits": selectors.visits_visible(request.user)[:200],
        "can_record": allowed_any(request.user, VISIT, "record"),
    }
    return render(request, T + "visits.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: AuthenticatedRequest) -> HttpResponse:
    _need(request.user, VISIT, "record")
    schools = selectors.schools_for(request.user, VISIT, "record")
    chosen = None
    if request.GET.get("school"):
        chosen = selectors.school_get(request.user, request.GET["school"], VISIT, "record")
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        schools=schools,
        school=chosen,
        initial={"visited_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        photos = [(d[n], d[n].name) for n in ("photo1", "photo2", "photo3") if d.get(n)]
        try:
            visit = services.visit_record(
                actor=request.user,
                school=d["school"],
                visited_on=d["visited_on"],
                results=form.checklist(),
                summary=d["summary"],
                photos=photos,
                client_key=d["client_key"],
            )
        except ServiceError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            for key, errs in detail.items():
                name = f"note_{key}" if f"note_{key}" in form.fields else key
                if name in form.fields:
                    for e in errs if isinstance(errs, list) else [errs]:
                        form.add_error(name, e)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("检查记录已保存。"))
            return redirect("supervision:visit", visit.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, T + "visit_new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def visit_detail(request: AuthenticatedRequest, visit_id: int) -> HttpResponse:
    visit = selectors.visit_get(request.user, visit_id)
    status = 200
    photo_error = ""
    if request.method == "POST":
        upload = request.FILES.get("photo")
        try:
            services.visit_photo_add(
                actor=request.user, visit=visit, fileobj=upload, name=(upload.name or "") if upload else ""
            )
        except ServiceError as exc:
            if exc.status == 404:
                raise Http404 from None
            if exc.status == 403:
                return _bad(request, exc.message, status=403)
            photo_error, status = exc.message, 422
        else:
            messages.success(request, _("照片已补充。"))
            return redirect("supervision:visit", visit.pk)
    labels = dict(Finding.choices)
    photos = list(visit.photos.all())
    rows = [
        {
            "key": k,
            "label": scorecard.ITEMS.get(k, k),
            "result": v["result"],
            "result_label": labels.get(v["result"]),
            "note": v.get("note", ""),
        }
        for k, v in visit.results.items()
    ]
    context = {
        "visit": visit,
        "rows": rows,
        "photos": photos,
        "orders": visit.orders.all(),
        "can_issue": bool(visit.findings()) and can_school(request.user, ORDER, "issue", visit.school),
        "can_add_photo": visit.inspector_id == request.user.pk and len(photos) < services.MAX_PHOTOS,
        "photo_error": photo_error,
    }
    return render(request, T + "visit.html", context, status=status)


@login_required
@require_GET
def visit_photo(request: HttpRequest, visit_id: int, photo_id: int) -> FileResponse:
    visit = selectors.visit_get(request.user, visit_id)
    photo = selectors.visit_photo_get(request.user, visit, photo_id)
    return _stream(photo.file, photo.content_type)


# --- 约谈 -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def interviews(request: AuthenticatedRequest) -> HttpResponse:
    _need(request.user, INTERVIEW)
    schools = selectors.schools_for(request.user, INTERVIEW, "record")
    can_record = schools.exists()
    # 约谈 about an order (the order page links here with ?order=): the order must be in reach.
    raw_order = request.POST.get("order") or request.GET.get("order")
    order = selectors.order_get(request.user, raw_order) if raw_order and can_record else None
    initial = {"order": order.pk, "reason": order.title} if order is not None else {}
    form = (
        InterviewForm(
            request.POST or None, schools=schools, school=order.school if order else None, initial=initial
        )
        if can_record
        else None
    )
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.interview_record(
                    actor=request.user,
                    school=d["school"],
                    person=d["person"],
                    position=d["position"],
                    held_on=d["held_on"],
                    reason=d["reason"],
                    outcome=d["outcome"],
                    order=order,
                )
            except ServiceError as exc:
                form.apply_error(exc)
            else:
                messages.success(request, _("约谈记录已保存。"))
                return redirect("supervision:interviews")
        status = 422
    context = {"interviews": selectors.interviews_visible(request.user)[:200], "form": form, "order": order}
    return render(request, T + "interviews.html", context, status=status)


# --- 通报 -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def notice_list(request: AuthenticatedRequest) -> HttpResponse:
    _need(request.user, NOTICE)
    units = selectors.bureau_units(request.user)
    form = NoticeForm(request.POST or None, units=units) if units else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            unit = next((u for u in units if str(u.pk) == form.cleaned_data["unit"]), None)
            assert unit is not None  # the form's choices are these units
            try:
                notice = services.notice_issue(
                    actor=request.user,
                    unit=unit,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except ServiceError as exc:
                form.apply_error(exc)
            else:
                messages.success(request, _("通报已发布。"))
                return redirect("supervision:notice", notice.pk)
        status = 422
    context = {"notices": selectors.notices_visible(request.user)[:100], "form": form}
    return render(request, T + "notices.html", context, status=status)


@login_required
@require_GET
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = selectors.notice_get(request.user, notice_id)
    receipts = list(selectors.receipts_for(request.user, notice))
    confirmable = [
        r for r in receipts if r.read_at is None and can_school(request.user, NOTICE, "confirm", r.school)
    ]
    context = {
        "notice": notice,
        "receipts": receipts,
        "issuer": selectors.is_issuer_side(request.user, notice),
        "confirmable": confirmable,
    }
    return render(request, T + "notice.html", context)


@login_required
@require_POST
def notice_confirm(request: AuthenticatedRequest, notice_id: int) -> HttpResponse:
    notice = selectors.notice_get(request.user, notice_id)
    receipt = selectors.receipt_get(request.user, notice, request.POST.get("receipt"))
    try:
        services.notice_confirm(actor=request.user, receipt=receipt)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, exc.message)
        return redirect("supervision:notice", notice.pk)
    messages.success(request, _("已确认阅读。"))
    return redirect("supervision:notice", notice.pk)


# --- inspectors -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def inspectors(request: AuthenticatedRequest) -> HttpResponse:
    _need(request.user, INSPECTORS)
    schools = selectors.schools_for(request.user, INSPECTORS, "manage")
    people = selectors.inspectors_for(request.user)
    form = AssignForm(request.POST or None, schools=schools, inspectors=people) if schools.exists() else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if request.POST.get("remove"):
            row = selectors.assignment_get(request.user, request.POST["remove"])
            try:
                services.inspector_unassign(actor=request.user, assignment=row)
            except ServiceError as exc:
                return _bad(request, exc.message, status=exc.status)
            messages.success(request, _("已取消分配。"))
            return redirect("supervision:inspectors")
        if form.is_valid():
            try:
                services.inspector_assign(
                    actor=request.user,
                    inspector_id=form.cleaned_data["inspector"],
                    school=form.cleaned_data["school"],
                )
            except ServiceError as exc:
                form.apply_error(exc)
            else:
                messages.success(request, _("已分配。"))
                return redirect("supervision:inspectors")
        status = 422
    context = {"rows": selectors.assignments_visible(request.user), "form": form}
    return render(request, T + "inspectors.html", context, status=status)


# --- scorecard policy -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: AuthenticatedRequest) -> HttpResponse:
    units = selectors.bureau_units(request.user, SCORECARD, "policy")
    if not units:
        raise Http404
    today = timezone.localdate()
    in_force = scorecard.policy_for_unit(units[0], today)
    rules = in_force.rules
    initial: dict[str, Any] = {
        "unit": units[0].pk,
        "effective_from": today,
        **{k: v for k, v in rules.items() if k not in ("weights", "committee_roles")},
        **{f"weight_{k}": v for k, v in rules["weights"].items()},
    }
    form = PolicyForm(request.POST or None, units=units, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            unit = next(u for u in units if str(u.pk) == form.cleaned_data["unit"])
            try:
                scorecard.policy_set(
                    actor=request.user,
                    unit=unit,
                    rules={**form.rules(), "committee_roles": rules["committee_roles"]},
                    effective_from=form.cleaned_data["effective_from"],
                    note=form.cleaned_data["note"],
                )
            except ServiceError as exc:
                form.apply_error(exc)
            else:
                messages.success(request, _("考评规则已保存为新版本。"))
                return redirect("supervision:policy")
        status = 422
    context = {"form": form, "history": scorecard.versions(units), "in_force": in_force}
    return render(request, T + "policy.html", context, status=status)
