"""Staff pages of case handling: the list, opening a case, the case page, one action, attachments.

Thin: parse, call a selector or :func:`~anxin.cases.services.case_act`, render. Every refusal of a
service becomes a Chinese message on the page with its stable code; cases out of reach are 404.
Names of children are shown only to those :func:`~anxin.cases.permissions.sees_identities` allows;
everyone else reads 张*某, in labels, form choices and the list alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
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
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from anxin.core.formfields import choice_field, refused_file_field
from anxin.core.params import MAX_ID
from anxin.core.workbench import object_panels
from anxin.intake import selectors as intake_selectors
from anxin.intake.models import OPEN_STATUSES as REPORT_OPEN
from anxin.intake.models import Place, Report, TimeBand
from anxin.intake.models import Status as ReportStatus
from anxin.org.models import Unit
from anxin.org.models import mask_name as _mask
from anxin.org.requests import AuthenticatedRequest
from anxin.org.selectors import schools_where

from . import documents, events, selectors, services
from .deadlines import urgency
from .forms import FORMS, OpenForm
from .models import (
    Answer,
    Case,
    ContactMethod,
    Criterion,
    Deadline,
    EventKind,
    Kind,
    PanelSeat,
    ParentsRule,
    PartyRole,
)
from .permissions import identity_rule, sees_identities
from .states import State
from .workflow import STEPS, Step

PAGE_SIZE = 25
QUERY_MAX = 40

EVENT_ICONS = {
    EventKind.OPENED: "folder-plus",
    EventKind.TRANSITION: "arrow-right-circle",
    EventKind.NOTE: "pencil-square",
    EventKind.PARTY: "person-plus",
    EventKind.CONTACT: "telephone",
    EventKind.ATTACHMENT: "paperclip",
    EventKind.MEASURE: "clipboard-check",
    EventKind.VISIT: "house-heart",
    EventKind.NOTIFICATION: "bell",
    EventKind.DEADLINE: "calendar-event",
}

#: Fields whose choices are parties: their labels are rebuilt masked for those who may not see names.
PARTY_FIELDS = ("party", "applicant")


# --- small helpers --------------------------------------------------------------------------------


def _kind_labels(codes: Iterable[str]) -> list[str]:
    return [str(Kind(c).label) for c in codes or () if c in Kind.values]


def _error_page(request: HttpRequest, status: int, message: str, code: str, back: str = "") -> HttpResponse:
    context = {"message": message, "code": code, "back": back or reverse("cases:list")}
    return render(request, "cases/error.html", context, status=status)


def _deadline_row(deadline: Deadline | None) -> dict[str, Any] | None:
    if deadline is None:
        return None
    return {"d": deadline, "urgency": urgency(deadline)}


# --- the list ---------------------------------------------------------------------------------------


def _list_filters(params: Any) -> tuple[dict[str, Any], str]:
    """The list's filters from the query string, and an error message for a value that makes no sense."""
    status = params.get("status", "")
    if status and status not in State.values:
        return {}, _("“状态”的筛选条件不正确。")
    school_id: int | None = None
    if params.get("school"):
        try:
            school_id = int(params["school"])
        except (TypeError, ValueError):
            return {}, _("“学校”的筛选条件不正确。")
        if school_id <= 0 or school_id > MAX_ID:
            return {}, _("“学校”的筛选条件不正确。")
    query = (params.get("q") or "").strip()
    if len(query) > QUERY_MAX:
        return {}, _("搜索内容过长（不超过 %(n)s 个字）。") % {"n": QUERY_MAX}
    return {
        "status": status,
        "serious": True if params.get("serious") == "1" else None,
        "overdue": params.get("overdue") == "1",
        "school_id": school_id,
        "query": query,
        "include_closed": params.get("closed") == "1",
    }, ""


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (allowed(user, "case", "view") or allowed(user, "case", "handle")):
        raise Http404
    filters, error = _list_filters(request.GET)
    if error:
        return _error_page(request, 400, error, "bad_filter")
    schools = list(schools_where(user, "case", "view").only("pk", "name"))
    ids = selectors.case_list(user, **filters).values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    cases = selectors.cases_in_order(user, list(page.object_list))
    sees = identity_rule(user, cases)
    due = selectors.next_deadline_map([c.pk for c in cases])
    rows = [
        {
            "case": c,
            "identities": sees(c),
            "kinds": _kind_labels(c.kinds),
            "deadline": _deadline_row(due.get(c.pk)),
        }
        for c in cases
    ]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "statuses": State.choices,
        "schools": schools,
        "many_schools": len(schools) > 1,
        "can_open": allowed(user, "case", "open"),
        # The page of other schools' cases that involve this school's pupils (views_oversight.involved).
        "can_see_involved": allowed(user, "case", "handle"),
    }
    return render(request, "cases/list.html", context)


