"""The compliance scorecard: each school's term against the plan, computed from the records the
school keeps (never self-reported), with weights and thresholds from its county's versioned policy.

Each item is a ratio of what was due against what was done; an item with nothing due (no key
places, no key-group pupils, no case deadline this term) has no ratio and drops out of the total, so
a school is neither rewarded nor punished for what it did not have to do.
"""

from __future__ import annotations

import copy
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from anxin.audit.models import AuditEvent
from anxin.audit.services import audit_record
from anxin.cases.models import Deadline
from anxin.core.errors import Invalid
from anxin.intake import events as intake_events
from anxin.ledgers.base import Completeness
from anxin.ledgers.care.models import Talk
from anxin.ledgers.education.models import ActivityType, ClassMeeting, DocKind, DocumentVersion, EduActivity
from anxin.ledgers.education.schooldays import Term, school_days_back, term_of
from anxin.ledgers.education.selectors import MEETINGS_PER_TERM
from anxin.ledgers.hazards.models import COVERAGE_KINDS, CameraStatus, Hazard, HazardStatus, KeyPlace
from anxin.org.models import CommitteeMember, KeyGroupFlag, Student, Unit, UnitKind
from anxin.oversight.stats.models import Duty, Metric
from anxin.oversight.stats.selectors import flow_sums
from anxin.surveys.selectors import answered_by_school

from . import events
from .errors import SupervisionError
from .models import ScorecardPolicy
from .permissions import SCORECARD, require_school

#: The items of the plan, in the order the scorecard shows them.
ITEMS: dict[str, Any] = {
    "committee": gettext_lazy("成立欺凌治理委员会（成员齐全）"),
    "published": gettext_lazy("工作预案、联系方式公开，爱心信箱海报已打印"),
    "safety_1530": gettext_lazy("1530安全教育完成率"),
    "meetings": gettext_lazy("每班每学期至少两次主题班会"),
    "trainings": gettext_lazy("教职工培训、家长培训、全体学生专题教育"),
    "patrols": gettext_lazy("巡查与宿舍熄灯后巡查"),
    "hazards": gettext_lazy("隐患按期整改销号"),
    "cameras": gettext_lazy("重点部位视频监控正常"),
    "talks": gettext_lazy("重点群体学生谈心谈话"),
    "cases": gettext_lazy("案件在期限内办理"),
    "survey": gettext_lazy("每学期防欺凌专项调查（全体学生参与）"),
}

DEFAULT_RULES: dict[str, Any] = {
    # Weight of each item in the total (0 leaves an item out).
    "weights": {
        "committee": 10,
        "published": 10,
        "safety_1530": 15,
        "meetings": 10,
        "trainings": 10,
        "patrols": 10,
        "hazards": 10,
        "cameras": 10,
        "talks": 5,
        "cases": 10,
        "survey": 10,
    },
    # An item meets the plan at this percentage and up, partly meets it from the second.
    "pass_percent": 90,
    "partial_percent": 60,
    # A school needs attention below this total, or with this many failing items.
    "attention_below": 70,
    "attention_failures": 3,
    # The committee roles the plan requires.
    "committee_roles": ["chair", "legal_vp", "moral_director", "teacher", "parent"],
    # Patrol and dormitory rounds are counted over the last so many days of the term, 1530 over
    # the last so many school days.
    "patrol_days": 28,
    "safety_school_days": 20,
}


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_rules(rules: Any) -> dict[str, Any]:
    """A complete rules dict from a partial one, or Invalid naming every bad entry."""
    if not isinstance(rules, dict):
        raise Invalid(_("考评规则格式不正确。"), code=SupervisionError.SCORECARD_POLICY_INVALID)
    out = copy.deepcopy(DEFAULT_RULES)
    errors: dict[str, list[str]] = {}
    for key, value in rules.items():
        if key == "weights":
            if not isinstance(value, dict) or any(
                k not in ITEMS or not _int_in(v, 0, 100) for k, v in value.items()
            ):
                errors[key] = [_("权重须为考评项目到 0–100 整数的对应。")]
                continue
            out["weights"].update(value)
        elif key in ("pass_percent", "partial_percent", "attention_below"):
            if not _int_in(value, 0, 100):
                errors[key] = [_("须为 0 到 100 的整数。")]
                continue
            out[key] = value
        elif key == "attention_failures":
            if not _int_in(value, 1, len(ITEMS)):
                errors[key] = [_("须为 1 到 %(n)s 的整数。") % {"n": len(ITEMS)}]
                continue
            out[key] = value
        elif key in ("patrol_days", "safety_school_days"):
            if not _int_in(value, 1, 200):
                errors[key] = [_("须为 1 到 200 的整数。")]
                continue
            out[key] = value
        elif key == "committee_roles":
            from anxin.org.models import CommitteeRole

            if not isinstance(value, list) or not value or any(v not in CommitteeRole.values for v in value):
                errors[key] = [_("请从委员会职务中选择。")]
                continue
            out[key] = list(dict.fromkeys(value))
        else:
            errors[key] = [_("未知的规则项。")]
    if out["partial_percent"] > out["pass_percent"]:
        errors.setdefault("partial_percent", []).append(_("基本符合的标准不能高于符合的标准。"))
    if not any(out["weights"].values()):
        errors.setdefault("weights", []).append(_("至少一项的权重大于 0。"))
    if errors:
        raise Invalid(
            _("考评规则有误，请检查标出的各项。"),
            code=SupervisionError.SCORECARD_POLICY_INVALID,
            detail=errors,
        )
    return out


