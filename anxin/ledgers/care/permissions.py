"""This area's rows in the permission matrix.

``ledger_talk`` governs the *fact* of a talk (student masked, date, author, topic). Reading what
was said is narrower and not a role matter: see ``selectors.can_read_talk``.
"""

from __future__ import annotations

from anxin.access.matrix import Resource, Scope, register
from anxin.org.models import Role

U, S, OWN = Scope.UNIT, Scope.SCHOOL, Scope.OWN
R = Role

BUREAU_ADMINS = (R.CITY_ADMIN, R.COUNTY_ADMIN)
TALK_RECORDERS_SCHOOL = (R.COUNSELLOR, R.MORAL_DIRECTOR, R.PSYCH_TEACHER)
CARE_SCHOOL = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.MORAL_DIRECTOR, R.PSYCH_TEACHER)


def _student_path(row: object) -> str:
    return row.student.klass.path  # type: ignore[attr-defined]


register(
    Resource(
        name="ledger_talk",
        label="谈心谈话台账（谈话记录的存在；内容另行限制）",
        models=("ledger_care.Talk",),
        path_field="student__klass__path",
        path_of=_student_path,
        owner_field="recorded_by",
        actions={
            "view": {
                **{r: U for r in BUREAU_ADMINS},
                **{r: S for r in (R.PRINCIPAL, R.VICE_PRINCIPAL, R.MORAL_DIRECTOR, R.PSYCH_TEACHER)},
                R.CLASS_TEACHER: U,
                # Counsellors keep talks but are not among their readers: they see their own.
                R.COUNSELLOR: OWN,
            },
            "record": {**{r: S for r in TALK_RECORDERS_SCHOOL}, R.CLASS_TEACHER: U},
        },
    )
)

register(
    Resource(
        name="ledger_care_plan",
        label="重点群体关爱帮扶计划与回顾",
        models=("ledger_care.CarePlan", "ledger_care.CareReview"),
        path_field="student__klass__path",
        path_of=lambda row: (row.plan.student if hasattr(row, "plan_id") else row.student).klass.path,
        actions={
            "view": {**{r: S for r in CARE_SCHOOL}, R.CLASS_TEACHER: U},
            "record": {**{r: S for r in CARE_SCHOOL}, R.CLASS_TEACHER: U},
        },
    )
)

register(
    Resource(
        name="ledger_watch",
        label="行为异常观察记录",
        models=("ledger_care.WatchEntry",),
        path_field="student__klass__path",
        path_of=_student_path,
        actions={
            "view": {**{r: S for r in CARE_SCHOOL + (R.SAFETY_OFFICER,)}, R.CLASS_TEACHER: U},
            "record": {**{r: S for r in CARE_SCHOOL}, R.CLASS_TEACHER: U},
        },
    )
)