# --- opening a case ---------------------------------------------------------------------------------


class NewCaseForm(OpenForm):
    """The opening form with the school to open it at, when the caller may open cases at several."""

    school = forms.TypedChoiceField(label=gettext_lazy("学校"), coerce=int, required=False)

    def __init__(self, *args: Any, schools: list[Unit], fixed: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schools = {s.pk: s for s in schools}
        self.fixed = fixed
        if fixed is not None or len(schools) == 1:
            del self.fields["school"]
        else:
            choice_field(self, "school").choices = [("", "—"), *[(s.pk, s.name) for s in schools]]
            self.fields["school"].error_messages["invalid_choice"] = _("您不能在该学校立案。")
        for f in self.fields.values():
            f.error_messages["required"] = _("此项为必填项。")

    def clean_school(self) -> Any:
        value = self.cleaned_data.get("school")
        if value in (None, ""):
            raise forms.ValidationError(_("请选择学校。"))
        if value not in self.schools:
            raise forms.ValidationError(_("您不能在该学校立案。"))
        return value

    def school_unit(self) -> Unit:
        if self.fixed is not None:
            return self.fixed
        if "school" in self.fields:
            return self.schools[self.cleaned_data["school"]]
        return next(iter(self.schools.values()))


def _title_from_report(report: Report) -> str:
    where = [str(Place(report.place).label)] if report.place and report.place != Place.OTHER else []
    if report.time_band and report.time_band != TimeBand.OTHER:
        where.append(str(TimeBand(report.time_band).label))
    kinds = _kind_labels(dict.fromkeys([*(report.triage_kinds or []), *(report.reported_kinds or [])]))
    what = _("疑似%(kinds)s欺凌") % {"kinds": "、".join(kinds)} if kinds else _("疑似欺凌")
    title = f"{'·'.join(where)}：{what}" if where else str(what)
    return (title + _("（报告 #%(n)s）") % {"n": report.pk})[:200]


def _initial_from_report(report: Report) -> dict[str, Any]:
    kinds = [
        k
        for k in dict.fromkeys([*(report.reported_kinds or []), *(report.triage_kinds or [])])
        if k in Kind.values
    ]
    return {
        "title": _title_from_report(report),
        "kinds": kinds,
        "places": [report.place] if report.place else [],
        "time_bands": [report.time_band] if report.time_band else [],
        "occurred_on": report.occurred_on,
        "urgent": report.urgent,
    }


def _report_for_opening(request: HttpRequest, schools: list[Unit]) -> Report | HttpResponse | None:
    """The intake report named by ``?report=``, read within the caller's scope; or where to go instead."""
    raw = request.GET.get("report")
    if not raw:
        return None
    if request.method == "GET":
        report = intake_selectors.report_open(request.user, raw)  # reading a child's account is audited
    else:
        report = intake_selectors.report_get(request.user, raw)
    link = selectors.case_of_report(report)
    if link is not None:
        messages.info(request, _("该报告已立案：%(n)s。") % {"n": link.number})
        return redirect("cases:detail", pk=link.pk)
    if report.status not in (*REPORT_OPEN, ReportStatus.ACCEPTED):
        messages.error(request, _("该报告已处理或已合并，不能再次立案。"))
        return redirect("intake:report", report_id=report.pk)
    if report.school_id not in {s.pk for s in schools}:
        raise Http404
    return report


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: AuthenticatedRequest) -> HttpResponse:
    schools = list(schools_where(request.user, "case", "open"))
    if not schools:
        raise Http404
    found = _report_for_opening(request, schools)
    if isinstance(found, HttpResponse):
        return found
    report = found
    fixed = report.school if report is not None else None
    status = 200
    if request.method == "POST":
        form = NewCaseForm(request.POST, schools=schools, fixed=fixed)
        if form.is_valid():
            try:
                case = services.case_open(
                    actor=request.user,
                    school=form.school_unit(),
                    data=request.POST,
                    reports=[report] if report is not None else [],
                )
            except NotFound:
                raise
            except Forbidden:
                return _error_page(request, 403, str(Forbidden.default_message), "forbidden")
            except ServiceError as exc:
                status = _apply_error(request, form, exc)
            else:
                messages.success(request, _("已立案，案件编号 %(n)s。") % {"n": case.number})
                return redirect("cases:detail", pk=case.pk)
        else:
            status = 422
            messages.error(request, _("请补全或更正标出的内容。"))
    else:
        initial = _initial_from_report(report) if report is not None else {}
        form = NewCaseForm(initial=initial, schools=schools, fixed=fixed)
    _dress(form)
    context = {
        "form": form,
        "report": report,
        "report_kinds": _kind_labels(report.reported_kinds) if report is not None else [],
        "school": fixed or (schools[0] if len(schools) == 1 else None),
    }
    return render(request, "cases/new.html", context, status=status)


