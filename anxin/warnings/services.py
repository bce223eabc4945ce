"""Raising warnings (the evaluation) and dealing with them (acknowledge, act, dismiss).

``evaluate`` is idempotent: the same ledgers give the same warnings. A live warning found again is
merged into (its ``last_seen`` moves; reasons, evidence and ``occurrences`` change only when the
evidence does); nothing is ever closed by the engine, only by a person. After a person closes a
warning, the same rule and subject stay quiet for the rule's ``quiet_days`` unless new evidence
appears, so 王老师 is not handed back the warning she has just dealt with.

It runs every 15 minutes as a periodic task (``tasks.py``; the urgent-report rule counts in
minutes), and by hand with ``anxin warnings evaluate``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import require
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, ErrorCode, Invalid
from anxin.core.notify import notify
from anxin.org.models import Unit, UnitKind, User

from . import events
from .errors import WarningError
from .models import LIVE, REMINDERS, Status, Warning, WarningPolicy
from .rules import DEFAULTS, RULES, Candidate, Context

log = logging.getLogger(__name__)

RESOURCE = "ledger_warning"
NOTE_MAX = 2000

# --- thresholds -----------------------------------------------------------------------------------


def _merge_policy(base: dict[str, dict[str, int]], override: Any) -> None:
    if not isinstance(override, dict):
        return
    for rule, values in override.items():
        if rule not in base or not isinstance(values, dict):
            continue
        for name, value in values.items():
            # Unknown names and nonsense values are ignored rather than break the evaluation.
            if (
                name in base[rule]
                and isinstance(value, int)
                and not isinstance(value, bool)
                and 0 <= value <= 3650
            ):
                base[rule][name] = value


def thresholds_for(school: Unit, policies: dict[int, Any] | None = None) -> dict[str, dict[str, int]]:
    """The code's defaults, overridden by the city's policy, then by the county's."""
    result = {rule: dict(values) for rule, values in DEFAULTS.items()}
    chain: list[int] = []
    node = school.parent
    while node is not None and node.kind in (UnitKind.COUNTY, UnitKind.CITY):
        chain.append(node.pk)
        node = node.parent
    if policies is None:
        policies = dict(WarningPolicy.objects.filter(unit_id__in=chain).values_list("unit_id", "thresholds"))
    for unit_id in reversed(chain):  # the city first, the county last
        _merge_policy(result, policies.get(unit_id))
    return result


# --- evaluation -----------------------------------------------------------------------------------


