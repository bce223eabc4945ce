"""The gate's pages: four lists with filters, four phone forms, the 离校 tap and the Excel export.

Thin: parse, call a selector or service, render. A service refusal becomes a message on the form;
what the caller may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.access.matrix import allowed
from anxin.core.errors import NotFound, ServiceError
from anxin.ledgers import pages
from anxin.ledgers.kit import BadPeriod, read_period, schools_for_write

from . import exports, selectors, services
from .forms import ExitForm, FilterForm, ItemForm, LeaveForm, VisitorForm
from .selectors import EXIT, ITEM, LEAVE, VISITOR

#: The gate's names for the period in the query string (kept from before the kit).
SPAN = ("date_from", "date_to")


def _tabs(user: Any, active: str) -> list[dict[str, Any]]:
    tabs = [
        ("visitors", _("来访登记"), "ledgers:gate_list", VISITOR),
        ("exits", _("学生出校"), "ledgers:gate_exits", EXIT),
        ("leaves", _("请假条"), "ledgers:gate_leaves", LEAVE),
        ("items", _("危险物品"), "ledgers:gate_items", ITEM),
    ]
    return [
        {"key": k, "label": label, "url": reverse(name), "active": k == active}
        for k, label, name, res in tabs
        if allowed(user, res, "view")
    ]


def _list(
    request: HttpRequest, *, resource: str, active: str, template: str, rows_of: Any, **extra: Any
) -> HttpResponse:
    if not allowed(request.user, resource, "view"):
        raise Http404
    status, error, data = 200, "", {}
    try:
        period = read_period(request.GET, keys=SPAN)
    except BadPeriod as exc:
        rows, status, error = [], 400, _("筛选条件有误：%(reason)s") % {"reason": exc.message}
    else:
        filters = FilterForm(request.GET)
        filters.is_valid()  # check boxes: anything else is simply "off"
        data = {**filters.cleaned_data, **period.as_filter(*SPAN)}
        rows = rows_of(data)
    page = pages.page_of(request, rows)
    context = {
        "tabs": _tabs(request.user, active),
        "page": page,
        "rows": selectors.with_shown_names(request.user, list(page)),
        "filters": data,
        "filter_error": error,
        "can_record": allowed(request.user, resource, "record"),
        "query": request.GET.urlencode(),
        "figures": selectors.gate_figures(request.user),
        "see_visitors": allowed(request.user, VISITOR, "view"),
        **extra,
    }
    return render(request, template, context, status=status)


@login_required
@require_GET
def visitors(request: HttpRequest) -> HttpResponse:
    def rows(f: dict[str, Any]) -> Any:
        return selectors.visitors_visible(
            request.user, date_from=f.get("date_from"), date_to=f.get("date_to"), inside=bool(f.get("inside"))
        )

    return _list(
        request, resource=VISITOR, active="visitors", template="ledgers/gate/visitors.html", rows_of=rows
    )


@login_required
@require_GET
def exits(request: HttpRequest) -> HttpResponse:
    def rows(f: dict[str, Any]) -> Any:
        return selectors.exits_visible(
            request.user,
            date_from=f.get("date_from"),
            date_to=f.get("date_to"),
            stopped=bool(f.get("stopped")),
        )

    return _list(request, resource=EXIT, active="exits", template="ledgers/gate/exits.html", rows_of=rows)


@login_required
@require_GET
def leaves(request: HttpRequest) -> HttpResponse:
    def rows(f: dict[str, Any]) -> Any:
        return selectors.leaves_visible(request.user, date_from=f.get("date_from"), date_to=f.get("date_to"))

    return _list(
        request,
        resource=LEAVE,
        active="leaves",
        template="ledgers/gate/leaves.html",
        rows_of=rows,
        can_return=allowed(request.user, LEAVE, "return"),
        now=timezone.now(),
    )


@login_required
@require_GET
def items(request: HttpRequest) -> HttpResponse:
    def rows(f: dict[str, Any]) -> Any:
        return selectors.items_visible(request.user, date_from=f.get("date_from"), date_to=f.get("date_to"))

    return _list(request, resource=ITEM, active="items", template="ledgers/gate/items.html", rows_of=rows)


def _form_page(request: HttpRequest, form: Any, *, title: str, back: str, **extra: Any) -> HttpResponse:
    context = {"form": form, "title": title, "back": reverse(back), **extra}
    return render(request, "ledgers/gate/form.html", context, status=pages.form_status(form))


def _record(request: HttpRequest, form: Any, save: Any, *, done: Any, then: str) -> HttpResponse | None:
    return pages.record(
        request, form, save, done=done, then=reverse(then), again=_("这条记录已经提交过，未重复保存。")
    )


@login_required
@require_http_methods(["GET", "POST"])
def visitor_new(request: HttpRequest) -> HttpResponse:
    schools = schools_for_write(request.user, VISITOR)
    form = VisitorForm(request.POST or None, schools=schools)

    def save(d: dict[str, Any]) -> Any:
        return services.visitor_record(
            actor=request.user,
            school=d["school"],
            client_key=d["client_key"],
            name=d["name"],
            id_last4=d["id_last4"],
            phone=d["phone"],
            host_id=d["host"].pk if d["host"] else None,
            host_text=d["host_text"],
            reason=d["reason"],
            items=d["items"],
        )

    return _record(request, form, save, done=_("已登记来访。"), then="ledgers:gate_list") or _form_page(
        request, form, title=_("来访登记"), back="ledgers:gate_list"
    )


@login_required
@require_POST
def visitor_out(request: HttpRequest, visitor_id: int) -> HttpResponse:
    visitor = services.visitor_check_out(actor=request.user, visitor_id=visitor_id)
    messages.success(request, _("%(name)s 已离校。") % {"name": visitor.name})
    return redirect(reverse("ledgers:gate_list") + "?inside=on")


@login_required
@require_POST
def leave_return(request: HttpRequest, pk: int) -> HttpResponse:
    """销假 from the list of passes or from the reminder of an unreturned pupil (``next``)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("ledgers:gate_leaves")
    try:
        leave = services.leave_return(actor=request.user, leave_id=pk)
    except NotFound:
        raise
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        at = timezone.localtime(leave.returned_at).strftime("%H:%M")
        messages.success(
            request, _("%(name)s 已销假（%(at)s）。") % {"name": leave.student.masked_name, "at": at}
        )
    return redirect(target)