# --- the case page --------------------------------------------------------------------------------


def _detail_context(user: Any, case: Case) -> dict[str, Any]:
    data = selectors.case_detail(user, case)
    show = data["identities"]
    labels = {row["party"].pk: row["label"] for row in data["parties"]}
    members_by_det = {d.pk: [m.name for m in d.members_present.all()] for d in data["determinations"]}
    attachments = {a.pk: a for a in data["attachments"]}
    can_handle = can(user, "case", "handle", case)
    pending = [d for d in data["deadlines"] if d.pending]
    return {
        **data,
        "title_shown": show,
        "kinds": _kind_labels(case.kinds),
        "deadline_rows": [{"d": d, "urgency": urgency(d)} for d in data["deadlines"]],
        "next_deadline": _deadline_row(_next(pending)),
        "contact_rows": [
            {
                "c": c,
                "party": labels.get(c.party_id, ""),
                "guardian": c.guardian_name if show else _mask(c.guardian_name),
            }
            for c in data["contacts"]
        ],
        "determination_rows": [
            {
                "det": d,
                "kinds": _kind_labels(d.kinds),
                "members": members_by_det.get(d.pk, []),
                "criteria": [
                    {
                        "label": c.label,
                        "answer": (d.criteria or {}).get(c.value, {}).get("answer", ""),
                        "answer_label": _answer_label((d.criteria or {}).get(c.value, {}).get("answer", "")),
                        "evidence": (d.criteria or {}).get(c.value, {}).get("evidence", ""),
                    }
                    for c in Criterion
                ],
            }
            for d in data["determinations"]
        ],
        "measure_rows": [_measure_row(m, labels) for m in data["measures"]],
        "reexam_rows": [
            {
                "rx": rx,
                "applicant": labels.get(rx.applicant_id, ""),
                "panel": [
                    {
                        "name": p.get("name", ""),
                        "seat": _seat_label(p.get("seat", "")),
                        "affiliation": p.get("affiliation", ""),
                    }
                    for p in (rx.panel or [])
                    if isinstance(p, dict)
                ],
            }
            for rx in data["reexaminations"]
        ],
        "visit_rows": [
            {"v": v, "party": labels.get(v.party_id, "") if v.party_id else ""} for v in data["visits"]
        ],
        "event_rows": [
            {
                "e": e,
                "icon": EVENT_ICONS.get(e.kind, "dot"),
                "attachment": attachments.get((e.data or {}).get("attachment")),
            }
            for e in data["events"]
        ],
        "moves": [s for s in data["actions"] if s.moves],
        "records": [s for s in data["actions"] if not s.moves],
        "can_handle": can_handle,
        "notice_parties": [
            row for row in data["parties"] if row["party"].role in (PartyRole.TARGET, PartyRole.BULLY)
        ]
        # A notice names the child for their own family: only for those who may see names, and only
        # once a finding is in force (before it, or after it was sent back, there is nothing to notify).
        if can_handle and show and documents.notice_ready(data["case"])
        else [],
    }


def _next(pending: list[Deadline]) -> Deadline | None:
    """The earliest dated pending deadline; one whose date waits for the holiday calendar otherwise."""
    dated = [d for d in pending if d.due_on is not None]
    if dated:
        return min(dated, key=lambda d: d.due_on)
    return pending[0] if pending else None


def _answer_label(value: str) -> str:
    return str(Answer(value).label) if value in Answer.values else "—"


def _seat_label(value: str) -> str:
    return str(PanelSeat(value).label) if value in PanelSeat.values else _("其他成员")


def _measure_row(m: Any, labels: dict[int, str]) -> dict[str, Any]:
    rule = m.parents_rule
    must_tell = rule in (ParentsRule.PROMPTLY, ParentsRule.IN_ADVANCE)
    return {
        "m": m,
        "party": labels.get(m.party_id, "") if m.party_id else "",
        "rule": str(ParentsRule(rule).label) if rule else "",
        "must_tell": must_tell,
        "told": m.parents_notified_at is not None,
        "method": str(ContactMethod(m.parents_notice_method).label)
        if m.parents_notice_method in ContactMethod.values
        else "",
        "urgency": "done" if m.done_at else urgency(Deadline(due_on=m.due_on)),
    }


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.access_case(request.user, pk, audit=True)
    context = _detail_context(request.user, case)
    context["extra_panels"] = object_panels("case", request, case)
    return render(request, "cases/detail.html", context)


# --- one action ---------------------------------------------------------------------------------------