def _levels(school: Unit) -> list[Unit]:
    out, node = [], school.parent
    while node is not None:
        if node.kind in (UnitKind.COUNTY, UnitKind.CITY):
            out.append(node)
        node = node.parent
    return out


@dataclass
class PolicyInForce:
    rules: dict[str, Any]
    policy: ScorecardPolicy | None = None


def policy_for(
    school: Unit, on: date, *, cache: dict[int, list[ScorecardPolicy]] | None = None, validate: bool = True
) -> PolicyInForce:
    """The county's newest version in effect on ``on``, else the city's, else the defaults
    (``validate=False``: the stored rules as they are, for a caller that validates each version once)."""
    for unit in _levels(school):
        if cache is not None and unit.pk in cache:
            versions = cache[unit.pk]
        else:
            versions = list(ScorecardPolicy.objects.filter(unit=unit).order_by("-version"))
            if cache is not None:
                cache[unit.pk] = versions
        for p in versions:
            if p.effective_from <= on:
                return PolicyInForce(validate_rules(p.rules) if validate else p.rules, p)
    return PolicyInForce(copy.deepcopy(DEFAULT_RULES))


def policy_for_unit(unit: Unit, on: date) -> PolicyInForce:
    """The rules a county (or city) works under on ``on``: its own, else its city's, else the defaults."""
    for level in [unit, *_levels(unit)]:
        found = (
            ScorecardPolicy.objects.filter(unit=level, effective_from__lte=on).order_by("-version").first()
        )
        if found is not None:
            return PolicyInForce(validate_rules(found.rules), found)
    return PolicyInForce(copy.deepcopy(DEFAULT_RULES))


def versions(units: list[Unit]) -> list[ScorecardPolicy]:
    return list(
        ScorecardPolicy.objects.filter(unit__in=units)
        .select_related("unit", "created_by")
        .order_by("unit__path", "-version")
    )


def policy_set(
    *, actor: Any, unit: Unit, rules: Any, effective_from: date | None, note: str = ""
) -> ScorecardPolicy:
    """A new version of a county's or city's scorecard rules, in effect from a date."""
    if unit.kind not in (UnitKind.COUNTY, UnitKind.CITY):
        raise Invalid(
            _("考评规则只能由市或县（区）教育行政部门设定。"), code=SupervisionError.SCORECARD_POLICY_INVALID
        )
    require_school(actor, SCORECARD, "policy", unit)
    clean = validate_rules(rules)
    effective_from = effective_from or timezone.localdate()
    with transaction.atomic():
        Unit.objects.select_for_update().filter(pk=unit.pk).first()
        last = ScorecardPolicy.objects.filter(unit=unit).aggregate(v=Max("version"))["v"] or 0
        policy = ScorecardPolicy.objects.create(
            unit=unit,
            version=last + 1,
            effective_from=effective_from,
            rules=clean,
            note=(note or "")[:200],
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=events.SCORECARD_POLICY_SET,
            unit=unit,
            subject=policy,
            after={"version": policy.version, "effective_from": effective_from.isoformat(), "rules": clean},
        )
    return policy


