"""The case API under /api/cases: lists, one case, its deadlines and actions, opening and acting.

Thin like the pages: reads go through :mod:`anxin.cases.selectors` (already cut to the caller's scope), writes
through :func:`anxin.cases.services.case_open` and :func:`anxin.cases.services.case_act` with the same forms, so the API and
the pages refuse alike. ``POST /cases/{id}/transitions`` takes ``{"action": ..., <the action's form
fields>}`` as JSON, or as ``multipart/form-data`` (needed for ``attach``, whose ``file`` is an upload);
``GET /cases/{id}/actions`` lists each action's inputs, derived from its form, so the API documents
itself. Bodies are parsed here rather than by ninja so that a body that is not a JSON object gets a
Chinese 422 like every other bad input instead of a bare 400.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
from django import forms
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.responses import Status as Reply

from anxin.access.matrix import require
from anxin.core.errors import ErrorCode, Invalid, NotFound
from anxin.core.schemas import ErrorOut
from anxin.intake import selectors as intake_selectors
from anxin.org.models import Unit, User
from anxin.org.models import mask_name as _mask
from anxin.org.requests import AuthenticatedRequest

from .. import deadlines as deadline_rules
from .. import selectors, services
from ..forms import FORMS, CaseForm
from ..models import Answer, Case, Criterion, Deadline, Party
from ..permissions import sees_identities
from ..states import State
from ..workflow import STEPS, Step
from .schemas import (
    MAX_ID,
    MULTIPART,
    OPEN_OPENAPI,
    TRANSITION_OPENAPI,
    ActionOut,
    CaseFilter,
    CaseOpenIn,
    CaseOut,
    CasePage,
    CaseRef,
    DeadlineOut,
)

router = Router(tags=["cases"])

#: Ids beyond this cannot exist; refusing them early keeps every database happy.
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
#: Form fields whose choices are the case's parties: their labels are masked like party names.
PARTY_FIELDS = ("party", "applicant")
#: Keys a browser form may add that are not inputs of any action.
IGNORED_KEYS = ("action", "csrfmiddlewaretoken")


# --- reading the request -------------------------------------------------------------------------


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        raw = request.body
    except RequestDataTooBig as e:
        raise HttpError(413, "too large") from e
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise Invalid(_("请求内容须为 JSON 对象。"), code=ErrorCode.BAD_JSON)
    return data


def _transition_body(request: HttpRequest) -> tuple[Any, Any, bool]:
    """(data, files, is_multipart) from a JSON object or a multipart form."""
    if (request.content_type or "").lower() == MULTIPART:
        try:
            return request.POST, request.FILES, True
        except RequestDataTooBig as e:
            raise HttpError(413, "too large") from e
        except (MultiPartParserError, TooManyFieldsSent) as e:
            raise Invalid(_("上传的表单格式不正确。"), code=ErrorCode.BAD_FORM) from e
    return _json_object(request), None, False


def _case(request: HttpRequest, case_id: int, *, audit: bool = False) -> Case:
    if not 1 <= case_id <= MAX_ID:
        raise NotFound()
    return selectors.access_case(request.user, case_id, audit=audit)


# --- building the answers ----------------------------------------------------------------------


def _named(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": str(user)}


def _next_deadline(d: Deadline | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "kind": d.kind,
        "label": str(d.get_kind_display()),
        "due_on": d.due_on,
        "unit": d.unit,
        "urgency": deadline_rules.urgency(d),
    }


def _item(case: Case, next_deadline: Deadline | None) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "school": {"id": case.school_id, "name": case.school.name},
        "status": case.status,
        "status_label": str(State(case.status).label),
        "urgent": case.urgent,
        "serious": case.serious,
        "gravity": case.gravity,
        "kinds": list(case.kinds or []),
        "owner": _named(case.owner),
        "opened_on": case.opened_on,
        "next_deadline": _next_deadline(next_deadline),
    }


def _deadline(d: Deadline, case: Case) -> dict[str, Any]:
    note = None
    if d.calendar_gap and d.due_on is None:
        note = _("%(year)s 年节假日安排未录入，暂无法计算（请管理员录入）") % {"year": d.calendar_gap}
    elif d.calendar_gap:
        note = _("暂定：%(year)s 年节假日安排尚未录入，按法定节日和周末推算，录入后自动重算") % {
            "year": d.calendar_gap
        }
    return {
        "id": d.pk,
        "kind": d.kind,
        "label": str(d.get_kind_display()),
        "starts_on": d.starts_on,
        "days": d.days,
        "unit": d.unit,
        "due_on": d.due_on,
        "remind_on": d.remind_on,
        "calendar_gap": d.calendar_gap,
        "calendar_note": note,
        "provisional": bool(d.calendar_gap and d.due_on),
        "met_at": d.met_at,
        "cancelled": d.cancelled,
        "urgency": deadline_rules.urgency(d),
        "policy_version": case.policy.version,
    }


def _input_type(field: forms.Field) -> str:
    # Subclasses before their bases: a multiple choice is a choice, a datetime is not a date.
    for cls, name in (
        (forms.FileField, "file"),
        (forms.MultipleChoiceField, "multiple_choice"),
        (forms.ChoiceField, "choice"),
        (forms.DateTimeField, "datetime"),
        (forms.DateField, "date"),
        (forms.IntegerField, "integer"),
        (forms.BooleanField, "boolean"),
    ):
        if isinstance(field, cls):
            return name
    return "text" if isinstance(field.widget, forms.Textarea) else "string"


def _inputs(form: CaseForm, party_labels: dict[int, str]) -> list[dict[str, Any]]:
    evidence_of = {f"{c.value}_evidence": c.label for c in Criterion}
    out = []
    for name, field in form.fields.items():
        label = str(field.label or name)
        if name in evidence_of:
            label = f"{evidence_of[name]}（{label}）"
        row: dict[str, Any] = {
            "name": name,
            "label": label,
            "required": field.required,
            "type": _input_type(field),
        }
        if isinstance(field, forms.ChoiceField):
            row["choices"] = [
                {
                    "value": value,
                    "label": party_labels.get(value, str(text)) if name in PARTY_FIELDS else str(text),
                }
                for value, text in field.choices
                if value not in ("", None)
            ]
        if field.help_text:
            row["help"] = str(field.help_text)
        out.append(row)
    return out


def _actions(user: Any, case: Case, party_labels: dict[int, str]) -> list[dict[str, Any]]:
    return [_action(step, case, party_labels) for step in selectors.actions_for(user, case)]


def _action(step: Step, case: Case, party_labels: dict[int, str]) -> dict[str, Any]:
    return {
        "action": step.name,
        "label": str(step.label),
        "moves": step.moves,
        "help": str(step.help or ""),
        "inputs": _inputs(FORMS[step.name](case=case), party_labels),
    }


def _detail(user: Any, case: Case) -> dict[str, Any]:
    view = selectors.case_detail(user, case)
    show: bool = view["identities"]
    labels = selectors.party_labels(case, masked=not show)

    def ref(party: Party | None) -> dict[str, Any] | None:
        return {"id": party.pk, "label": labels.get(party.pk, "")} if party is not None else None

    next_deadline = selectors.next_deadline_map([case.pk]).get(case.pk)
    shown = view["case"]  # names in its texts are masked for readers who may not see them
    return {
        **_item(case, next_deadline),
        "title": shown.title,
        "narrative": shown.narrative or "",
        "places": list(case.places or []),
        "time_bands": list(case.time_bands or []),
        "occurred_on": case.occurred_on,
        "opened_at": case.opened_at,
        "opened_by": _named(case.opened_by),
        "is_bullying": case.is_bullying,
        "gravity_label": str(case.get_gravity_display()) if case.gravity else "",
        "result_notified_on": case.result_notified_on,
        "bureau_notified_at": case.bureau_notified_at,
        "bureau_acknowledged_at": case.bureau_acknowledged_at,
        "police_referred_on": case.police_referred_on,
        "closed_at": case.closed_at,
        "closing_summary": shown.closing_summary or "",
        "policy_version": case.policy.version,
        "identities": show,
        "parties": [_party(row["party"], labels, show) for row in view["parties"]],
        "guardian_contacts": [
            {
                "id": c.pk,
                "party": ref(c.party),
                "guardian_name": c.guardian_name if show else _mask(c.guardian_name),
                "relation": c.relation,
                "contacted_at": c.contacted_at,
                "method": c.method,
                "method_label": str(c.get_method_display()),
                "said": c.said or "",
                "recorded_by": _named(c.recorded_by),
            }
            for c in view["contacts"]
        ],
        "deadlines": [_deadline(d, case) for d in view["deadlines"]],
        "measures": [
            {
                "id": m.pk,
                "kind": m.kind,
                "kind_label": str(m.get_kind_display()),
                "party": ref(m.party),
                "detail": m.detail or "",
                "hours": m.hours,
                "sessions": m.sessions,
                "owner": _named(m.owner),
                "due_on": m.due_on,
                "parents_rule": m.parents_rule,
                "parents_notified_at": m.parents_notified_at,
                "parents_notice_method": m.parents_notice_method,
                "done_at": m.done_at,
                "done_note": m.done_note or "",
            }
            for m in view["measures"]
        ],
        "determinations": [
            {
                "id": det.pk,
                "meeting_on": det.meeting_on,
                "members_present": [{"id": m.pk, "name": m.name} for m in det.members_present.all()],
                "members_total": det.members_total,
                "criteria": [_criterion(c, (det.criteria or {}).get(c.value) or {}) for c in Criterion],
                "is_bullying": det.is_bullying,
                "kinds": list(det.kinds or []),
                "gravity": det.gravity,
                "gravity_label": str(det.get_gravity_display()) if det.gravity else "",
                "non_bullying": det.non_bullying,
                "non_bullying_label": str(det.get_non_bullying_display()) if det.non_bullying else "",
                "parents_participation": det.parents_participation or "",
                "reasoning": det.reasoning or "",
                "recorded_by": _named(det.recorded_by),
                "created_at": det.created_at,
            }
            for det in view["determinations"]
        ],
        "reexaminations": [
            {
                "id": rx.pk,
                "applicant": ref(rx.applicant),
                "applied_on": rx.applied_on,
                "reason": rx.reason or "",
                "via_receipt": rx.via_receipt,
                "panel": [
                    {
                        "name": str(s.get("name", "")),
                        "seat": str(s.get("seat", "")),
                        "affiliation": str(s.get("affiliation", "")),
                    }
                    for s in (rx.panel or [])
                    if isinstance(s, dict)
                ],
                "panel_assigned_at": rx.panel_assigned_at,
                "finding": rx.finding,
                "finding_label": str(rx.get_finding_display()) if rx.finding else "",
                "finding_note": rx.finding_note or "",
                "decided_on": rx.decided_on,
                "returned_from": rx.returned_from,
            }
            for rx in view["reexaminations"]
        ],
        "visits": [
            {
                "id": v.pk,
                "kind": v.deadline.kind if v.deadline_id else None,
                "kind_label": str(v.deadline.get_kind_display()) if v.deadline_id else "",
                "party": ref(v.party),
                "visited_on": v.visited_on,
                "stopped": v.stopped,
                "note": v.note or "",
                "visited_by": _named(v.visited_by),
            }
            for v in view["visits"]
        ],
        "events": [
            {
                "id": e.pk,
                "kind": e.kind,
                "kind_label": str(e.get_kind_display()),
                "at": e.at,
                "actor": _named(e.actor) if e.actor_id else None,
                "title": e.title,
                "body": e.body or "",
                "data": e.data if isinstance(e.data, dict) else {},
            }
            for e in view["events"]
        ],
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "uploaded_by": _named(a.uploaded_by),
                "created_at": a.created_at,
                "url": reverse("cases:attachment", args=[case.pk, a.pk]),
            }
            for a in view["attachments"]
        ],
        "reports": [r.pk for r in view["reports"]],
        "actions": [_action(step, case, labels) for step in view["actions"]],
    }


def _party(p: Party, labels: dict[int, str], show: bool) -> dict[str, Any]:
    return {
        "id": p.pk,
        "role": p.role,
        "role_label": str(p.get_role_display()),
        "label": labels.get(p.pk, ""),
        "name": p.name if show else p.masked_name,
        "student": p.student_id if show else None,
        "klass": {"id": p.klass_id, "name": p.klass.name} if p.klass_id else None,
        "school": {"id": p.school_id, "name": p.school.name} if p.school_id else None,
        "outsider": p.is_outsider,
        "description": (p.description or "") if show else None,
    }


def _criterion(c: Criterion, row: dict[str, Any]) -> dict[str, Any]:
    answer = str(row.get("answer", ""))
    return {
        "criterion": c.value,
        "label": str(c.label),
        "answer": answer,
        "answer_label": str(Answer(answer).label) if answer in Answer.values else "",
        "evidence": str(row.get("evidence", "")),
    }


def _after_write(user: Any, case: Case) -> dict[str, Any]:
    """The case as the writer may now see it; only a reference when the write took it out of their sight.

    An owner who hands a case on, or a duty teacher who opens one for a colleague, may have no other
    reason to see it: they learn that it worked, not what the case holds.
    """
    try:
        fresh = selectors.access_case(user, case.pk)
    except NotFound:
        return {
            "id": case.pk,
            "number": case.number,
            "status": case.status,
            "status_label": str(State(case.status).label),
            "note": _("操作已完成。您无权查看该案件的详细内容。"),
        }
    return _detail(user, fresh)


# --- checking the inputs of an action ----------------------------------------------------------


def _check_shape(step: Step, case: Case, data: Any, files: Any, multipart: bool) -> None:
    """Refuse fields the action does not have and values of the wrong JSON type, naming each one.

    The form would quietly drop an unknown (mistyped) field and read a list given for a text
    field as its Python repr; here both get a clear answer instead.
    """
    fields = FORMS[step.name](case=case).fields
    problems: dict[str, list[str]] = {}
    for key in [*data, *(files or {})]:
        if key in IGNORED_KEYS:
            continue
        field = fields.get(key)
        if field is None:
            problems[key] = [_("此操作没有该输入项。")]
            continue
        if multipart:
            continue
        value = data[key]
        if isinstance(field, forms.FileField):
            problems[key] = [_("文件须以 multipart/form-data 上传。")]
        elif isinstance(field, forms.MultipleChoiceField):
            if value is not None and (
                not isinstance(value, list) or not all(isinstance(v, str | int) for v in value)
            ):
                problems[key] = [_('须为列表，例如 ["verbal", "cyber"]。')]
        elif value is not None and not isinstance(value, str | int | float | bool):
            problems[key] = [_("须为单个值，不能是列表或对象。")]
    if not multipart and step.name == "attach" and "file" not in problems:
        problems["file"] = [_("上传附件请以 multipart/form-data 提交，文件字段名为 file。")]
    if problems:
        names = [str(fields[k].label) if k in fields else k for k in problems]
        raise Invalid(
            _("请补全或更正：%(fields)s。") % {"fields": "、".join(names)},
            code=ErrorCode.MISSING_INPUTS,
            detail=problems,
        )


# --- endpoints ---------------------------------------------------------------------------------


@router.get("", response={200: CasePage, **ERRORS}, summary="我可见的案件（默认不含已结案），最近期限在前")
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> Any:
    qs = selectors.case_list(
        request.user,
        status=filters.status or "",
        serious=filters.serious,
        overdue=filters.overdue,
        school_id=filters.school,
        query=filters.q.strip(),
        include_closed=filters.include_closed,
    )
    start = (filters.page - 1) * filters.page_size
    cases = list(qs[start : start + filters.page_size])
    nd = selectors.next_deadline_map([c.pk for c in cases])
    return {"count": qs.count(), "items": [_item(c, nd.get(c.pk)) for c in cases]}


@router.post("", response={201: CaseOut | CaseRef, **ERRORS}, openapi_extra=OPEN_OPENAPI, summary="立案")
def case_open(request: AuthenticatedRequest) -> Any:
    try:
        payload = CaseOpenIn.model_validate(_json_object(request))
    except pydantic.ValidationError as e:
        detail: dict[str, list[str]] = {}
        for err in e.errors():
            key = str(err["loc"][0]) if err.get("loc") else "__all__"
            detail.setdefault(key, []).append(
                _("此项为必填项。") if err["type"] == "missing" else _("格式不正确。")
            )
        raise Invalid(
            _("请补全或更正：%(fields)s。") % {"fields": "、".join(detail)},
            code=ErrorCode.MISSING_INPUTS,
            detail=detail,
        ) from None
    school = Unit.objects.filter(pk=payload.school).first()
    if school is None:
        raise NotFound()
    reports = [intake_selectors.report_get(request.user, pk) for pk in dict.fromkeys(payload.reports)]
    owner = None
    if payload.owner is not None:
        owner = User.objects.filter(pk=payload.owner, is_active=True).first()
        if owner is None:
            raise Invalid(
                _("经办人须为本校教职工。"),
                code=ErrorCode.OWNER_NOT_STAFF,
                detail={"owner": [_("须为本校教职工。")]},
            )
    data = payload.dict(exclude={"school", "reports", "owner"})
    case = services.case_open(actor=request.user, school=school, data=data, reports=reports, owner=owner)
    return Reply(201, _after_write(request.user, case))


@router.get("/{case_id}", response={200: CaseOut, **ERRORS}, summary="案件详情（查看记入审计）")
def case_detail(request: HttpRequest, case_id: int) -> Any:
    case = _case(request, case_id, audit=True)
    return _detail(request.user, case)


@router.get("/{case_id}/deadlines", response={200: list[DeadlineOut], **ERRORS}, summary="案件的全部期限")
def case_deadlines(request: HttpRequest, case_id: int) -> Any:
    case = _case(request, case_id)
    return [_deadline(d, case) for d in case.deadlines.all().order_by("starts_on", "pk")]


@router.get(
    "/{case_id}/actions", response={200: list[ActionOut], **ERRORS}, summary="我现在可以执行的操作及其输入项"
)
def case_actions(request: HttpRequest, case_id: int) -> Any:
    case = _case(request, case_id)
    return _actions(
        request.user, case, selectors.party_labels(case, masked=not sees_identities(request.user, case))
    )


@router.post(
    "/{case_id}/transitions",
    response={200: CaseOut | CaseRef, **ERRORS},
    openapi_extra=TRANSITION_OPENAPI,
    summary="执行一项操作（JSON；上传附件用 multipart/form-data）",
    description=(
        "错误码：unknown_action（没有这项操作，detail.action 列出全部操作）、"
        "transition_not_allowed（案件当前环节不允许该操作）、missing_inputs（缺少或不正确的输入项，见 detail）、"
        "case_not_ready（尚不满足该操作的条件，见 detail）、bad_json（请求内容不是 JSON 对象）、"
        "bad_form（上传的表单格式不正确）。"
    ),
)
def case_transition(request: AuthenticatedRequest, case_id: int) -> Any:
    case = _case(request, case_id)
    data, files, multipart = _transition_body(request)
    action = data.get("action")
    step = STEPS.get(action) if isinstance(action, str) else None
    if step is None:
        raise Invalid(_("未知的操作。"), code=ErrorCode.UNKNOWN_ACTION, detail={"action": sorted(STEPS)})
    require(request.user, "case", step.permission, case)
    _check_shape(step, case, data, files, multipart)
    inputs = data if multipart else {k: v for k, v in data.items() if k not in IGNORED_KEYS}
    case = services.case_act(actor=request.user, case=case, action=step.name, data=inputs, files=files)
    return _after_write(request.user, case)