def _dress(form: forms.Form) -> None:
    """Bootstrap classes on the widgets; choice lists are laid out by the field template."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        elif isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.HiddenInput):
            continue
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _mask_party_choices(form: forms.Form, case: Case, show: bool) -> None:
    """Form choices name the parties in full; those who may not see names get 张*某 there too."""
    if show:
        return
    names = [n for n in PARTY_FIELDS if n in form.fields]
    if not names:
        return
    parties = selectors.party_labels(case, masked=True)
    for name in names:
        field = form.fields[name]
        field.choices = [
            (value, parties.get(value, label) if value != "" else label) for value, label in field.choices
        ]


def _apply_error(request: HttpRequest, form: forms.Form, exc: ServiceError) -> int:
    """Put a service's refusal on the form: its message on top, each field's errors at that field."""
    form.is_valid()  # the form's own errors (the service found the same)
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    placed = False
    for name, errors in detail.items():
        for message in errors if isinstance(errors, list | tuple) else [errors]:
            target = name if name in form.fields else None
            if target is not None and str(message) in [str(e) for e in form.errors.get(target, [])]:
                placed = True
                continue
            form.add_error(target, str(message))
            placed = placed or target is not None
    if not placed and exc.detail is None:
        field = refused_file_field(form, exc.code)
        if field is not None:
            form.add_error(field, exc.message)
    messages.error(request, exc.message)
    return exc.status


def _not_now(case: Case, step: Step) -> str:
    return _("案件当前为“%(state)s”，不能执行“%(action)s”。") % {
        "state": State(case.status).label,
        "action": step.label,
    }


@login_required
@require_http_methods(["GET", "POST"])
def case_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    step = STEPS.get(action)
    if step is None:
        raise Http404
    case = selectors.access_case(user, pk)
    if not can(user, "case", step.permission, case):
        return _error_page(
            request, 403, str(Forbidden.default_message), "forbidden", reverse("cases:detail", args=[case.pk])
        )
    show = sees_identities(user, case)
    status = 200
    refused = False
    if request.method == "POST":
        form = FORMS[step.name](request.POST, case=case, files=request.FILES, viewer=user)
        try:
            services.case_act(actor=user, case=case, action=step.name, data=request.POST, files=request.FILES)
        except Conflict as exc:
            # The case moved on meanwhile (another handler acted): say so, and keep what was typed
            # on the page so that nothing written is lost; the form can no longer be sent.
            messages.error(request, exc.message)
            form.is_valid()
            refused = True
            status = exc.status
        except Forbidden:
            return _error_page(
                request,
                403,
                str(Forbidden.default_message),
                "forbidden",
                reverse("cases:detail", args=[case.pk]),
            )
        except Invalid as exc:
            status = _apply_error(request, form, exc)
        else:
            messages.success(request, _("已完成：%(action)s。") % {"action": step.label})
            return redirect("cases:detail", pk=case.pk)
    else:
        if case.status not in step.sources or (step.applies is not None and not step.applies(case)):
            messages.error(request, _not_now(case, step))
            return redirect("cases:detail", pk=case.pk)
        # A link may name the record to act on (the 工作台 links a measure to its completion form).
        form_class = FORMS[step.name]
        initial = {k: request.GET[k] for k in form_class.base_fields if k in request.GET}
        form = form_class(case=case, initial=initial, viewer=user)
    _mask_party_choices(form, case, show)
    _dress(form)
    context = {
        "case": case,
        "step": step,
        "form": form,
        "identities": show,
        "kinds": _kind_labels(case.kinds),
        "quorum": (case.policy.rules or {}).get("quorum_percent", 50),
        "members_total": getattr(form, "members_total", 0),
        "present": len(form["members_present"].value() or []) if "members_present" in form.fields else 0,
        "refused": refused,
    }
    template = "cases/act_determine.html" if step.name == "determine" else "cases/act.html"
    return render(request, template, context, status=status)


# --- attachments ------------------------------------------------------------------------------------


@login_required
@require_GET
def attachment(request: AuthenticatedRequest, pk: int, att_pk: int) -> HttpResponse:
    case = selectors.access_case(request.user, pk)
    item = selectors.case_attachment(case, att_pk)
    if item is None:
        raise Http404
    try:
        handle = item.file.storage.open(item.file.name, "rb")
    except OSError:
        raise Http404 from None
    audit_record(
        actor=request.user,
        action=events.CASE_ATTACHMENT_DOWNLOADED,
        unit=case.school,
        subject=case,
        after={"attachment": item.pk},
    )
    ext = item.file.name.rsplit(".", 1)[-1] if "." in item.file.name else ""
    filename = f"{case.number}-{item.name}.{ext}" if ext else f"{case.number}-{item.name}"
    response = FileResponse(handle, content_type=item.content_type, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