# --- the items ------------------------------------------------------------------------------------


@dataclass
class Item:
    key: str
    label: str
    due: int
    done: int
    detail: str
    evidence: str
    weight: int = 0
    status: str = ""  # meets | partly | fails | none

    @property
    def percent(self) -> int | None:
        return Completeness(self.due, self.done).percent


@dataclass
class Card:
    school: Unit
    term: Term
    items: list[Item]
    policy: PolicyInForce
    total: int | None = None
    failures: int = 0
    attention: bool = False
    rank: int = 0
    reasons: list[str] = field(default_factory=list)

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except Exception:  # a page another area may not mount in some deployments
        return ""


@dataclass
class Batch:
    """The schools of one scorecard request and what every item needs to know about them: each item
    reads all the schools at once (a query or two per item, whatever the number of schools)."""

    schools: list[Unit]
    term: Term
    end: date
    rules: dict[int, dict[str, Any]]  # school id -> the rules of its policy
    #: Each label translated and each evidence page reversed once per request, not once per school.
    _memo: dict[str, str] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return [s.pk for s in self.schools]

    def label(self, key: str) -> str:
        if "label:" + key not in self._memo:
            self._memo["label:" + key] = str(ITEMS[key])
        return self._memo["label:" + key]

    def url(self, name: str) -> str:
        if "url:" + name not in self._memo:
            self._memo["url:" + name] = _url(name)
        return self._memo["url:" + name]


def _checklist(
    b: Batch,
    key: str,
    url: str,
    required: Callable[[Unit], list[tuple[str, str]]],
    held: dict[int, set[str]],
    missing_text: str,
    complete_text: str,
) -> dict[int, Item]:
    """An item that is a list of things each school must have (committee roles, kinds of training):
    due the list, done those held, the detail naming what is missing."""
    out = {}
    for school in b.schools:
        needed = required(school)
        missing = [label for value, label in needed if value not in held[school.pk]]
        detail = missing_text % {"what": "、".join(missing)} if missing else complete_text
        out[school.pk] = Item(key, b.label(key), len(needed), len(needed) - len(missing), detail, b.url(url))
    return out


def _committee(b: Batch) -> dict[int, Item]:
    from anxin.org.models import CommitteeRole

    held: dict[int, set[str]] = defaultdict(set)
    for school_id, role in CommitteeMember.objects.filter(school_id__in=b.ids, active=True).values_list(
        "school_id", "committee_role"
    ):
        held[school_id].add(role)
    return _checklist(
        b,
        "committee",
        "org:committee",
        lambda school: [(r, str(CommitteeRole(r).label)) for r in b.rules[school.pk]["committee_roles"]],
        held,
        _("缺少：%(what)s"),
        _("成员齐全"),
    )


def _published(b: Batch) -> dict[int, Item]:
    kinds: dict[int, set[str]] = defaultdict(set)
    for school_id, kind in (
        DocumentVersion.objects.filter(
            school_id__in=b.ids, document__kind__in=[DocKind.PLAN, DocKind.CONTACTS]
        )
        .values_list("school_id", "document__kind")
        .distinct()
    ):
        kinds[school_id].add(kind)
    # Ever printed, whenever: a poster on the wall since an earlier term still counts.
    posters = set(
        AuditEvent.objects.filter(action=intake_events.POSTER_PRINTED, unit_id__in=b.ids)
        .values_list("unit_id", flat=True)
        .distinct()
    )
    out = {}
    for school in b.schools:
        missing = []
        if DocKind.PLAN not in kinds[school.pk]:
            missing.append(str(DocKind.PLAN.label))
        if DocKind.CONTACTS not in kinds[school.pk]:
            missing.append(str(DocKind.CONTACTS.label))
        if school.pk not in posters:
            missing.append(_("爱心信箱海报从未打印"))
        detail = _("缺少：%(what)s") % {"what": "；".join(missing)} if missing else _("均已完成")
        out[school.pk] = Item(
            "published",
            b.label("published"),
            3,
            3 - len(missing),
            detail,
            b.url("ledgers:education_documents"),
        )
    return out


