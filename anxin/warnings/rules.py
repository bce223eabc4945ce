"""The early-warning rules: each a small function from one school's ledgers to candidate warnings.

Every rule reads unscoped selectors of the other areas (the engine, not a person, is looking) and
returns :class:`Candidate` rows with reasons in plain Chinese and the evidence behind them. The
thresholds come from :data:`DEFAULTS`, overridden per city and county by ``WarningPolicy``.

What each rule means, in words a teacher would use:

- ``student_named`` — 学生多次被提及: in the last 30 days the student was named by other children
  in at least 2 谈心谈话, or their full name appears in reports, 2 mentions in all. Told: the
  student's class teacher.
- ``care_plan_overdue`` — 帮扶计划逾期: an active care plan whose review date has passed. Told: the
  plan's owner.
- ``watch_exit`` — 重点关注学生擅自离校被拦: a student with behaviour-watch entries (last 60 days)
  or flagged 行为异常关注 was stopped at the gate leaving without approved leave in the last 7 days.
  Told: the class teacher.
- ``place_repeat`` — 重点部位反复出现隐患: a key place with at least 2 hazards or screening
  findings in 30 days. Told: the place's 网格责任人 (the safety officer when there is none).
- ``class_no_talks`` / ``class_no_1530`` — a class with no 谈心谈话 / no 1530 record on any of the
  last 10 school days (classes set up less than 10 school days ago are left alone). Told: the class
  teacher.
- ``hazard_overdue`` — 隐患整改逾期: a hazard still being rectified after its deadline. Told: its
  owner, and the safety officer.
- ``urgent_unacknowledged`` — 紧急举报无人确认: an urgent report nobody has acknowledged 15
  minutes after it came in. Told: the principal.

Three reminders (``REMINDERS``) close themselves once their duty is done:

- ``patrol_overdue`` — 巡查点未按频次巡查: the latest day / night / week of a point (its own
  frequency, else the school's) ended with fewer check-ins than required and check-ins since have
  not made up the difference (anxin.ledgers.patrol.selectors.missed_rounds). Told: the point's
  responsible person, else the duty staff of that shift, else the safety officer; 60 minutes after
  the period ended and still not made up, the safety officer too.
- ``talk_follow_up`` — 谈心谈话待回访: a talk marked 需要回访 whose date has come and that is not
  marked followed up. Told: the talk's author on the date; 2 school days later, the class teacher too.
- ``leave_unreturned`` — 请假学生逾期未销假: a leave pass that has ended without a 销假. Told: the
  class teacher and the gate guards.

When nobody holds the role the rule names, the warning goes to the moral-education director, then
the principal; a school with neither still gets the warning, for its leaders' list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.org.models import KeyGroup, KeyGroupFlag, Role, RoleAssignment, Student, Unit, UnitKind

from .models import Rule, Severity, SubjectType

#: Thresholds per rule; ``quiet_days``: after a warning is closed, the same subject is raised again
#: only with new evidence or once this many days have passed.
DEFAULTS: dict[str, dict[str, int]] = {
    Rule.STUDENT_NAMED: {"window_days": 30, "min_mentions": 2, "quiet_days": 14},
    Rule.CARE_PLAN_OVERDUE: {"grace_days": 0, "quiet_days": 7},
    Rule.WATCH_EXIT: {"window_days": 7, "watch_days": 60, "quiet_days": 7},
    Rule.PLACE_REPEAT: {"window_days": 30, "min_findings": 2, "quiet_days": 14},
    Rule.CLASS_NO_TALKS: {"school_days": 10, "quiet_days": 7},
    Rule.CLASS_NO_1530: {"school_days": 10, "quiet_days": 7},
    Rule.HAZARD_OVERDUE: {"grace_days": 0, "quiet_days": 7},
    Rule.URGENT_UNACKNOWLEDGED: {"minutes": 15, "quiet_days": 1},
    Rule.PATROL_OVERDUE: {"grace_minutes": 60, "lookback_days": 7, "quiet_days": 1},
    Rule.TALK_FOLLOW_UP: {"escalate_school_days": 2, "quiet_days": 1},
    Rule.LEAVE_UNRETURNED: {"grace_minutes": 0, "quiet_days": 1},
    # A place and time band where at least min_answers pupils of the latest campaign that ended
    # (within recent_days: a term's survey speaks until the next one ends) said they were bullied
    # (每月两三次 or more): the survey's smallest shown cell.
    Rule.SURVEY_HOTSPOT: {"min_answers": 5, "recent_days": 365, "quiet_days": 60},
}


@dataclass
class Candidate:
    rule: str
    subject_type: str
    subject_id: int
    subject_label: str
    unit_path: str
    responsible_id: int | None
    reasons: list[str]
    evidence: list[str]
    severity: str = Severity.WARNING
    #: Others told when the warning is raised (they see it through their school-wide view).
    also_notify: list[int] = field(default_factory=list)
    #: Others the warning is addressed to (``Warning.addressed``): told once each, when first added,
    #: which is how a reminder escalates (the safety officer joins after the grace period).
    addressed: list[int] = field(default_factory=list)


@dataclass
class Context:
    """What every rule of one evaluation shares: the school, the moment, who holds which role."""

    school: Unit
    today: date
    now: datetime
    thresholds: dict[str, dict[str, int]]
    _roles: dict[tuple[str, int], list[int]] | None = None

    def t(self, rule: str) -> dict[str, int]:
        return self.thresholds.get(rule, DEFAULTS[rule])

    def holders(self, role: str, unit_id: int | None = None) -> list[int]:
        if self._roles is None:
            roles: dict[tuple[str, int], list[int]] = defaultdict(list)
            for r, unit, user in (
                RoleAssignment.objects.filter(
                    unit__school=self.school, unit__is_active=True, user__is_active=True
                )
                .order_by("pk")
                .values_list("role", "unit_id", "user_id")
            ):
                roles[(r, unit)].append(user)
            self._roles = roles
        return self._roles.get((role, unit_id or self.school.pk), [])

    def first(self, *choices: tuple[str, int | None]) -> int | None:
        """The first holder of the first role that someone holds; then the fallbacks."""
        for role, unit in (*choices, (Role.MORAL_DIRECTOR, None), (Role.PRINCIPAL, None)):
            people = self.holders(role, unit)
            if people:
                return people[0]
        return None


def md(d: date | datetime) -> str:
    if isinstance(d, datetime):
        d = timezone.localtime(d).date()
    return _("%(m)s月%(d)s日") % {"m": d.month, "d": d.day}


def _dates(days: list[date]) -> str:
    return "、".join(md(d) for d in sorted(days))


def _student_label(student: Student) -> str:
    return f"{student.masked_name} · {student.klass.display_name}"


# --- the rules --------------------------------------------------------------------------------


def student_named(ctx: Context) -> list[Candidate]:
    from anxin.intake.models import Report, Status
    from anxin.ledgers.care.models import Talk

    t = ctx.t(Rule.STUDENT_NAMED)
    since = ctx.today - timedelta(days=t["window_days"] - 1)
    talks: dict[int, dict[int, date]] = defaultdict(dict)
    for student_id, talk_id, talked_on, about in Talk.named_students.through.objects.filter(
        talk__school=ctx.school, talk__talked_on__gte=since, talk__talked_on__lte=ctx.today
    ).values_list("student_id", "talk_id", "talk__talked_on", "talk__student_id"):
        if student_id != about:  # named by *other* children
            talks[student_id][talk_id] = talked_on
    reports: dict[int, dict[int, date]] = defaultdict(dict)
    since_at = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    rows = list(
        Report.objects.filter(school=ctx.school, created_at__gte=since_at)
        .exclude(status=Status.MERGED)
        .only("pk", "names_involved", "created_at")
    )
    rows = [r for r in rows if r.names_involved]
    if rows:
        # Names are encrypted at rest: matched in Python, fine at the size of one school.
        names = Student.objects.filter(school=ctx.school, is_active=True).values_list("pk", "name")
        for pk, name in names:
            if len(name) < 2:
                continue
            for report in rows:
                if name in report.names_involved:
                    reports[pk][report.pk] = timezone.localtime(report.created_at).date()
    ids = [pk for pk in set(talks) | set(reports) if len(talks[pk]) + len(reports[pk]) >= t["min_mentions"]]
    out = []
    for student in Student.objects.filter(pk__in=ids, is_active=True).select_related("klass__parent"):
        reasons = []
        if talks[student.pk]:
            n = len(talks[student.pk])
            reasons.append(
                _("近 %(days)s 天内在 %(n)s 次谈心谈话中被其他同学提到（%(dates)s）")
                % {"days": t["window_days"], "n": n, "dates": _dates(list(talks[student.pk].values()))}
            )
        if reports[student.pk]:
            n = len(reports[student.pk])
            reasons.append(
                _("近 %(days)s 天内有 %(n)s 份举报提到其姓名（%(dates)s）")
                % {"days": t["window_days"], "n": n, "dates": _dates(list(reports[student.pk].values()))}
            )
        reasons.append("建议与该生单独谈心，了解同伴关系，必要时与心理教师一起跟进。")
        out.append(
            Candidate(
                rule=Rule.STUDENT_NAMED,
                subject_type=SubjectType.STUDENT,
                subject_id=student.pk,
                subject_label=_student_label(student),
                unit_path=student.klass.path,
                responsible_id=ctx.first((Role.CLASS_TEACHER, student.klass_id)),
                reasons=reasons,
                evidence=sorted(
                    [f"talk:{k}" for k in talks[student.pk]] + [f"report:{k}" for k in reports[student.pk]]
                ),
                severity=Severity.WARNING,
            )
        )
    return out


def care_plan_overdue(ctx: Context) -> list[Candidate]:
    from anxin.ledgers.care.selectors import overdue_care_plans

    t = ctx.t(Rule.CARE_PLAN_OVERDUE)
    out = []
    for plan in overdue_care_plans(ctx.school, ctx.today - timedelta(days=t["grace_days"])).select_related(
        "student__klass__parent"
    ):
        late = (ctx.today - plan.next_review_on).days
        out.append(
            Candidate(
                rule=Rule.CARE_PLAN_OVERDUE,
                subject_type=SubjectType.STUDENT,
                subject_id=plan.student_id,
                subject_label=_student_label(plan.student),
                unit_path=plan.student.klass.path,
                responsible_id=plan.owner_id,
                reasons=[
                    _("关爱帮扶计划应于 %(day)s 回顾，已逾期 %(late)s 天，尚无回顾记录。")
                    % {"day": md(plan.next_review_on), "late": late}
                ],
                evidence=[f"plan:{plan.pk}:{plan.next_review_on.isoformat()}"],
                severity=Severity.NOTICE,
            )
        )
    return out


def watch_exit(ctx: Context) -> list[Candidate]:
    from anxin.ledgers.care.selectors import watch_students
    from anxin.ledgers.gate.models import ExitOutcome, StudentExit

    t = ctx.t(Rule.WATCH_EXIT)
    since = ctx.today - timedelta(days=t["window_days"] - 1)
    stops: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for pk, student_id, at in StudentExit.objects.filter(
        school=ctx.school,
        outcome=ExitOutcome.STOPPED,
        recorded_at__date__gte=since,
        recorded_at__date__lte=ctx.today,
    ).values_list("pk", "student_id", "recorded_at"):
        stops[student_id].append((pk, timezone.localtime(at).date()))
    if not stops:
        return []
    watched = {
        s.pk: s
        for s in watch_students(ctx.school, since=ctx.today - timedelta(days=t["watch_days"])).filter(
            pk__in=list(stops)
        )
    }
    flagged = set(
        KeyGroupFlag.objects.filter(student_id__in=list(stops), group=KeyGroup.BEHAVIOUR).values_list(
            "student_id", flat=True
        )
    )
    out = []
    for student in Student.objects.filter(pk__in=set(watched) | flagged, is_active=True).select_related(
        "klass__parent"
    ):
        mine = stops[student.pk]
        reasons = [
            _("近 %(days)s 天内 %(n)s 次未经批准离校被门卫拦下（%(dates)s）。")
            % {"days": t["window_days"], "n": len(mine), "dates": _dates([d for _, d in mine])}
        ]
        if student.pk in watched:
            w = watched[student.pk]
            reasons.append(
                _("近 %(days)s 天有 %(n)s 条行为异常记录（最近 %(day)s）。")
                % {"days": t["watch_days"], "n": w.watch_count, "day": md(w.last_seen_on)}
            )
        if student.pk in flagged:
            reasons.append("该生已列入“行为异常关注”重点群体。")
        out.append(
            Candidate(
                rule=Rule.WATCH_EXIT,
                subject_type=SubjectType.STUDENT,
                subject_id=student.pk,
                subject_label=_student_label(student),
                unit_path=student.klass.path,
                responsible_id=ctx.first((Role.CLASS_TEACHER, student.klass_id)),
                reasons=reasons,
                evidence=sorted(f"exit:{pk}" for pk, _ in mine),
                severity=Severity.WARNING,
            )
        )
    return out


def place_repeat(ctx: Context) -> list[Candidate]:
    from anxin.ledgers.hazards.models import Hazard, KeyPlace, Screening, ScreeningResult
    from anxin.ledgers.hazards.selectors import uncovered_places

    t = ctx.t(Rule.PLACE_REPEAT)
    since = ctx.today - timedelta(days=t["window_days"] - 1)
    found: dict[int, dict[str, date]] = defaultdict(dict)
    from_screening: set[int] = set()
    for pk, place_id, screening_id, at in Hazard.objects.filter(
        school=ctx.school, place__isnull=False, recorded_at__date__gte=since, recorded_at__date__lte=ctx.today
    ).values_list("pk", "place_id", "screening_id", "recorded_at"):
        found[place_id][f"hazard:{pk}"] = timezone.localtime(at).date()
        if screening_id:
            from_screening.add(screening_id)
    for pk, place_id, day in Screening.objects.filter(
        school=ctx.school, result=ScreeningResult.FOUND, screened_on__gte=since, screened_on__lte=ctx.today
    ).values_list("pk", "place_id", "screened_on"):
        if pk not in from_screening:  # a finding that became a hazard counts once
            found[place_id][f"screening:{pk}"] = day
    ids = [pk for pk, rows in found.items() if len(rows) >= t["min_findings"]]
    if not ids:
        return []
    places = KeyPlace.objects.filter(pk__in=ids, is_active=True)
    no_camera = set(uncovered_places(places).values_list("pk", flat=True))
    safety = ctx.holders(Role.SAFETY_OFFICER)
    out = []
    for place in places:
        rows = found[place.pk]
        reasons = [
            _("近 %(days)s 天内该部位 %(n)s 次发现隐患（%(dates)s）。")
            % {"days": t["window_days"], "n": len(rows), "dates": _dates(list(rows.values()))}
        ]
        if place.pk in no_camera:
            reasons.append("该部位没有正常工作的监控摄像头。")
        reasons.append("建议加密排查和值班巡查，查明反复出现的原因。")
        out.append(
            Candidate(
                rule=Rule.PLACE_REPEAT,
                subject_type=SubjectType.PLACE,
                subject_id=place.pk,
                subject_label=str(place),
                unit_path=ctx.school.path,
                responsible_id=place.responsible_id or (safety[0] if safety else ctx.first()),
                reasons=reasons,
                evidence=sorted(rows),
                severity=Severity.WARNING,
            )
        )
    return out


def _old_enough(classes: Any, first_day: date) -> list[Unit]:
    """Classes set up before the window began: a new class has not had the chance yet."""
    return [k for k in classes if timezone.localtime(k.created_at).date() <= first_day]


def _silent_classes(ctx: Context, rule: str, classes: Any, window: list[date], what: str) -> list[Candidate]:
    """A notice to the class teacher of each class (old enough) with no record of ``what`` in the window."""
    return [
        Candidate(
            rule=rule,
            subject_type=SubjectType.CLASS,
            subject_id=k.pk,
            subject_label=k.display_name,
            unit_path=k.path,
            responsible_id=ctx.first((Role.CLASS_TEACHER, k.pk)),
            reasons=[
                _("最近 %(n)s 个上学日（%(day)s起）本班没有任何%(what)s记录。")
                % {"n": len(window), "day": md(window[0]), "what": what}
            ],
            evidence=[f"since:{window[0].isoformat()}"],
            severity=Severity.NOTICE,
        )
        for k in _old_enough(classes, window[0])
    ]


def class_no_talks(ctx: Context) -> list[Candidate]:
    from anxin.ledgers.care.models import Talk
    from anxin.ledgers.education.schooldays import school_days_back

    n = ctx.t(Rule.CLASS_NO_TALKS)["school_days"]
    window = school_days_back(ctx.today, n)
    if len(window) < n:
        return []
    talked = Talk.objects.filter(
        school=ctx.school, talked_on__gte=window[0], talked_on__lte=ctx.today
    ).values("student__klass_id")
    classes = (
        Unit.objects.filter(school=ctx.school, kind=UnitKind.CLASS, is_active=True)
        .exclude(pk__in=talked)
        .select_related("parent")
    )
    return _silent_classes(ctx, Rule.CLASS_NO_TALKS, classes, window, "谈心谈话")


def class_no_1530(ctx: Context) -> list[Candidate]:
    from anxin.ledgers.education.schooldays import school_days_back
    from anxin.ledgers.education.selectors import classes_without_1530

    n = ctx.t(Rule.CLASS_NO_1530)["school_days"]
    window = school_days_back(ctx.today, n)
    if len(window) < n:
        return []
    classes = classes_without_1530(ctx.school, n, ctx.today).select_related("parent")
    return _silent_classes(ctx, Rule.CLASS_NO_1530, classes, window, "“1530”安全教育")


def hazard_overdue(ctx: Context) -> list[Candidate]:
    from anxin.ledgers.hazards.selectors import overdue_hazards

    t = ctx.t(Rule.HAZARD_OVERDUE)
    safety = ctx.holders(Role.SAFETY_OFFICER)
    out = []
    for hazard in overdue_hazards(ctx.school, ctx.today - timedelta(days=t["grace_days"])).select_related(
        "place"
    ):
        late = (ctx.today - hazard.deadline).days
        where = f"{hazard.place.name}：" if hazard.place_id else ""
        responsible = hazard.owner_id or (safety[0] if safety else ctx.first())
        out.append(
            Candidate(
                rule=Rule.HAZARD_OVERDUE,
                subject_type=SubjectType.HAZARD,
                subject_id=hazard.pk,
                subject_label=f"{where}{hazard.description[:40]}",
                unit_path=ctx.school.path,
                responsible_id=responsible,
                reasons=[
                    _("整改期限为 %(day)s，已逾期 %(late)s 天仍未整改完成。")
                    % {"day": md(hazard.deadline), "late": late}
                ],
                evidence=[f"hazard:{hazard.pk}:{hazard.deadline.isoformat()}"],
                severity=Severity.WARNING,
                also_notify=[u for u in safety if u != responsible],
            )
        )
    return out


def urgent_unacknowledged(ctx: Context) -> list[Candidate]:
    from anxin.intake.models import Report, Status

    minutes = ctx.t(Rule.URGENT_UNACKNOWLEDGED)["minutes"]
    cutoff = ctx.now - timedelta(minutes=minutes)
    out = []
    for report in (
        Report.objects.filter(
            school=ctx.school, urgent=True, acknowledged_at__isnull=True, created_at__lte=cutoff
        )
        .exclude(Q(status=Status.CLOSED) | Q(status=Status.MERGED))
        .only("pk", "created_at")
    ):
        waited = int((ctx.now - report.created_at).total_seconds() // 60)
        at = timezone.localtime(report.created_at)
        out.append(
            Candidate(
                rule=Rule.URGENT_UNACKNOWLEDGED,
                subject_type=SubjectType.REPORT,
                subject_id=report.pk,
                subject_label=f"举报 #{report.pk}",
                unit_path=ctx.school.path,
                responsible_id=ctx.first((Role.PRINCIPAL, None)),
                reasons=[
                    _(
                        "紧急举报于 %(day)s %(time)s 提交，已 %(waited)s 分钟无人确认收到（要求 %(minutes)s 分钟内）。"
                    )
                    % {"day": md(at), "time": f"{at:%H:%M}", "waited": waited, "minutes": minutes}
                ],
                evidence=[f"report:{report.pk}"],
                severity=Severity.URGENT,
            )
        )
    return out


def _hm(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{md(local)} {local:%H:%M}"


def _late(minutes: int) -> str:
    if minutes < 60:
        return _("%(n)s 分钟") % {"n": minutes}
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)s 小时%(m)s 分钟") % {"h": hours, "m": rest} if rest else _("%(h)s 小时") % {"h": hours}
    return _("%(n)s 天") % {"n": hours // 24}


PERIOD_WORDS = {
    "day": gettext_lazy("当天"),
    "night": gettext_lazy("当晚（18:00–次日08:00）"),
    "week": gettext_lazy("当周"),
}


def patrol_overdue(ctx: Context) -> list[Candidate]:
    from anxin.ledgers.patrol.selectors import duty_staff, missed_rounds

    t = ctx.t(Rule.PATROL_OVERDUE)
    grace = timedelta(minutes=t["grace_minutes"])
    safety = ctx.holders(Role.SAFETY_OFFICER)
    out = []
    for miss in missed_rounds(ctx.school, ctx.now, lookback_days=t["lookback_days"]):
        point = miss.point
        on_duty = duty_staff(ctx.school, *miss.duty) if miss.duty else []
        responsible = point.responsible_id or (on_duty[0] if on_duty else None)
        responsible = responsible or (safety[0] if safety else ctx.first())
        escalated = ctx.now >= miss.end + grace
        reasons = [
            _("%(day)s%(period)s应巡查 %(required)s 次，实际打卡 %(done)s 次")
            % {
                "day": md(miss.start),
                "period": PERIOD_WORDS[miss.kind],
                "required": miss.required,
                "done": miss.done,
            }
            + (_("，之后补巡 %(n)s 次") % {"n": miss.made_up} if miss.made_up else "")
            + "。"
        ]
        evidence = [f"patrol:{point.pk}:{miss.start.isoformat()}"]
        others = [u for u in safety if u != responsible] if escalated else []
        if escalated:
            told = _("，已同时告知安全管理员") if others else ""
            reasons.append(
                _("巡查时段结束已超过 %(late)s仍未补巡%(told)s。")
                % {"late": _late(t["grace_minutes"]), "told": told}
            )
            evidence.append(f"escalated:{point.pk}:{miss.start.isoformat()}")
        reasons.append("请尽快到该点补巡打卡；补足次数后本提醒自动关闭。")
        out.append(
            Candidate(
                rule=Rule.PATROL_OVERDUE,
                subject_type=SubjectType.PATROL_POINT,
                subject_id=point.pk,
                subject_label=str(point),
                unit_path=ctx.school.path,
                responsible_id=responsible,
                reasons=reasons,
                evidence=evidence,
                severity=Severity.WARNING if escalated else Severity.NOTICE,
                addressed=others,
            )
        )
    return out


def _school_days_after(day: date, n: int) -> date:
    """The ``n``-th school day after ``day``."""
    from anxin.ledgers.education.schooldays import is_school_day

    found = 0
    while found < n:
        day += timedelta(days=1)
        if is_school_day(day):
            found += 1
    return day


def talk_follow_up(ctx: Context) -> list[Candidate]:
    from anxin.ledgers.care.selectors import follow_ups_pending

    n = ctx.t(Rule.TALK_FOLLOW_UP)["escalate_school_days"]
    by_student: dict[int, list[Any]] = defaultdict(list)
    for talk in follow_ups_pending(ctx.school, ctx.today).select_related("student__klass__parent"):
        by_student[talk.student_id].append(talk)
    out = []
    for talks in by_student.values():
        talks.sort(key=lambda t: (t.follow_up_on, t.pk))
        student = talks[0].student
        teacher = ctx.first((Role.CLASS_TEACHER, student.klass_id))
        late = [t for t in talks if ctx.today >= _school_days_after(t.follow_up_on, n)]
        reasons = [
            _("%(day)s的谈心谈话约定 %(due)s 回访，尚未回访。")
            % {"day": md(t.talked_on), "due": md(t.follow_up_on)}
            for t in talks
        ]
        author = talks[0].recorded_by_id
        others = [teacher] if late and teacher and teacher != author else []
        if late:
            told = _("，已同时告知班主任") if others else ""
            reasons.append(_("已过回访日期 %(n)s 个上学日仍未回访%(told)s。") % {"n": n, "told": told})
        reasons.append("回访后在谈话记录上点“已回访”，本提醒自动关闭。")
        out.append(
            Candidate(
                rule=Rule.TALK_FOLLOW_UP,
                subject_type=SubjectType.STUDENT,
                subject_id=student.pk,
                subject_label=_student_label(student),
                unit_path=student.klass.path,
                responsible_id=author,
                reasons=reasons,
                evidence=sorted([f"talk:{t.pk}" for t in talks] + [f"late:{t.pk}" for t in late]),
                severity=Severity.WARNING if late else Severity.NOTICE,
                addressed=others,
            )
        )
    return out


def leave_unreturned(ctx: Context) -> list[Candidate]:
    from anxin.ledgers.gate.selectors import unreturned_leaves

    t = ctx.t(Rule.LEAVE_UNRETURNED)
    cutoff = ctx.now - timedelta(minutes=t["grace_minutes"])
    by_student: dict[int, list[Any]] = defaultdict(list)
    for leave in unreturned_leaves(ctx.school, cutoff).select_related("student__klass__parent"):
        by_student[leave.student_id].append(leave)
    gate = ctx.holders(Role.GATE_GUARD)
    out = []
    for leaves in by_student.values():
        leaves.sort(key=lambda lv: (lv.ends_at, lv.pk))
        student = leaves[0].student
        teacher = ctx.first((Role.CLASS_TEACHER, student.klass_id))
        reasons = [
            _("请假至 %(end)s 结束，已超过 %(late)s仍未销假。")
            % {"end": _hm(lv.ends_at), "late": _late(int((ctx.now - lv.ends_at).total_seconds() // 60))}
            for lv in leaves
        ]
        reasons.append("请核实学生是否已返校，必要时联系家长；学生返校后点“销假”，本提醒自动关闭。")
        out.append(
            Candidate(
                rule=Rule.LEAVE_UNRETURNED,
                subject_type=SubjectType.STUDENT,
                subject_id=student.pk,
                subject_label=_student_label(student),
                unit_path=student.klass.path,
                responsible_id=teacher,
                reasons=reasons,
                evidence=sorted(f"leave:{lv.pk}" for lv in leaves),
                severity=Severity.WARNING,
                addressed=[u for u in gate if u != teacher],
            )
        )
    return out


RULES: dict[str, Callable[[Context], list[Candidate]]] = {
    Rule.STUDENT_NAMED: student_named,
    Rule.CARE_PLAN_OVERDUE: care_plan_overdue,
    Rule.WATCH_EXIT: watch_exit,
    Rule.PLACE_REPEAT: place_repeat,
    Rule.CLASS_NO_TALKS: class_no_talks,
    Rule.CLASS_NO_1530: class_no_1530,
    Rule.HAZARD_OVERDUE: hazard_overdue,
    Rule.URGENT_UNACKNOWLEDGED: urgent_unacknowledged,
    Rule.PATROL_OVERDUE: patrol_overdue,
    Rule.TALK_FOLLOW_UP: talk_follow_up,
    Rule.LEAVE_UNRETURNED: leave_unreturned,
}


def register_rule(name: str, rule: Callable[[Context], list[Candidate]]) -> None:
    """A rule computed by an app above this one (the survey's hotspots), run by every evaluation
    like the rules here; its name is one of :class:`Rule` and its thresholds are in DEFAULTS."""
    if name not in DEFAULTS:
        raise ValueError(f"rule {name} has no thresholds in DEFAULTS")
    RULES[name] = rule
