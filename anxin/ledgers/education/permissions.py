"""This area's rows in the permission matrix.

Class-level records (1530 sessions, class meetings) sit at the class: the class teacher keeps them
for their class (UNIT); school leaders reach the school; the bureau reads them (UNIT) so it can rely
on the figures. Activities and documents sit at the school.
"""

from __future__ import annotations

from anxin.access.matrix import Resource, Scope, register
from anxin.org.models import Role

U, S = Scope.UNIT, Scope.SCHOOL
R = Role

LEADERS = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.SAFETY_OFFICER, R.MORAL_DIRECTOR)
BUREAU = (R.CITY_ADMIN, R.COUNTY_ADMIN)
DOC_EDITORS = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.MORAL_DIRECTOR)
ALL_STAFF = (
    R.PRINCIPAL,
    R.VICE_PRINCIPAL,
    R.LEGAL_VP,
    R.MORAL_DIRECTOR,
    R.SAFETY_OFFICER,
    R.PSYCH_TEACHER,
    R.CLASS_TEACHER,
    R.COUNSELLOR,
    R.DUTY_STAFF,
    R.GATE_GUARD,
    R.DORM_STAFF,
)


def _grant(roles: tuple[str, ...], scope: Scope) -> dict[str, Scope]:
    return {r: scope for r in roles}


SESSION = register(
    Resource(
        name="ledger_1530",
        label="1530安全教育记录",
        models=("ledger_education.SafetySession",),
        path_field="klass__path",
        path_of=lambda row: row.klass.path,
        actions={
            "view": {**_grant(BUREAU, U), **_grant(LEADERS, S), R.CLASS_TEACHER: U},
            "record": {**_grant(LEADERS, S), R.CLASS_TEACHER: U},
        },
    )
)

MEETING = register(
    Resource(
        name="ledger_class_meeting",
        label="防欺凌主题班会",
        models=("ledger_education.ClassMeeting",),
        path_field="klass__path",
        path_of=lambda row: row.klass.path,
        actions={
            "view": {**_grant(BUREAU, U), **_grant(LEADERS, S), R.CLASS_TEACHER: U},
            "record": {**_grant(LEADERS, S), R.CLASS_TEACHER: U},
        },
    )
)

ACTIVITY = register(
    Resource(
        name="ledger_edu_activity",
        label="教育活动（讲座、国旗下讲话、警示教育、培训、家长学校、班主任会议）",
        models=("ledger_education.EduActivity",),
        path_field="school__path",
        path_of=lambda row: row.school.path,
        actions={
            "view": {**_grant(BUREAU, U), **_grant(LEADERS + (R.COUNSELLOR, R.CLASS_TEACHER), S)},
            "record": _grant(LEADERS + (R.COUNSELLOR,), S),
        },
    )
)

DOCUMENT = register(
    Resource(
        name="ledger_edu_document",
        label="学校防欺凌文件（工作预案、公开联系方式、委员会说明）",
        models=("ledger_education.Document", "ledger_education.DocumentVersion"),
        path_field="school__path",
        path_of=lambda row: row.school.path,
        actions={
            "view": {**_grant(BUREAU, U), **_grant(ALL_STAFF, S)},
            "manage": _grant(DOC_EDITORS, S),
        },
    )
)