def _counted(ids: list[int], key: str, start: date, end: date) -> dict[int, tuple[int, int]]:
    """(due, done) of a ledger duty per school over start..end, from the count tables the hourly
    job keeps (anxin.oversight.stats): the rounds and the 1530 records are never rescanned here."""
    if end < start:
        return {}
    sums = flow_sums(ids, start, end, [Metric.LEDGER_DUE, Metric.LEDGER_DONE])
    return {
        pk: (sums.get((pk, Metric.LEDGER_DUE, key), 0), sums.get((pk, Metric.LEDGER_DONE, key), 0))
        for pk in ids
    }


def _safety(b: Batch) -> dict[int, Item]:
    # The last school days, not the whole term: a term's first weeks (and August) are not school
    # days the calendar knows of, and the bureau asks whether the habit holds now (SCENARIOS §7).
    # Policies differ per county, so the schools are grouped by their window.
    windows: dict[int, list[int]] = defaultdict(list)
    for school in b.schools:
        windows[b.rules[school.pk]["safety_school_days"]].append(school.pk)
    out = {}
    for days, ids in windows.items():
        window = [d for d in school_days_back(b.end, days) if d >= b.term.start]
        counted = _counted(ids, Duty.SAFETY_1530, window[0], window[-1]) if window else {}
        for school_id in ids:
            due, done = counted.get(school_id, (0, 0))
            detail = _("近 %(days)s 个上学日应记 %(due)s 次，已记 %(done)s 次") % {
                "days": len(window),
                "due": due,
                "done": done,
            }
            out[school_id] = Item(
                "safety_1530", b.label("safety_1530"), due, done, detail, b.url("ledgers:education_1530")
            )
    return out


def _meetings(b: Batch) -> dict[int, Item]:
    classes: dict[int, list[int]] = defaultdict(list)
    for school_id, class_id in Unit.objects.filter(
        school_id__in=b.ids, kind=UnitKind.CLASS, is_active=True
    ).values_list("school_id", "pk"):
        classes[school_id].append(class_id)
    counts = dict(
        ClassMeeting.objects.filter(
            school_id__in=b.ids, klass__is_active=True, date__gte=b.term.start, date__lte=b.end
        )
        .values("klass_id")
        .annotate(n=Count("id"))
        .values_list("klass_id", "n")
    )
    out = {}
    for school in b.schools:
        rows = [counts.get(k, 0) for k in classes[school.pk]]
        met = sum(1 for n in rows if n >= MEETINGS_PER_TERM)
        detail = _("%(met)s/%(all)s 个班已开满 %(n)s 次") % {
            "met": met,
            "all": len(rows),
            "n": MEETINGS_PER_TERM,
        }
        out[school.pk] = Item(
            "meetings", b.label("meetings"), len(rows), met, detail, b.url("ledgers:education_meetings")
        )
    return out


TRAINING_TYPES = (ActivityType.STAFF_TRAINING, ActivityType.PARENT_SCHOOL, ActivityType.TOPIC_EDUCATION)


def _trainings(b: Batch) -> dict[int, Item]:
    held: dict[int, set[str]] = defaultdict(set)
    for school_id, kind in (
        EduActivity.objects.filter(
            school_id__in=b.ids, type__in=TRAINING_TYPES, date__gte=b.term.start, date__lte=b.end
        )
        .values_list("school_id", "type")
        .distinct()
    ):
        held[school_id].add(kind)
    needed = [(str(t.value), str(t.label)) for t in TRAINING_TYPES]
    return _checklist(
        b,
        "trainings",
        "ledgers:education_activities",
        lambda _school: needed,
        held,
        _("本学期未开展：%(what)s"),
        _("均已开展"),
    )


