"""Pages above and beside the school that runs a case.

- ``bureau``: the county or city bureau's page of serious cases, police referrals, re-examinations
  and overdue deadlines in its area (DOMAIN.md §3.6, §3.8, §6);
- ``involved``: another school whose students are parties sees only its own students' part;
- ``policy``: the deadline policy in force for a county or city, its versions, and a new version.

Thin like the other pages: parse, call a selector or service, render. Every read, and the decision
who may see the children's names, is in :mod:`.selectors` and :mod:`.permissions`; the functions
under "Rows" below only put what they return into words.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from anxin.access.matrix import allowed
from anxin.core.errors import ServiceError
from anxin.core.workdays import PeriodUnit
from anxin.org.forms import BootstrapMixin
from anxin.org.models import Unit, UnitKind

from . import selectors
from .deadlines import deadline_label, urgency
from .models import Case, Deadline, DeadlineKind, Party, PartyRole, Reexamination
from .policy import (
    PERIODS,
    complete_rules,
    county_policies,
    open_cases_by_policy,
    policy_in_force,
    policy_set,
    policy_units,
)
from .states import State

#: Rows shown per section of a list page; the counts above always count everything.
LIMIT = 200

URGENCY_LABELS = {
    "overdue": gettext_lazy("已逾期"),
    "soon": gettext_lazy("即将到期"),
    "unknown": gettext_lazy("待录入节假日安排"),
    "ok": gettext_lazy("未到期"),
    "done": gettext_lazy("已完成"),
}
URGENCY_COLOURS = {
    "overdue": "danger",
    "soon": "warning",
    "unknown": "secondary",
    "ok": "success",
    "done": "light",
}


def _due(deadline: Deadline | None, today: date) -> dict[str, Any] | None:
    """A deadline as the lists show it: kind, date, how it stands, days over."""
    if deadline is None:
        return None
    word = urgency(deadline, today)
    return {
        "deadline": deadline,
        "label": deadline_label(deadline),
        "due_on": deadline.due_on,
        "urgency": word,
        "urgency_label": URGENCY_LABELS[word],
        "colour": URGENCY_COLOURS[word],
        "days_over": (today - deadline.due_on).days if word == "overdue" and deadline.due_on else 0,
        "calendar_gap": deadline.calendar_gap,
    }


# --- Rows ------------------------------------------------------------------------------------


def _party_words(case: Case, show: bool) -> list[dict[str, str]]:
    # Only the children the case is about; witnesses are not named on a list page at all.
    return [
        {"role": p.get_role_display(), "name": p.name if show else p.masked_name}
        for p in case.parties.all()
        if p.role in (PartyRole.TARGET, PartyRole.BULLY)
    ]


def _panel_words(rx: Reexamination) -> str:
    if rx.panel_assigned_at is None:
        return _("复查小组待组成")
    return _("复查小组已组成（%(n)s 人，%(on)s）") % {
        "n": len(rx.panel or []),
        "on": timezone.localdate(rx.panel_assigned_at).isoformat(),
    }


def _bureau_row(case: Case, show: bool, today: date) -> dict[str, Any]:
    rx = case.open_reexams[0] if case.open_reexams else None
    rx_deadline = None
    if rx is not None:
        rx_deadline = next((d for d in rx.deadlines.all() if d.kind == DeadlineKind.REEXAMINATION), None)
    pending = case.pending_deadlines
    return {
        "case": case,
        "identities": show,
        "parties": _party_words(case, show),
        "reexam": rx,
        "reexam_due": _due(rx_deadline, today),
        "panel": _panel_words(rx) if rx is not None else "",
        "overdue": [_due(d, today) for d in pending if d.due_on is not None and d.due_on < today],
        "next": _due(pending[0], today) if pending else None,
        "unacknowledged": case.serious and case.bureau_acknowledged_at is None,
    }


def _involved_row(party: Party, show: bool) -> dict[str, Any]:
    return {
        "party": party,
        "name": party.name if show else party.masked_name,
        "identity": show,
        "klass": party.klass.name if party.klass_id else "",
        "role": party.get_role_display(),
        "other_school": party.case.school.name,
        "state": State(party.case.status).label,
        "opened_on": party.case.opened_on,
    }


# --- Bureau ----------------------------------------------------------------------------------


@login_required
@require_GET
def bureau(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "case", "bureau"):
        raise Http404
    today = timezone.localdate()
    sections = {
        key: {
            "count": section.count,
            "rows": [_bureau_row(case, show, today) for case, show in section.rows],
            "more": section.count - len(section.rows),
        }
        for key, section in selectors.bureau_sections(request.user, limit=LIMIT).items()
    }
    unacknowledged = sum(1 for row in sections["serious"]["rows"] if row["unacknowledged"])
    return render(
        request,
        "cases/oversight/bureau.html",
        {
            "sections": sections,
            "unacknowledged": unacknowledged,
            "today": today,
            "limit": LIMIT,
        },
    )


# --- Involved school -------------------------------------------------------------------------


@login_required
@require_GET
def involved(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "case", "handle"):
        raise Http404
    rows = [
        _involved_row(party, show) for party, show in selectors.involved_students(request.user, limit=LIMIT)
    ]
    return render(request, "cases/oversight/involved.html", {"rows": rows, "limit": LIMIT})


# --- Deadline policy -------------------------------------------------------------------------

NUMBER_RULES = {
    "remind_working_days": (
        gettext_lazy("到期前提醒（工作日）"),
        gettext_lazy("截止日前多少个工作日提醒经办人。"),
    ),
    "escalate_principal_after": (
        gettext_lazy("逾期上报校长（工作日）"),
        gettext_lazy("逾期后经办人立即收到提醒；再过多少个工作日报告校长。"),
    ),
    "escalate_bureau_after": (
        gettext_lazy("逾期上报教育局（工作日）"),
        gettext_lazy("逾期多少个工作日后报告县（区）教育局，不能早于上报校长。"),
    ),
    "quorum_percent": (
        gettext_lazy("认定会议法定人数（%）"),
        gettext_lazy("出席委员须超过委员总数的这个百分比，认定才有效。"),
    ),
}
PERIOD_HELP = {
    "investigation": gettext_lazy("自立案次日起算。"),
    "appeal": gettext_lazy("自认定结果送达次日起算。"),
    "reexamination": gettext_lazy("自收到复查申请次日起算。"),
    "visit_1w": gettext_lazy("自进入跟踪回访次日起算。"),
    "visit_1m": gettext_lazy("自进入跟踪回访次日起算。"),
    "visit_3m": gettext_lazy("自进入跟踪回访次日起算。"),
}


class PolicyForm(BootstrapMixin, forms.Form):
    """One new version of a unit's rules. Ranges are checked by the service, so its words show."""

    note = forms.CharField(label=gettext_lazy("修改说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PERIODS:
            self.fields[f"{name}_days"] = forms.IntegerField(
                label=DeadlineKind(name).label,
                help_text=PERIOD_HELP[name],
                widget=forms.NumberInput(
                    attrs={"min": 1, "max": 365, "inputmode": "numeric", "class": "form-control"}
                ),
            )
            self.fields[f"{name}_unit"] = forms.ChoiceField(
                label=_("计算方式"),
                choices=PeriodUnit.choices,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        for name, (label, help_text) in NUMBER_RULES.items():
            self.fields[name] = forms.IntegerField(
                label=label,
                help_text=help_text,
                widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "class": "form-control"}),
            )
        self.fields["note"] = self.fields.pop("note")  # last on the page
        for f in self.fields.values():
            f.error_messages["required"] = _("此项为必填项。")
            if isinstance(f, forms.IntegerField):
                f.error_messages["invalid"] = _("请输入整数。")

    @classmethod
    def initial_from(cls, rules: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name in PERIODS:
            initial[f"{name}_days"] = rules[name]["days"]
            initial[f"{name}_unit"] = rules[name]["unit"]
        for name in NUMBER_RULES:
            initial[name] = rules[name]
        return initial

    def periods(self) -> list[tuple[Any, Any]]:
        return [(self[f"{name}_days"], self[f"{name}_unit"]) for name in PERIODS]

    def numbers(self) -> list[Any]:
        return [self[name] for name in NUMBER_RULES]

    def rules(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {
            name: {"days": d[f"{name}_days"], "unit": d[f"{name}_unit"]} for name in PERIODS
        }
        out.update({name: d[name] for name in NUMBER_RULES})
        return out

    def apply_error(self, exc: ServiceError) -> None:
        """The service names rule keys; a period's error goes to its number of days."""
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        placed = False
        for key, errors in detail.items():
            name = f"{key}_days" if key in PERIODS else key
            if name in self.fields:
                for message in errors if isinstance(errors, list) else [errors]:
                    self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)


def _rule_words(rules: dict[str, Any]) -> list[tuple[str, str]]:
    rules = complete_rules(rules)
    rows = []
    for name in PERIODS:
        unit = (
            PeriodUnit(rules[name]["unit"]).label
            if rules[name]["unit"] in PeriodUnit.values
            else rules[name]["unit"]
        )
        rows.append(
            (
                str(DeadlineKind(name).label),
                _("%(days)s 个%(unit)s") % {"days": rules[name]["days"], "unit": unit},
            )
        )
    for name, (label, _help) in NUMBER_RULES.items():
        rows.append((str(label), str(rules[name])))
    return rows


def _chosen_unit(request: HttpRequest, units: list[Unit]) -> Unit:
    raw = request.GET.get("unit", "")
    if raw == "":
        return units[0]
    chosen = next((u for u in units if str(u.pk) == raw), None)
    if chosen is None:  # not a number, not a unit, or out of reach: all alike
        raise Http404
    return chosen


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    units = policy_units(request.user)
    if not units:
        raise Http404
    unit = _chosen_unit(request, units)
    current = policy_in_force(unit)
    status = 200
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                saved = policy_set(
                    actor=request.user, unit=unit, rules=form.rules(), note=form.cleaned_data["note"]
                )
            except ServiceError as exc:
                form.apply_error(exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _(
                        "已保存%(unit)s期限规则第 %(v)s 版。此后新立的案件按新规则计算期限；已立案件仍按原版本。"
                    )
                    % {"unit": unit.name, "v": saved.version},
                )
                return redirect(f"{reverse('cases:policy')}?unit={unit.pk}")
        else:
            status = 422
    else:
        form = PolicyForm(initial=PolicyForm.initial_from(current.rules))
    open_counts = open_cases_by_policy(current.history)
    history = [
        {
            "policy": p,
            "by": (p.created_by.full_name or p.created_by.username) if p.created_by else _("系统默认"),
            "rules": _rule_words(p.rules),
            "open_cases": open_counts.get(p.pk, 0),
        }
        for p in current.history
    ]
    counties = []
    if unit.kind == UnitKind.CITY:
        for county, own in county_policies(unit):
            counties.append({"unit": county, "policy": own, "reachable": county in units})
    context = {
        "units": units,
        "unit": unit,
        "current": current,
        "current_rules": _rule_words(current.rules),
        "history": history,
        "counties": counties,
        "form": form,
    }
    return render(request, "cases/oversight/policy.html", context, status=status)