def _picker(request: HttpRequest, resource: str) -> dict[str, Any]:
    """The student search of the exit and item forms (name or student number, own school only)."""
    query = request.GET.get("q", "")[:30]
    found = selectors.students_for_gate(request.user, query, resource=resource)
    picked = None
    raw = request.POST.get("student") or request.GET.get("student")
    # A page shows a child only as one of the look-up's own answers: an id in the address alone
    # would let gate staff walk through ids and read each child's masked name and class. A posted
    # exit or item is a record the service checks and the audit trail keeps.
    if raw and (request.method == "POST" or any(str(s["id"]) == raw for s in found)):
        try:
            picked = selectors.gate_student_get(request.user, raw, resource=resource)
        except ServiceError:
            picked = None
    return {
        "query": query,
        "found": found,
        "picked": picked,
        "picked_name": selectors.shown_name(request.user, picked) if picked else "",
        "picked_class": picked.klass.display_name if picked else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def exit_new(request: HttpRequest) -> HttpResponse:
    schools_for_write(request.user, EXIT)
    pick = _picker(request, EXIT)
    leave = None
    if pick["picked"] is not None:
        leave = selectors.leave_covering(pick["picked"], timezone.now())
    form = ExitForm(request.POST or None, initial={"student": pick["picked"].pk if pick["picked"] else None})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rec = services.exit_record(
                actor=request.user,
                student_id=d["student"],
                client_key=d["client_key"],
                action=d["action"],
                note=d["note"],
            )
        except ServiceError as exc:
            if exc.status == 404:
                raise
            form.apply_error(exc)
        else:
            text = _("已记录：持假条离校。") if not rec.entry.stopped else _("已记录：拦下，已通知班主任。")
            messages.success(request, text if rec.created else _("这条记录已经提交过，未重复保存。"))
            return redirect("ledgers:gate_exits")
    return _form_page(
        request, form, title=_("学生出校"), back="ledgers:gate_exits", pick=pick, leave=leave, exit_form=True
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave_new(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, LEAVE, "record"):
        raise Http404
    form = LeaveForm(request.POST or None, user=request.user)

    def save(d: dict[str, Any]) -> Any:
        return services.leave_approve(
            actor=request.user,
            student_id=d["student"].pk,
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            reason=d["reason"],
            client_key=d["client_key"],
        )

    return _record(request, form, save, done=_("已批准请假。"), then="ledgers:gate_leaves") or _form_page(
        request, form, title=_("批准请假"), back="ledgers:gate_leaves"
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest) -> HttpResponse:
    schools = schools_for_write(request.user, ITEM)
    pick = _picker(request, ITEM)
    form = ItemForm(
        request.POST or None,
        request.FILES or None,
        schools=schools,
        user=request.user,
        initial={"student": pick["picked"].pk if pick["picked"] else None},
    )

    def save(d: dict[str, Any]) -> Any:
        photo = d.get("photo")
        return services.item_record(
            actor=request.user,
            school=d["school"],
            client_key=d["client_key"],
            kind=d["kind"],
            action=d["action"],
            description=d["description"],
            student_id=d["student"],
            visitor_id=d["visitor"],
            photo=photo,
            photo_name=getattr(photo, "name", ""),
        )

    return _record(request, form, save, done=_("已登记危险物品。"), then="ledgers:gate_items") or _form_page(
        request, form, title=_("危险物品登记"), back="ledgers:gate_items", pick=pick, multipart=True
    )


@login_required
@require_GET
def item_photo(request: HttpRequest, item_id: int) -> FileResponse:
    item = selectors.item_get(request.user, item_id)
    if not item.photo:
        raise Http404
    return FileResponse(item.photo.open("rb"), content_type=item.photo_type or "application/octet-stream")


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    if not any(allowed(request.user, r, "view") for r in (VISITOR, EXIT, LEAVE, ITEM)):
        raise Http404
    try:
        period = read_period(request.GET, keys=SPAN)
    except BadPeriod as exc:
        return render(
            request,
            "ledgers/gate/bad_filter.html",
            {"message": _("导出的日期范围有误：%(reason)s") % {"reason": exc.message}},
            status=400,
        )
    return exports.gate_workbook(request.user, period.start, period.end)
