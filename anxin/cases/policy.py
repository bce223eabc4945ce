"""Deadline policies: city defaults, county overrides, versioned (DOMAIN.md §3, *(configurable)*).

A case stores the policy version it was opened under (``Case.policy``) and every deadline stores
the days and unit it was computed with, so a bureau changing its policy never moves an old case.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from anxin.access.matrix import reach, require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Invalid
from anxin.org.models import Unit, UnitKind

from . import events
from .errors import CaseError
from .models import Case, DeadlinePolicy
from .states import State

UNITS = ("calendar", "working")
#: Periods with a number of days and a way of counting them.
PERIODS = ("investigation", "appeal", "reexamination", "visit_1w", "visit_1m", "visit_3m")

DEFAULT_RULES: dict[str, Any] = {
    # DOMAIN.md §3: investigation 10 days, appeal 5 days, re-examination 15 days, visits at
    # 1 week, 1 month, 3 months.
    "investigation": {"days": 10, "unit": "calendar"},
    "appeal": {"days": 5, "unit": "calendar"},
    "reexamination": {"days": 15, "unit": "calendar"},
    "visit_1w": {"days": 7, "unit": "calendar"},
    "visit_1m": {"days": 30, "unit": "calendar"},
    "visit_3m": {"days": 90, "unit": "calendar"},
    # Reminders go to whoever must act this many working days before a deadline.
    "remind_working_days": 2,
    # After a deadline passes: the owner at once, the principal after this many working days,
    # the county bureau after this many.
    "escalate_principal_after": 1,
    "escalate_bureau_after": 3,
    # A determination needs more than this share of the committee present.
    "quorum_percent": 50,
}

LABELS = {
    "investigation": _("调查期限"),
    "appeal": _("复查申请期限"),
    "reexamination": _("复查决定期限"),
    "visit_1w": _("第一次回访"),
    "visit_1m": _("第二次回访"),
    "visit_3m": _("第三次回访"),
}


def validate_rules(rules: Any) -> dict[str, Any]:
    """A complete rules dict from a partial one, or Invalid naming every bad entry."""
    if not isinstance(rules, dict):
        raise Invalid(_("期限规则格式不正确。"), code=CaseError.POLICY_INVALID)
    out = copy.deepcopy(DEFAULT_RULES)
    errors: dict[str, list[str]] = {}
    for key, value in rules.items():
        if key in PERIODS:
            if (
                not isinstance(value, dict)
                or not isinstance(value.get("days"), int)
                or isinstance(value.get("days"), bool)
                or not 1 <= value["days"] <= 365
                or value.get("unit", "calendar") not in UNITS
            ):
                errors[key] = [
                    _("天数须为 1 到 365 的整数，计算方式为 calendar（自然日）或 working（工作日）。")
                ]
                continue
            out[key] = {"days": value["days"], "unit": value.get("unit", "calendar")}
        elif key in ("remind_working_days", "escalate_principal_after", "escalate_bureau_after"):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 60:
                errors[key] = [_("须为 0 到 60 的整数。")]
                continue
            out[key] = value
        elif key == "quorum_percent":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 100:
                errors[key] = [_("须为 0 到 99 的整数。")]
                continue
            out[key] = value
        else:
            errors[key] = [_("未知的规则项。")]
    if out["escalate_bureau_after"] < out["escalate_principal_after"]:
        errors.setdefault("escalate_bureau_after", []).append(_("上报教育局不能早于上报校长。"))
    if errors:
        raise Invalid(_("期限规则有误，请检查标出的各项。"), code=CaseError.POLICY_INVALID, detail=errors)
    return out


def _county_and_city(school: Unit) -> list[Unit]:
    out = []
    node = school.parent
    while node is not None:
        if node.kind in (UnitKind.COUNTY, UnitKind.CITY):
            out.append(node)
        node = node.parent
    return out


def policy_for(school: Unit) -> DeadlinePolicy:
    """The policy in force for a school: its county's latest version, else its city's (made on first use)."""
    levels = _county_and_city(school)
    found = DeadlinePolicy.objects.filter(unit__in=levels).select_related("unit").order_by("-version")
    by_unit: dict[int, DeadlinePolicy] = {}
    for p in found:
        by_unit.setdefault(p.unit_id, p)
    for unit in levels:
        if unit.pk in by_unit:
            return by_unit[unit.pk]
    city = next((u for u in levels if u.kind == UnitKind.CITY), levels[-1] if levels else school)
    policy, _created = DeadlinePolicy.objects.get_or_create(
        unit=city, version=1, defaults={"rules": copy.deepcopy(DEFAULT_RULES), "note": "默认规则"}
    )
    return policy


def policy_set(*, actor: Any, unit: Unit, rules: Any, note: str = "") -> DeadlinePolicy:
    """A new version of a county's or city's policy; cases already open keep theirs."""
    if unit.kind not in (UnitKind.COUNTY, UnitKind.CITY):
        raise Invalid(_("期限规则只能由市或县（区）教育行政部门设定。"), code=CaseError.POLICY_UNIT)
    require_at(actor, "case", "bureau", unit.path)
    clean = validate_rules(rules)
    with transaction.atomic():
        Unit.objects.select_for_update().filter(pk=unit.pk).first()
        last = DeadlinePolicy.objects.filter(unit=unit).aggregate(v=Max("version"))["v"] or 0
        policy = DeadlinePolicy.objects.create(
            unit=unit, version=last + 1, rules=clean, note=(note or "")[:200], created_by=actor
        )
        audit_record(
            actor=actor,
            action=events.CASE_POLICY_SET,
            unit=unit,
            subject=policy,
            after={"version": policy.version, "rules": clean},
        )
    return policy


# --- reads for the policy page -------------------------------------------------------------------


def policy_units(user: Any) -> list[Unit]:
    """Counties and cities whose deadline policy the caller may set (the bureau action's reach)."""
    r = reach(user, "case", "bureau")
    qs = Unit.objects.filter(kind__in=[UnitKind.CITY, UnitKind.COUNTY], is_active=True)
    if not r.everything:
        q = Q(pk__in=[])
        for path in r.paths:
            q |= Q(path__startswith=path)
        qs = qs.filter(q)
    return list(qs.order_by("path"))


def county_policies(city: Unit) -> list[tuple[Unit, DeadlinePolicy | None]]:
    """The city's active counties, each with the newest version of its own rules (None: the city's
    apply), in two queries however many counties there are."""
    counties = list(Unit.objects.filter(parent=city, kind=UnitKind.COUNTY, is_active=True).order_by("code"))
    newest: dict[int, DeadlinePolicy] = {}
    for p in DeadlinePolicy.objects.filter(unit__in=counties).order_by("unit_id", "-version"):
        newest.setdefault(p.unit_id, p)
    return [(county, newest.get(county.pk)) for county in counties]


def _city_of(unit: Unit) -> Unit | None:
    node: Unit | None = unit
    while node is not None and node.kind != UnitKind.CITY:
        node = node.parent
    return node


@dataclass
class PolicyInForce:
    unit: Unit
    #: The version in force; None while nobody has saved one (the built-in defaults apply).
    policy: DeadlinePolicy | None
    rules: dict[str, Any]
    #: The county has none of its own and works under its city's.
    inherited: bool = False
    history: list[DeadlinePolicy] = field(default_factory=list)


def complete_rules(rules: Any) -> dict[str, Any]:
    out = copy.deepcopy(DEFAULT_RULES)
    if isinstance(rules, dict):
        out.update({k: v for k, v in rules.items() if k in out})
    return out


def policy_in_force(unit: Unit) -> PolicyInForce:
    """A county's or city's policy now: its latest version, else its city's, else the defaults.

    The same order as :func:`policy_for` uses for a school, so the page shows
    what the next case opened in that unit will get.
    """
    history = list(DeadlinePolicy.objects.filter(unit=unit).select_related("created_by").order_by("-version"))
    if history:
        return PolicyInForce(unit, history[0], complete_rules(history[0].rules), history=history)
    city = _city_of(unit)
    if city is not None and city.pk != unit.pk:
        inherited = (
            DeadlinePolicy.objects.filter(unit=city).select_related("unit").order_by("-version").first()
        )
        if inherited is not None:
            return PolicyInForce(unit, inherited, complete_rules(inherited.rules), inherited=True)
    return PolicyInForce(unit, None, copy.deepcopy(DEFAULT_RULES))


def open_cases_by_policy(policies: list[DeadlinePolicy]) -> dict[int, int]:
    rows = (
        Case.objects.filter(policy__in=policies)
        .exclude(status=State.CLOSED)
        .values("policy_id")
        .annotate(n=Count("pk"))
    )
    return {r["policy_id"]: r["n"] for r in rows}