def _patrols(b: Batch) -> dict[int, Item]:
    windows: dict[int, list[int]] = defaultdict(list)
    for school in b.schools:
        windows[b.rules[school.pk]["patrol_days"]].append(school.pk)
    out = {}
    for days, ids in windows.items():
        start = max(b.term.start, b.end - timedelta(days=days - 1))
        counted = _counted(ids, Duty.PATROL, start, b.end)
        for school_id in ids:
            due, done = counted.get(school_id, (0, 0))
            detail = _("近 %(days)s 天应巡 %(due)s 轮，已巡 %(done)s 轮") % {
                "days": (b.end - start).days + 1,
                "due": due,
                "done": done,
            }
            out[school_id] = Item(
                "patrols", b.label("patrols"), due, done, detail, b.url("ledgers:patrol_home")
            )
    return out


def _by(done_at: datetime | None, due: date | None) -> bool:
    """Done on or before its local due date."""
    return done_at is not None and due is not None and timezone.localtime(done_at).date() <= due


def _hazards(b: Batch) -> dict[int, Item]:
    # On time: rectified by the deadline (the check that strikes it off may come a day later).
    done = (HazardStatus.RECTIFIED, HazardStatus.CLOSED)
    due: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = defaultdict(int)
    for school_id, status, at, deadline in Hazard.objects.filter(
        school_id__in=b.ids, deadline__gte=b.term.start, deadline__lt=b.end
    ).values_list("school_id", "status", "rectified_at", "deadline"):
        due[school_id] += 1
        on_time[school_id] += status in done and _by(at, deadline)
    out = {}
    for school in b.schools:
        detail = _("到期 %(due)s 项，按期整改 %(done)s 项") % {
            "due": due[school.pk],
            "done": on_time[school.pk],
        }
        out[school.pk] = Item(
            "hazards",
            b.label("hazards"),
            due[school.pk],
            on_time[school.pk],
            detail,
            b.url("ledgers:hazards_list"),
        )
    return out


def _cameras(b: Batch) -> dict[int, Item]:
    places = KeyPlace.objects.filter(school_id__in=b.ids, is_active=True, kind__in=list(COVERAGE_KINDS))
    total = dict(places.values_list("school_id").annotate(n=Count("id")).values_list("school_id", "n"))
    covered = dict(
        places.filter(cameras__status=CameraStatus.OK)
        .values_list("school_id")
        .annotate(n=Count("id", distinct=True))
        .values_list("school_id", "n")
    )
    out = {}
    for school in b.schools:
        t, c = total.get(school.pk, 0), covered.get(school.pk, 0)
        detail = _("%(ok)s/%(all)s 个重点部位有正常工作的摄像头") % {"ok": c, "all": t}
        out[school.pk] = Item("cameras", b.label("cameras"), t, c, detail, b.url("ledgers:hazards_cameras"))
    return out


def _talks(b: Batch) -> dict[int, Item]:
    pupils = KeyGroupFlag.objects.filter(student__school_id__in=b.ids, student__is_active=True)
    flagged = dict(
        pupils.values_list("student__school_id")
        .annotate(n=Count("student_id", distinct=True))
        .values_list("student__school_id", "n")
    )
    talked = dict(
        Talk.objects.filter(
            school_id__in=b.ids,
            student_id__in=pupils.values("student_id"),
            talked_on__gte=b.term.start,
            talked_on__lte=b.end,
        )
        .values_list("school_id")
        .annotate(n=Count("student_id", distinct=True))
        .values_list("school_id", "n")
    )
    out = {}
    for school in b.schools:
        n_all, n_done = flagged.get(school.pk, 0), talked.get(school.pk, 0)
        detail = _("重点群体学生 %(all)s 人，本学期已谈话 %(done)s 人") % {"all": n_all, "done": n_done}
        out[school.pk] = Item("talks", b.label("talks"), n_all, n_done, detail, b.url("ledgers:care_list"))
    return out


def _cases(b: Batch) -> dict[int, Item]:
    due: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = defaultdict(int)
    for school_id, due_on, met_at in Deadline.objects.filter(
        case__school_id__in=b.ids, cancelled=False, due_on__gte=b.term.start, due_on__lt=b.end
    ).values_list("case__school_id", "due_on", "met_at"):
        if school_id is None:  # a case without a school is no school's deadline
            continue
        due[school_id] += 1
        on_time[school_id] += _by(met_at, due_on)
    out = {}
    for school in b.schools:
        detail = _("到期 %(due)s 项，按期完成 %(done)s 项") % {
            "due": due[school.pk],
            "done": on_time[school.pk],
        }
        out[school.pk] = Item(
            "cases", b.label("cases"), due[school.pk], on_time[school.pk], detail, b.url("cases:list")
        )
    return out