@dataclass
class Evaluation:
    schools: int = 0
    candidates: int = 0
    created: int = 0
    merged: int = 0
    unchanged: int = 0
    suppressed: int = 0
    #: Reminders closed by the evaluation because their duty is done.
    resolved: int = 0
    failed: list[str] = field(default_factory=list)

    def add(self, other: Evaluation) -> None:
        for name in ("schools", "candidates", "created", "merged", "unchanged", "suppressed", "resolved"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failed += other.failed


#: Evidence keys that only mark a reminder's later stage: a warning a person closed stays closed
#: when it merely reaches that stage (escalation is for a reminder nobody dealt with).
STAGE_KEYS = ("escalated:", "late:")


def _settled(evidence: Iterable[str]) -> set[str]:
    return {e for e in evidence if not str(e).startswith(STAGE_KEYS)}


def _key(obj: Any) -> tuple[str, str, int]:
    return (str(obj.rule), str(obj.subject_type), int(obj.subject_id))


def _announce(warning: Warning, user_ids: Iterable[int | None], *, fresh: bool = False) -> None:
    ids = [u for u in user_ids if u]
    if not ids:
        return
    external = ""
    if warning.rule in REMINDERS:
        # A reminder is worth the person's own channels (WeCom, SMS…); outside the platform only the
        # school and the kind of reminder, never a child. Quiet hours hold it back (not urgent).
        external = _("%(school)s有一条提醒待处理：%(rule)s") % {
            "school": warning.school.name,
            "rule": warning.get_rule_display(),
        }
    notify(
        User.objects.filter(pk__in=ids, is_active=True),
        title=_("预警：%(rule)s · %(subject)s")
        % {"rule": warning.get_rule_display(), "subject": warning.subject_label},
        body="\n".join(warning.reasons),
        url=reverse("ledgers:warning", args=[warning.pk]),
        urgent=warning.severity == "urgent",
        subject_key=f"warning:{warning.pk}",
        fresh=fresh,
        external=external,
    )


def _address(warning: Warning, cand: Candidate, *, fresh: bool = False) -> bool:
    """Add the candidate's other addressees to the warning and tell the newcomers; True if any."""
    if not cand.addressed:
        return False
    have = set() if fresh else set(warning.addressed.values_list("pk", flat=True))
    new = [u for u in dict.fromkeys(cand.addressed) if u not in have and u != warning.responsible_id]
    if not new:
        return False
    warning.addressed.add(*new)
    _announce(warning, new, fresh=fresh)
    return True


def _merge(warning: Warning, cand: Candidate, now: datetime, *, touch: bool = True) -> bool:
    """Fold a repeat into the live warning; True when anything but ``last_seen`` changed.

    ``touch=False`` leaves a mere sighting unsaved: the caller moves ``last_seen`` in bulk.
    """
    changed: list[str] = ["last_seen"]
    warning.last_seen = now
    if sorted(cand.evidence) != sorted(warning.evidence or []):
        warning.evidence = sorted(cand.evidence)
        warning.reasons = cand.reasons
        warning.occurrences += 1
        warning.severity = cand.severity
        changed += ["evidence", "reasons", "occurrences", "severity"]
    if cand.subject_label != warning.subject_label:
        warning.subject_label = cand.subject_label
        changed.append("subject_label")
    newcomer = None
    if cand.responsible_id and cand.responsible_id != warning.responsible_id:
        # The class got a new teacher, the plan a new owner: the warning follows the duty.
        warning.responsible_id = cand.responsible_id
        newcomer = cand.responsible_id
        changed.append("responsible")
    added = _address(warning, cand)
    if len(changed) == 1 and not touch:
        return added
    warning.save(update_fields=changed)
    if newcomer:
        _announce(warning, [newcomer])
    return len(changed) > 1 or added


def _create(school: Unit, cand: Candidate, now: datetime) -> Warning | None:
    """Insert the warning; None when a concurrent evaluation inserted it first (then merged)."""
    try:
        with transaction.atomic():
            warning = Warning.objects.create(
                school=school,
                unit_path=cand.unit_path,
                rule=cand.rule,
                subject_type=cand.subject_type,
                subject_id=cand.subject_id,
                subject_label=cand.subject_label[:200],
                responsible_id=cand.responsible_id,
                reasons=cand.reasons,
                evidence=sorted(cand.evidence),
                severity=cand.severity,
                first_seen=now,
                last_seen=now,
            )
            _announce(warning, [cand.responsible_id, *cand.also_notify], fresh=True)
            _address(warning, cand, fresh=True)
            return warning
    except IntegrityError:
        live = (
            Warning.objects.select_for_update()
            .filter(school=school, rule=cand.rule, subject_type=cand.subject_type, subject_id=cand.subject_id)
            .filter(status__in=LIVE)
            .first()
        )
        if live is None:
            raise
        _merge(live, cand, now)
        return None


def evaluate(
    school: Unit,
    today: date | None = None,
    *,
    now: datetime | None = None,
    policies: dict[int, Any] | None = None,
) -> Evaluation:
    """Run every rule for one school and store what they found. Safe to run as often as wanted."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = Evaluation(schools=1)
    ctx = Context(school=school, today=today, now=now, thresholds=thresholds_for(school, policies))
    candidates: list[Candidate] = []
    for name, rule in RULES.items():
        try:
            candidates.extend(rule(ctx))
        except Exception:  # one broken rule must not silence the others
            log.exception("warning rule %s failed for school %s", name, school.code)
            result.failed.append(f"{school.code}:{name}")
    result.candidates = len(candidates)
    failed = {f.split(":", 1)[1] for f in result.failed}
    # Only a rule that ran may say its duty is done: a broken rule's reminders stay as they are.
    resolvable = [str(r) for r in REMINDERS if str(r) not in failed]
    if (
        not candidates
        and not Warning.objects.filter(school=school, rule__in=resolvable, status__in=LIVE).exists()
    ):
        return result
    quiet = max(values["quiet_days"] for values in ctx.thresholds.values())
    with transaction.atomic():
        live = {_key(w): w for w in Warning.objects.filter(school=school, status__in=LIVE)}
        closed: dict[tuple[str, str, int], Warning] = {}
        untouched: list[int] = []
        for w in Warning.objects.filter(
            school=school,
            status__in=(Status.ACTED, Status.DISMISSED),
            closed_at__gte=now - timedelta(days=quiet),
        ).order_by("closed_at"):
            closed[_key(w)] = w  # the latest closing wins
        created: list[Warning] = []
        for cand in candidates:
            key = _key(cand)
            if key in live:
                if _merge(live[key], cand, now, touch=False):
                    result.merged += 1
                else:
                    untouched.append(live[key].pk)
                    result.unchanged += 1
                continue
            done = closed.get(key)
            if done is not None and done.closed_at is not None:
                quiet_until = done.closed_at + timedelta(days=ctx.t(cand.rule)["quiet_days"])
                if now < quiet_until and _settled(cand.evidence) <= _settled(done.evidence or []):
                    result.suppressed += 1
                    continue
            warning = _create(school, cand, now)
            if warning is None:
                result.merged += 1
            else:
                created.append(warning)
                live[key] = warning
        if untouched:
            Warning.objects.filter(pk__in=untouched).update(last_seen=now)
        found = {_key(c) for c in candidates}
        finished = [w.pk for key, w in live.items() if w.rule in resolvable and key not in found]
        if finished:
            result.resolved = Warning.objects.filter(pk__in=finished, status__in=LIVE).update(
                status=Status.ACTED, closed_at=now, closed_by=None, close_note=_("已完成，系统自动关闭。")
            )
            audit_record(
                actor=None,
                action=events.WARNING_RESOLVED,
                unit=school,
                subject_type="ledger_warnings.warning",
                subject_label=f"{len(finished)} 条提醒已完成",
                after={"ids": finished},
            )
        result.created = len(created)
        if created:
            audit_record(
                actor=None,
                action=events.WARNING_RAISED,
                unit=school,
                subject_type="ledger_warnings.warning",
                subject_label=f"{len(created)} 条预警",
                after={"ids": [w.pk for w in created]},
            )
    return result


def evaluate_all(
    today: date | None = None, *, now: datetime | None = None, schools: Iterable[Unit] | None = None
) -> Evaluation:
    """Every active school (or the given ones), each in its own transaction."""
    now = now or timezone.now()
    policies = dict(WarningPolicy.objects.values_list("unit_id", "thresholds"))
    if schools is None:
        schools = Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True).select_related("parent__parent")
    total = Evaluation()
    for school in schools:
        total.add(evaluate(school, today, now=now, policies=policies))
    return total


# --- a person deals with a warning ------------------------------------------------------------------

#: action -> (states it may start from, state it leads to, whether a note is required)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "acknowledge": ((Status.OPEN,), Status.ACKNOWLEDGED, False),
    "act": ((Status.OPEN, Status.ACKNOWLEDGED), Status.ACTED, True),
    "dismiss": ((Status.OPEN, Status.ACKNOWLEDGED), Status.DISMISSED, True),
}


W = TypeVar("W", bound=models.Model)


def warning_move(
    *,
    model: type[W],
    resource: str,
    audit_names: Mapping[str, str],
    actor: User | None,
    warning: W,
    action: str,
    note: str = "",
) -> W:
    """The one flow every kind of warning follows (open → acknowledged → acted or dismissed): the
    early warnings here and the screening warnings of anxin.wellbeing, each with its own model (the
    same status fields), permission resource and audit names. A conditional update moves it, so two
    people acting at once do it once."""
    if action not in TRANSITIONS:
        raise Invalid(_("未知的操作。"), code=ErrorCode.UNKNOWN_ACTION, detail={"allowed": list(TRANSITIONS)})
    require(actor, resource, "handle", warning)
    sources, target, needs_note = TRANSITIONS[action]
    note = (note if isinstance(note, str) else "").strip()
    if needs_note and not note:
        message = _("请填写采取了哪些措施。") if action == "act" else _("请填写排除的原因。")
        raise Invalid(message, code=WarningError.NOTE_REQUIRED, detail={"note": [message]})
    if len(note) > NOTE_MAX:
        raise Invalid(_("说明过长（最多 2000 字）。"), code=WarningError.NOTE_TOO_LONG)
    now = timezone.now()
    fields: dict[str, Any] = {"status": target}
    if action == "acknowledge":
        fields.update(acknowledged_at=now, acknowledged_by=actor)
    else:
        fields.update(closed_at=now, closed_by=actor, close_note=note)
        if getattr(warning, "acknowledged_at", None) is None:
            fields.update(acknowledged_at=now, acknowledged_by=actor)
    with transaction.atomic():
        moved = model._default_manager.filter(pk=warning.pk, status__in=sources).update(**fields)
        if moved != 1:
            raise Conflict(_("该预警已被处理，请刷新页面。"), code=ErrorCode.TRANSITION_NOT_ALLOWED)
        before = getattr(warning, "status", "")
        warning.refresh_from_db()
        audit_record(
            actor=actor,
            action=audit_names[action],
            unit=getattr(warning, "school"),  # noqa: B009 - every warning model has one
            subject=warning,
            before={"status": before},
            after={"status": getattr(warning, "status", ""), "note": note},
        )
    return warning


def warning_action(*, actor: User | None, warning: Warning, action: str, note: str = "") -> Warning:
    """Move a warning on. ``warning`` comes from ``selectors.warning_get`` (the caller sees it)."""
    return warning_move(
        model=Warning,
        resource=RESOURCE,
        audit_names=events.ACTION_EVENTS,
        actor=actor,
        warning=warning,
        action=action,
        note=note,
    )


def warning_acknowledge(*, actor: User | None, warning: Warning) -> Warning:
    return warning_action(actor=actor, warning=warning, action="acknowledge")


def warning_act(*, actor: User | None, warning: Warning, note: str) -> Warning:
    return warning_action(actor=actor, warning=warning, action="act", note=note)


def warning_dismiss(*, actor: User | None, warning: Warning, reason: str) -> Warning:
    return warning_action(actor=actor, warning=warning, action="dismiss", note=reason)
