"""Pages of the education ledgers. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from anxin.access.matrix import allowed, can_at
from anxin.core.errors import Invalid, ServiceError
from anxin.ledgers import pages
from anxin.ledgers.errors import LedgerError
from anxin.ledgers.kit import BadPeriod, read_window, schools_for_write

from . import exports, selectors, services
from .forms import ActivityForm, DocumentForm, MeetingForm, SessionForm
from .models import ActivityType, DocKind
from .schooldays import UNKNOWN_LABEL

#: How far back the class page looks for sessions due and not recorded.
GAP_DAYS = 30


def _errors_as_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A refusal on a GET (a bad date in the query) is a Chinese message with a 400, never a 500."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (Invalid, BadPeriod) as exc:
            return render(
                request,
                "ledgers/education/error.html",
                {"message": exc.message, "code": exc.code},
                status=400,
            )

    return wrapper


def _period(params: Any) -> tuple[date, date]:
    """?from=&to= on lists and exports, the kit's default window when open."""
    return read_window(params)


def _class_param(request: HttpRequest, resource: str) -> Any:
    raw = request.GET.get("class") or ""
    return selectors.class_get(request.user, raw, resource) if raw else None


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not any(
        allowed(user, r, "view")
        for r in ("ledger_1530", "ledger_class_meeting", "ledger_edu_activity", "ledger_edu_document")
    ):
        raise Http404
    today = timezone.localdate()
    due = selectors.today_due(today)
    classes = (
        list(selectors.classes_for(user, "ledger_1530", "record"))
        if allowed(user, "ledger_1530", "record")
        else []
    )
    recorded = {
        s.klass_id: s
        for s in selectors.sessions_visible(user, start=today, end=today).filter(klass__in=classes)
    }
    my_classes = [{"klass": k, "session": recorded.get(k.pk)} for k in classes]
    context = {
        "today": today,
        "due": due,
        "unknown_label": UNKNOWN_LABEL,
        "my_classes": my_classes[:60],
        "can_1530": allowed(user, "ledger_1530", "view"),
        "can_meetings": allowed(user, "ledger_class_meeting", "view"),
        "can_activities": allowed(user, "ledger_edu_activity", "view"),
        "can_documents": allowed(user, "ledger_edu_document", "view"),
    }
    return render(request, "ledgers/education/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def class_page(request: HttpRequest, class_id: int) -> HttpResponse:
    """One class's 1530: today's session as one big 已完成 button, and the gaps of the last 30 days."""
    klass = selectors.class_get(request.user, class_id, "ledger_1530")
    can_record = can_at(request.user, "ledger_1530", "record", klass.path)
    today = timezone.localdate()
    if request.method == "POST":
        if not can_record:
            raise Http404
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                result = services.session_record(
                    actor=request.user,
                    klass=klass,
                    day=form.cleaned_data["date"],
                    kind=form.cleaned_data["kind"],
                    client_key=form.cleaned_data["client_key"],
                    note=form.cleaned_data["note"],
                )
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                if result.created:
                    messages.success(
                        request,
                        _("已记录：%(day)s %(kind)s安全教育。")
                        % {"day": result.entry.date, "kind": result.entry.get_kind_display()},
                    )
                else:
                    messages.info(request, _("这一天已经记录过了。"))
        else:
            messages.error(request, _("提交的内容不正确，请刷新页面后重试。"))
        return redirect("ledgers:education_class", class_id=klass.pk)
    start = today - timedelta(days=GAP_DAYS - 1)
    rows = selectors.class_due(request.user, klass, start, today)
    gaps = [r for r in reversed(rows) if not r.done and r.due.day < today]
    today_row = next((r for r in rows if r.due.day == today), None)
    done = sum(1 for r in rows if r.done)
    context = {
        "klass": klass,
        "today": today,
        "today_row": today_row,
        "gaps": gaps,
        "recent": selectors.sessions_visible(request.user, klass=klass)[:10],
        "done": done,
        "due_count": len(rows),
        "percent": round(done * 100 / len(rows)) if rows else None,
        "can_record": can_record,
        "unknown_label": UNKNOWN_LABEL,
    }
    return render(request, "ledgers/education/class.html", context)


@login_required
@require_GET
@_errors_as_page
def sessions(request: HttpRequest) -> HttpResponse:
    """1530 records and gaps of a period, per class the caller can see, with the completeness."""
    if not allowed(request.user, "ledger_1530", "view"):
        raise Http404
    start, end = _period(request.GET)
    klass = _class_param(request, "ledger_1530")
    classes = [klass] if klass else list(selectors.classes_for(request.user))
    rows = selectors.due_rows(classes, start, end)
    per_class: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = per_class.setdefault(row.klass.pk, {"klass": row.klass, "due": 0, "done": 0, "gaps": []})
        entry["due"] += 1
        if row.done:
            entry["done"] += 1
        else:
            entry["gaps"].append(row)
    for entry in per_class.values():
        entry["percent"] = round(entry["done"] * 100 / entry["due"]) if entry["due"] else None
    records = selectors.sessions_visible(request.user, klass=klass, start=start, end=end)
    page = pages.page_of(request, records)
    done = sum(1 for r in rows if r.done)
    context = {
        "start": start,
        "end": end,
        "klass": klass,
        "classes": selectors.classes_for(request.user),
        "per_class": list(per_class.values()),
        "page": page,
        "done": done,
        "due_count": len(rows),
        "percent": round(done * 100 / len(rows)) if rows else None,
        "unknown": any(not r.due.known for r in rows),
        "unknown_label": UNKNOWN_LABEL,
        "query": request.GET.urlencode(),
    }
    return render(request, "ledgers/education/sessions.html", context)


@login_required
@require_GET
@_errors_as_page
def sessions_export(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_1530", "view"):
        raise Http404
    start, end = _period(request.GET)
    klass = _class_param(request, "ledger_1530")
    return exports.sessions_xlsx(request.user, klass, start, end)


@login_required
@require_GET
@_errors_as_page
def meetings(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_class_meeting", "view"):
        raise Http404
    today = timezone.localdate()
    term, counts = selectors.meeting_counts(request.user, today)
    klass = _class_param(request, "ledger_class_meeting")
    rows = selectors.meetings_visible(request.user, klass=klass)
    page = pages.page_of(request, rows)
    context = {
        "term": term,
        "counts": counts,
        "completeness": selectors.meeting_completeness(counts),
        "page": page,
        "klass": klass,
        "classes": selectors.classes_for(request.user, "ledger_class_meeting"),
        "can_record": allowed(request.user, "ledger_class_meeting", "record"),
    }
    return render(request, "ledgers/education/meetings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    schools_for_write(request.user, "ledger_class_meeting")
    classes = selectors.classes_for(request.user, "ledger_class_meeting", "record")
    form = MeetingForm(request.POST or None, classes=classes, initial={"date": timezone.localdate()})

    def save(d: dict[str, Any]) -> Any:
        return services.meeting_record(
            actor=request.user,
            klass=d["klass"],
            day=d["date"],
            topic=d["topic"],
            summary=d["summary"],
            client_key=d["client_key"],
        )

    return pages.record(
        request,
        form,
        save,
        done=_("班会已记录。"),
        then=reverse("ledgers:education_meetings"),
        again=_("这条班会已经记录过了。"),
    ) or _form_page(request, form, _("记录防欺凌主题班会"))


@login_required
@require_GET
@_errors_as_page
def activities(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_edu_activity", "view"):
        raise Http404
    start, end = _period(request.GET)
    kind = request.GET.get("type") or ""
    if kind and kind not in ActivityType.values:
        raise Invalid(_("没有这种活动类型。"), code=LedgerError.BAD_TYPE)
    rows = selectors.activities_visible(request.user, type=kind, start=start, end=end)
    page = pages.page_of(request, rows)
    context = {
        "page": page,
        "start": start,
        "end": end,
        "type": kind,
        "types": ActivityType.choices,
        "can_record": allowed(request.user, "ledger_edu_activity", "record"),
        "query": request.GET.urlencode(),
    }
    return render(request, "ledgers/education/activities.html", context)


@login_required
@require_GET
@_errors_as_page
def activities_export(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_edu_activity", "view"):
        raise Http404
    start, end = _period(request.GET)
    kind = request.GET.get("type") or ""
    if kind and kind not in ActivityType.values:
        raise Invalid(_("没有这种活动类型。"), code=LedgerError.BAD_TYPE)
    return exports.activities_xlsx(
        selectors.activities_visible(request.user, type=kind, start=start, end=end)
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    schools = schools_for_write(request.user, "ledger_edu_activity")
    form = ActivityForm(request.POST or None, schools=schools, initial={"date": timezone.localdate()})

    def save(d: dict[str, Any]) -> Any:
        return services.activity_record(
            actor=request.user,
            school=d["school"],
            type=d["type"],
            day=d["date"],
            title=d["title"],
            summary=d["summary"],
            expected=d["expected"],
            present=d["present"],
            client_key=d["client_key"],
        )

    return pages.record(
        request,
        form,
        save,
        done=_("活动已记录。"),
        then=reverse("ledgers:education_activities"),
        again=_("这条活动已经记录过了。"),
    ) or _form_page(request, form, _("记录教育活动"))


def _form_page(request: HttpRequest, form: Any, heading: str) -> HttpResponse:
    context = {"form": form, "heading": heading}
    return render(request, "ledgers/education/form_page.html", context, status=pages.form_status(form))


def _doc_school(request: HttpRequest) -> Any:
    raw = request.GET.get("school") or request.POST.get("school") or ""
    if raw:
        return selectors.school_get(request.user, raw, "ledger_edu_document")
    schools = list(selectors.schools_for(request.user, "ledger_edu_document", "view")[:2])
    if len(schools) != 1:
        return None
    return schools[0]


@login_required
@require_GET
def documents(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "ledger_edu_document", "view"):
        raise Http404
    school = _doc_school(request)
    context = {
        "school": school,
        "docs": selectors.documents_for(request.user, school) if school else [],
        "schools": [] if school else selectors.schools_for(request.user, "ledger_edu_document", "view")[:500],
    }
    return render(request, "ledgers/education/documents.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def document(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in DocKind.values:
        raise Http404
    school = _doc_school(request)
    if school is None:
        raise Http404
    doc = selectors.document_get(request.user, school, kind)
    can_edit = can_at(request.user, "ledger_edu_document", "manage", school.path)
    form = DocumentForm(request.POST or None, initial={"text": doc.current.text if doc.current else ""})
    if request.method == "POST":
        if not can_edit:
            # They can read the document, so this is a refusal rather than "not found".
            raise PermissionDenied
        if form.is_valid():
            try:
                services.document_version_add(
                    actor=request.user,
                    school=school,
                    kind=kind,
                    text=form.cleaned_data["text"],
                    note=form.cleaned_data["note"],
                )
            except ServiceError as exc:
                form.apply_error(exc)
            else:
                messages.success(request, _("已保存为新版本。"))
                return redirect(reverse("ledgers:education_document", args=[kind]) + f"?school={school.pk}")
    by_number = {v.number: v for v in doc.versions}
    compare = None
    a, b = request.GET.get("a"), request.GET.get("b")
    if a and b:
        try:
            old, new = by_number[int(a)], by_number[int(b)]
        except (KeyError, ValueError):
            messages.error(request, _("要比较的版本不存在。"))
        else:
            compare = {"old": old, "new": new, "lines": selectors.diff_lines(old.text, new.text)}
    context = {"school": school, "doc": doc, "form": form, "can_edit": can_edit, "compare": compare}
    return render(request, "ledgers/education/document.html", context, status=422 if form.errors else 200)