def _survey(b: Batch) -> dict[int, Item]:
    # Due: every pupil on the roll; done: the answers of the campaign the school answered most.
    # A school no campaign covered this term has nothing due: the bureau did not ask it.
    answered = answered_by_school(b.ids, b.term.start, b.end)
    pupils = dict(
        Student.objects.filter(school_id__in=b.ids, is_active=True)
        .values_list("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    out = {}
    for school in b.schools:
        if school.pk not in answered:
            out[school.pk] = Item(
                "survey", b.label("survey"), 0, 0, _("本学期教育局未组织专项调查"), b.url("surveys:index")
            )
            continue
        title, n = answered[school.pk]
        roll = pupils.get(school.pk, 0)
        detail = _("%(title)s：在读 %(all)s 人，已作答 %(done)s 份") % {
            "title": title,
            "all": roll,
            "done": n,
        }
        out[school.pk] = Item("survey", b.label("survey"), roll, min(n, roll), detail, b.url("surveys:index"))
    return out


COMPUTE: dict[str, Callable[[Batch], dict[int, Item]]] = {
    "committee": _committee,
    "published": _published,
    "safety_1530": _safety,
    "meetings": _meetings,
    "trainings": _trainings,
    "patrols": _patrols,
    "hazards": _hazards,
    "cameras": _cameras,
    "talks": _talks,
    "cases": _cases,
    "survey": _survey,
}


#: The resource whose pages each item's evidence link opens: shown only to those who may read it.
EVIDENCE_RESOURCE = {
    "committee": "committee",
    "published": "ledger_edu_document",
    "safety_1530": "ledger_1530",
    "meetings": "ledger_class_meeting",
    "trainings": "ledger_edu_activity",
    "patrols": "ledger_patrol_checkin",
    "hazards": "ledger_hazard",
    "cameras": "ledger_hazard_grid",
    "talks": "ledger_talk",
    "cases": "case",
    "survey": "survey_campaign",
}


def for_reader(card: Card, user: Any) -> Card:
    """The card with the evidence links the reader cannot open left out (an inspector reads no ledger)."""
    from anxin.access.matrix import allowed

    for item in card.items:
        if item.evidence and not allowed(user, EVIDENCE_RESOURCE[item.key], "view"):
            item.evidence = ""
    return card


def _grade(item: Item, rules: dict[str, Any]) -> None:
    item.weight = int(rules["weights"].get(item.key, 0))
    pct = item.percent
    if pct is None:
        item.status = "none"
    elif pct >= rules["pass_percent"]:
        item.status = "meets"
    elif pct >= rules["partial_percent"]:
        item.status = "partly"
    else:
        item.status = "fails"


def _score(card: Card) -> None:
    rules = card.policy.rules
    for item in card.items:
        _grade(item, rules)
    scored = [i for i in card.items if i.status != "none" and i.weight > 0]
    weight = sum(i.weight for i in scored)
    if weight:
        card.total = round(sum(i.weight * (i.done / i.due) for i in scored) * 100 / weight)
    card.failures = sum(1 for i in card.items if i.status == "fails" and i.weight > 0)
    if card.total is not None and card.total < rules["attention_below"]:
        card.reasons.append(_("总分低于 %(n)s") % {"n": rules["attention_below"]})
    if card.failures >= rules["attention_failures"]:
        card.reasons.append(_("%(n)s 项不符合") % {"n": card.failures})
    card.attention = bool(card.reasons)


def _policies(schools: list[Unit], on: date) -> dict[int, PolicyInForce]:
    """:func:`policy_for` of many schools in two queries: their counties (with the city) and every
    version of those units' policies."""
    parents = {
        u.pk: u
        for u in Unit.objects.filter(pk__in={s.parent_id for s in schools if s.parent_id}).select_related(
            "parent"
        )
    }
    for school in schools:
        if school.parent_id in parents:
            school.parent = parents[school.parent_id]  # the tree walk below then reads no row
    levels = {pk for s in schools for pk in (u.pk for u in _levels(s))}
    cache: dict[int, list[ScorecardPolicy]] = {pk: [] for pk in levels}
    for policy in ScorecardPolicy.objects.filter(unit_id__in=levels).order_by("-version"):
        cache[policy.unit_id].append(policy)
    found: dict[int | None, PolicyInForce] = {}
    out = {}
    for school in schools:
        # Validated once per policy version (and once for the defaults), not once per school.
        chosen = policy_for(school, on, cache=cache, validate=False)
        key = chosen.policy.pk if chosen.policy is not None else None
        if key not in found:
            found[key] = PolicyInForce(validate_rules(chosen.rules), chosen.policy) if key else chosen
        out[school.pk] = found[key]
    return out


def compute_many(schools: list[Unit], today: date, *, term: Term | None = None) -> list[Card]:
    """The cards of these schools for the term of ``today`` (or the given term), counted up to today,
    in the order given. Each item reads every school at once, so a city's 300 schools cost the same
    dozen queries as one school; the 1530 and patrol items read the hourly count tables."""
    term = term or term_of(today)
    end = min(today, term.end)
    policies = _policies(schools, end)
    batch = Batch(schools, term, end, {pk: p.rules for pk, p in policies.items()})
    found = {key: COMPUTE[key](batch) for key in ITEMS} if schools else {}
    cards = []
    for school in schools:
        card = Card(school, term, [found[key][school.pk] for key in ITEMS], policies[school.pk])
        _score(card)
        cards.append(card)
    return cards


def compute(school: Unit, today: date, *, term: Term | None = None) -> Card:
    """One school's card for the term of ``today`` (or the given term), counted up to today."""
    return compute_many([school], today, term=term)[0]


def ranked(schools: list[Unit], today: date, *, term: Term | None = None) -> list[Card]:
    """Cards of these schools, best total first, ranked 1..n (equal totals share a rank)."""
    cards = compute_many(schools, today, term=term)
    cards.sort(key=lambda c: (-(c.total if c.total is not None else -1), c.school.path))
    last: tuple[int | None, int] = (None, 0)
    for n, card in enumerate(cards, start=1):
        card.rank = last[1] if card.total == last[0] and n > 1 else n
        last = (card.total, card.rank)
    return cards


#: How long a list of many schools' cards is kept: the page of a city's 300 schools is computed at
#: most this often (its per-school page is always computed afresh).
CACHE_SECONDS = 10 * 60


def ranked_cached(schools: list[Unit], today: date, *, term: Term | None = None) -> list[Card]:
    """:func:`ranked`, kept for CACHE_SECONDS per set of schools, term, day and language; a new
    policy version makes it stale at once."""
    term = term or term_of(today)
    latest = ScorecardPolicy.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    raw = f"{','.join(str(s.pk) for s in schools)}|{term_code(term)}|{today}|{latest}|{get_language()}"
    key = "supervision:scorecard:" + hashlib.sha256(raw.encode()).hexdigest()
    found = cache.get(key)
    if isinstance(found, list):
        return found
    cards = ranked(schools, today, term=term)
    cache.set(key, cards, CACHE_SECONDS)
    return cards


def parse_term(raw: Any, today: date) -> Term:
    """``2026-1`` (first term of school year 2026–2027) or ``2026-2``; empty: the term of today."""
    if raw in (None, ""):
        return term_of(today)
    text = str(raw).strip()
    try:
        year_text, half = text.split("-")
        year = int(year_text)
        if half not in ("1", "2") or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        raise Invalid(
            _("学期格式不正确，应如 2026-1（2026–2027 学年第一学期）。"),
            code=SupervisionError.SCORECARD_BAD_TERM,
            detail={"term": [_("格式如 2026-1")]},
        ) from None
    return term_of(date(year, 9, 1) if half == "1" else date(year + 1, 3, 1))


def term_code(term: Term) -> str:
    return f"{term.start.year}-1" if term.start.month == 8 else f"{term.start.year - 1}-2"
