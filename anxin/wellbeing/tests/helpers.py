"""Set-up shared by the wellbeing tests: a round in class A1 with its codes, answers by level."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from anxin.org.models import Role, Student, User
from anxin.org.services import role_assign
from anxin.testing import Cast, _user

from .. import services
from ..models import Round, RoundClass

SH = ZoneInfo("Asia/Shanghai")
#: A Tuesday in term: 3 school days later is Friday 2026-11-13.
DAY = date(2026, 11, 10)
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=SH)

CALM = {"phq9": [0] * 9, "gad7": [0] * 7}
MILD = {"phq9": [1, 1, 1, 1, 1, 0, 0, 0, 0], "gad7": [0] * 7}  # PHQ-9 5: attention
MODERATE = {"phq9": [2, 2, 2, 2, 1, 1, 0, 0, 0], "gad7": [1] * 7}  # PHQ-9 10: concern
SELF_HARM = {"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 1], "gad7": [0] * 7}  # item 9 > 0: urgent
SEVERE = {"phq9": [3, 3, 3, 3, 2, 2, 2, 2, 0], "gad7": [3] * 7}  # PHQ-9 20: urgent


def open_round(cast: Cast, *, opens_on: date = DAY, days: int = 14, classes: list | None = None) -> Round:
    return services.round_open(
        actor=cast.users["psych_teacher"],
        school=cast.school,
        title="秋季心理筛查",
        opens_on=opens_on,
        closes_on=opens_on + timedelta(days=days),
        classes=classes or [cast.class_a1, cast.class_a2],
    )


def codes_for(cast: Cast, rnd: Round, klass=None) -> dict[int, str]:  # noqa: ANN001
    rc = RoundClass.objects.get(round=rnd, klass=klass or cast.class_a1)
    psych = cast.users["psych_teacher"]
    services.notice_record(actor=psych, round_class=rc)
    rc.refresh_from_db()
    return {s.student.pk: s.code for s in services.codes_issue(actor=psych, round_class=rc) if s.code}


def add_pupil(cast: Cast, name: str, no: str, klass=None) -> Student:  # noqa: ANN001
    from anxin.org.services import student_create

    return student_create(actor=None, klass=klass or cast.class_a1, name=name, gender="M", student_no=no)


def other_psych(cast: Cast) -> User:
    """A psychology teacher of school C (another county): an outsider to school A."""
    user = _user("t_psych_c", "东城心理老师")
    role_assign(actor=None, user=user, role=Role.PSYCH_TEACHER, unit=cast.school_c)
    return user
