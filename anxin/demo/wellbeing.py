"""心理筛查 in the demo city: one round in the showcase junior school's first 初一 class, its guardian
notice recorded and codes printed, and four pupils' answers — one calm, one of each warning level
(关注 for the class teacher, 重点关注 for the psychology teacher, 紧急 for the psychology teacher and
the duty leader). Made only beside the demo cases, whose audit trail already pins the city (the
round's audit events name demo people too)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from anxin.cases.models import Case
from anxin.org.models import Role, Student, Unit, UnitKind, User
from anxin.wellbeing import services
from anxin.wellbeing.models import Round, RoundClass, ScreeningWarning
from anxin.wellbeing.services import is_secondary

from .city import SHOWCASE_JUNIOR

ANSWERS = (
    {"phq9": [0, 1, 0, 0, 1, 0, 0, 0, 0], "gad7": [1, 0, 0, 1, 0, 0, 0]},  # calm: no warning
    {"phq9": [1, 1, 1, 1, 1, 0, 1, 0, 0], "gad7": [1, 1, 0, 1, 0, 1, 0]},  # PHQ-9 6: 关注
    {"phq9": [2, 2, 1, 2, 2, 1, 1, 0, 0], "gad7": [2, 2, 1, 2, 1, 1, 1]},  # PHQ-9 11, GAD-7 10: 重点关注
    {"phq9": [2, 2, 1, 1, 2, 2, 1, 0, 1], "gad7": [1, 1, 1, 1, 0, 1, 1]},  # item 9 = 1: 紧急
)


def _school() -> Unit | None:
    found = Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True, name=SHOWCASE_JUNIOR).first()
    if found is not None:
        return found
    for school in Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True).order_by("path")[:50]:
        if services.psych_teachers(school) and services.secondary_classes_of(school):
            return school
    return None


def build(stdout: Any) -> None:
    if Round.objects.exists() or not Case.objects.exists():
        return
    school = _school()
    if school is None:
        return
    psych = User.objects.filter(assignments__role=Role.PSYCH_TEACHER, assignments__unit=school).first()
    klass = next(iter(services.secondary_classes_of(school)), None)
    if psych is None or klass is None or not is_secondary(klass):
        return
    pupils = list(Student.objects.filter(klass=klass, is_active=True).order_by("student_no")[: len(ANSWERS)])
    if len(pupils) < len(ANSWERS):
        return
    with transaction.atomic():
        queued = len(connection.run_on_commit)
        today = timezone.localdate()
        rnd = services.round_open(
            actor=psych,
            school=school,
            title="本学期学生心理健康筛查",
            opens_on=today - timedelta(days=2),
            closes_on=today + timedelta(days=12),
            classes=[klass],
        )
        rc = RoundClass.objects.get(round=rnd, klass=klass)
        services.notice_record(actor=psych, round_class=rc)
        rc.refresh_from_db()
        codes = {s.student.pk: s.code for s in services.codes_issue(actor=psych, round_class=rc)}
        for pupil, answers in zip(pupils, ANSWERS, strict=True):
            services.screening_submit(code=codes[pupil.pk], answers=answers)
        # The people are invented and so are their addresses: the urgent answer's e-mails and texts
        # queued for after the commit are dropped, nothing leaves the machine (as the demo cases do).
        del connection.run_on_commit[queued:]
    warnings = ScreeningWarning.objects.filter(screening__round=rnd).count()
    stdout.write(
        f"心理筛查：{school.name}{klass.name}，{len(pupils)} 人作答，{warnings} 条预警（关注、重点关注、紧急各 1 条）。"
    )
    case = _aftercare(school, psych, today)
    if case is not None:
        stdout.write(f"心理筛查：{case} 的受欺凌学生立案前后各筛查一次，心理教师在案件页看到变化。")


BEFORE = {"phq9": [1, 1, 1, 1, 1, 0, 1, 1, 0], "gad7": [1, 1, 1, 1, 1, 0, 1]}  # PHQ-9 7: 关注
AFTER = {"phq9": [0, 1, 0, 1, 0, 0, 0, 0, 0], "gad7": [1, 0, 0, 1, 0, 0, 0]}  # PHQ-9 2: calm


def _aftercare(school: Unit, psych: User, today: Any) -> str | None:
    """A bullying case of the school opened in the last weeks: its target had answered the class's
    screening a week before the case, and the psychology teacher screened the pupil alone again
    since, so the case file shows the change (wellbeing's panel on the case page)."""
    from datetime import datetime, time

    from anxin.cases.models import Party, PartyRole

    party = (
        Party.objects.filter(
            case__school=school,
            role=PartyRole.TARGET,
            student__isnull=False,
            case__opened_on__gte=today - timedelta(days=45),
            case__opened_on__lte=today - timedelta(days=5),
        )
        .select_related("case", "student__klass__parent")
        .order_by("-case__opened_on")
        .first()
    )
    if party is None or party.student is None or not is_secondary(party.student.klass):
        return None
    student, opened = party.student, party.case.opened_on
    with transaction.atomic():
        queued = len(connection.run_on_commit)
        for title, opens_on, answers, answered_on in (
            ("开学心理健康筛查", opened - timedelta(days=10), BEFORE, opened - timedelta(days=7)),
            ("案件后心理复测", today - timedelta(days=1), AFTER, today),
        ):
            rnd = services.round_open(
                actor=psych,
                school=school,
                title=title,
                opens_on=opens_on,
                closes_on=today + timedelta(days=7),
                classes=[student.klass],
            )
            rc = RoundClass.objects.get(round=rnd, klass=student.klass)
            services.notice_record(actor=psych, round_class=rc)
            rc.refresh_from_db()
            [slip] = services.codes_issue(actor=psych, round_class=rc, student_ids=[student.pk])
            moment = datetime.combine(answered_on, time(10), tzinfo=timezone.get_current_timezone())
            services.screening_submit(code=slip.code, answers=answers, now=min(moment, timezone.now()))
        del connection.run_on_commit[queued:]
    return party.case.number
