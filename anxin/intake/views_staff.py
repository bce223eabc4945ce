"""Staff pages of the intake: the queue, one report and its actions, recording and quick reports.

Thin: parse, call a selector or service, render. Every refusal of a service becomes a Chinese
message on the page, never an error page (out-of-scope reports excepted: those are 404).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from anxin.access.matrix import allowed, can
from anxin.audit.models import AuditEvent
from anxin.core.errors import ServiceError
from anxin.org.models import Role
from anxin.org.requests import AuthenticatedRequest

from . import events, selectors, services
from .forms import (
    ACTION_FORMS,
    AcceptForm,
    AcknowledgeForm,
    ActionForm,
    AssignForm,
    CloseForm,
    MergeForm,
    QuickForm,
    RecordForm,
    ReplyForm,
    form_errors_text,
    queue_filters,
)
from .models import Kind, Photo, Place, Report, Status

#: Short names of the five kinds for the queue; the report page shows the full words.
KIND_SHORT = {
    Kind.PHYSICAL: gettext_lazy("肢体"),
    Kind.VERBAL: gettext_lazy("言语"),
    Kind.PROPERTY: gettext_lazy("财物"),
    Kind.RELATIONAL: gettext_lazy("排斥孤立"),
    Kind.CYBER: gettext_lazy("网络"),
}

HISTORY_LABELS = {
    events.REPORT_RECEIVED: gettext_lazy("通过爱心信箱收到"),
    events.REPORT_RECORDED: gettext_lazy("教职工登记"),
    events.REPORT_ACKNOWLEDGED: gettext_lazy("确认收到"),
    events.REPORT_ASSIGNED: gettext_lazy("分派负责人"),
    events.REPORT_REPLIED: gettext_lazy("回复反映人"),
    events.REPORT_REPORTER_MESSAGE: gettext_lazy("反映人留言"),
    events.REPORT_MERGED: gettext_lazy("合并到其他报告"),
    events.REPORT_ACCEPTED: gettext_lazy("受理"),
    events.REPORT_CLOSED: gettext_lazy("关闭：不属于欺凌"),
    events.REPORT_ESCALATED: gettext_lazy("无人确认，逐级提醒"),
    events.DEVICE_ALARM: gettext_lazy("报警装置报警"),
}

DONE = {
    "acknowledge": gettext_lazy("已确认收到。"),
    "assign": gettext_lazy("已分派负责人。"),
    "reply": gettext_lazy("回复已发送，反映人凭回执码即可看到。"),
    "merge": gettext_lazy("已合并。"),
    "accept": gettext_lazy("已受理；案件办理功能上线后将转为案件。"),
    "close": gettext_lazy("已关闭，反映人查询时会看到关闭原因。"),
}

#: Where a quick report most likely comes from, by the reporter's post.
QUICK_PLACE = {Role.GATE_GUARD: Place.GATE, Role.DORM_STAFF: Place.DORMITORY}


def _signal_labels(report: Report) -> list[tuple[str, str]]:
    return [(s, str(services.EXPLAIN_SIGNAL.get(s, s))) for s in report.signals]


def _kind_labels(codes: list[str], *, short: bool) -> list[tuple[str, str]]:
    labels = []
    for code in codes:
        if code in Kind.values:
            labels.append((code, str(KIND_SHORT[code] if short else Kind(code).label)))
    return labels


def _decorate(report: Report) -> Report:
    """Labels the templates show, computed once (no template tags of our own)."""
    report.signal_labels = _signal_labels(report)  # type: ignore[attr-defined]
    report.kind_labels = _kind_labels(report.triage_kinds, short=True)  # type: ignore[attr-defined]
    return report


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "report", "view"):
        raise Http404
    filters = queue_filters(request.GET)
    reports = selectors.reports_visible(request.user, **filters)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    rows = [_decorate(r) for r in page]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "statuses": Status.choices,
        "many_schools": len({r.school_id for r in rows}) > 1,
        "can_record": allowed(request.user, "report", "record"),
    }
    return render(request, "intake/staff/queue.html", context)


def _actor(event: AuditEvent) -> str:
    # Events without an account in a reporter's own actions come from the anonymous reporter.
    if event.actor_id is None and event.action in (events.REPORT_RECEIVED, events.REPORT_REPORTER_MESSAGE):
        return _("反映人")
    return event.actor_label


def _history(report: Report) -> tuple[list[dict[str, Any]], int]:
    """What happened to the report, from the audit trail; reads are only counted."""
    changes, views, names = selectors.report_history(report)
    rows = []
    for event in changes:
        after = event.after if isinstance(event.after, dict) else {}
        detail = ""
        if event.action == events.REPORT_ASSIGNED:
            detail = names.get(after.get("owner"), "")
        elif event.action == events.REPORT_MERGED:
            detail = f"#{after.get('into')}"
        elif event.action == events.REPORT_ESCALATED:
            who = "、".join(names.get(pk, "") for pk in after.get("notified", []) if names.get(pk)) or _(
                "无人可通知"
            )
            detail = _("第 %(step)s 级，%(who)s") % {"step": after.get("step"), "who": who}
        elif (
            after.get("status") and event.action != events.REPORT_ACKNOWLEDGED
        ):  # "确认收到：已确认收到" says it twice
            detail = str(Status(after["status"]).label) if after["status"] in Status.values else ""
        rows.append(
            {
                "at": event.at,
                "label": HISTORY_LABELS.get(event.action, event.action),
                "actor": _actor(event),
                "detail": detail,
            }
        )
    return rows, views


def _reasons(report: Report) -> list[dict[str, Any]]:
    """Why triage said what it said: each label with the words that triggered it."""
    reasons = []
    for reason in report.triage_reasons:
        if not isinstance(reason, dict):
            continue
        signal = reason.get("signal")
        kind = reason.get("kind", "")
        review = bool(reason.get("review"))
        if review:
            label = _("可能紧急")
        else:
            label = services.EXPLAIN_SIGNAL.get(signal, signal) if signal else KIND_SHORT.get(kind, kind)
        reasons.append(
            {
                "signal": bool(signal),
                "review": review,
                "label": str(label),
                "words": reason.get("words", []),
                "explanation": reason.get("explanation", ""),
            }
        )
    return reasons


def _action_forms(user: Any, report: Report, bound: ActionForm | None) -> dict[str, ActionForm]:
    """The actions this person may take on the report now, each with its (possibly bound) form."""
    forms: dict[str, ActionForm] = {}
    if can(user, "report", "handle", report):
        if report.can_acknowledge():
            forms["acknowledge"] = AcknowledgeForm(report=report)
        if report.can_assign():
            forms["assign"] = AssignForm(report=report, initial={"owner": report.owner_id})
        if report.can_merge():
            forms["merge"] = MergeForm(report=report)
        if report.can_accept():
            forms["accept"] = AcceptForm(report=report)
        if report.can_close():
            forms["close"] = CloseForm(report=report)
    if report.receipt_hash and can(user, "report", "reply", report):
        forms["reply"] = ReplyForm(report=report)
    if bound is not None and bound.action in forms:
        forms[bound.action] = bound
    return forms


def _report_page(request: HttpRequest, report: Report, bound: ActionForm | None = None) -> HttpResponse:
    user = request.user
    history, views = _history(report)
    forms = _action_forms(user, report, bound)
    conversation = list(report.messages.select_related("author").prefetch_related("photos"))
    context = {
        "report": _decorate(report),
        "reported_kinds": _kind_labels(report.reported_kinds, short=False),
        "reasons": _reasons(report),
        "photos": list(report.photos.filter(message__isnull=True).order_by("pk")),
        "conversation": conversation,
        "merged_reports": list(report.merged_reports.order_by("pk").values_list("pk", flat=True)),
        "history": history,
        "views": views,
        "forms": forms,
        "open_form": bound.action if bound is not None else "",
        "can_handle": can(user, "report", "handle", report),
        "deliveries": selectors.report_deliveries(report) if can(user, "report", "handle", report) else [],
        "merge_candidates": list(selectors.merge_candidates(report)[:50]) if "merge" in forms else [],
    }
    return render(request, "intake/staff/report.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    if request.method == "GET":
        return _report_page(request, selectors.report_open(request.user, report_id))
    # The action itself is audited; reading the report to act on it is not a separate view.
    report = selectors.report_get(request.user, report_id)
    action = request.POST.get("action", "")
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        messages.error(request, _("未知的操作。"))
        return redirect("intake:report", report_id=report.pk)
    form = form_class(request.POST, report=report)
    if form.is_valid():
        try:
            form.submit(actor=request.user)
        except ServiceError as exc:
            form.apply_error(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, DONE[action])
            return redirect("intake:report", report_id=report.pk)
    else:
        messages.error(request, form_errors_text(form))
    # Re-read: a refused action may still have met a report that someone else just changed.
    return _report_page(request, selectors.report_get(request.user, report_id), bound=form)


@login_required
@require_GET
def photo(request: HttpRequest, report_id: int, photo_id: int) -> HttpResponse:
    report = selectors.report_get(request.user, report_id)
    item = Photo.objects.filter(report=report, pk=photo_id).first()
    if item is None:
        raise Http404
    try:
        handle = item.file.storage.open(item.file.name, "rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def record(request: AuthenticatedRequest) -> HttpResponse:
    schools = selectors.record_schools(request.user)
    if not schools.exists():
        raise Http404
    form = RecordForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        try:
            submission = form.submit(actor=request.user)
        except ServiceError as exc:
            form.apply_error(exc)
        else:
            # Rendered, not redirected: the receipt is shown this once and stored nowhere.
            context = {
                "report": submission.report,
                "receipt": submission.receipt,
                "follow_url": request.build_absolute_uri(reverse("box:follow")),
            }
            return _no_store(render(request, "intake/staff/recorded.html", context))
    return render(request, "intake/staff/record.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def quick(request: AuthenticatedRequest) -> HttpResponse:
    schools = selectors.record_schools(request.user)
    if not schools.exists():
        raise Http404
    roles = set(request.user.assignments.values_list("role", flat=True))
    place = next((p for r, p in QUICK_PLACE.items() if r in roles), "")
    form = QuickForm(request.POST or None, request.FILES or None, schools=schools, initial={"place": place})
    if request.method == "POST" and form.is_valid():
        try:
            submission = form.submit(actor=request.user)
        except ServiceError as exc:
            form.apply_error(exc)
        else:
            messages.success(
                request,
                _("已报告（编号 #%(number)d），学校会尽快处理。") % {"number": submission.report.pk},
            )
            return redirect("intake:quick")
    return render(request, "intake/staff/quick.html", {"form": form})
