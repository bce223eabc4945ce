"""The organisation's rows in the permission matrix (see anxin.access.matrix and docs/permissions.md)."""

from __future__ import annotations

from anxin.access.matrix import Resource, Scope, internal, register

from .models import Role

U, S = Scope.UNIT, Scope.SCHOOL
R = Role

SCHOOL_LEADERS = (R.PRINCIPAL, R.VICE_PRINCIPAL)
SCHOOL_STAFF_ALL = (
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
BUREAU_ADMINS = (R.CITY_ADMIN, R.COUNTY_ADMIN)


def _grant(roles, scope) -> dict[str, Scope]:
    return {r: scope for r in roles}


UNIT = register(
    Resource(
        name="unit",
        label="单位（市/县/学校/年级/班级）",
        models=("org.Unit", "org.SchoolProfile"),
        path_field="path",
        path_of=lambda unit: unit.path,
        actions={
            "view": {**_grant(BUREAU_ADMINS + (R.INSPECTOR,), U), **_grant(SCHOOL_STAFF_ALL, S)},
            "change": {**_grant(BUREAU_ADMINS, U), **_grant(SCHOOL_LEADERS, S)},
        },
    )
)

STAFF = register(
    Resource(
        name="staff",
        label="教职工账号与角色",
        models=("org.User", "org.RoleAssignment"),
        path_field="assignments__unit__path",
        distinct=True,
        path_of=lambda user: [a.unit.path for a in user.assignments.select_related("unit")],
        actions={
            "view": {
                **_grant(BUREAU_ADMINS + (R.INSPECTOR,), U),
                **_grant(
                    SCHOOL_LEADERS
                    + (
                        R.LEGAL_VP,
                        R.MORAL_DIRECTOR,
                        R.SAFETY_OFFICER,
                        R.PSYCH_TEACHER,
                        R.CLASS_TEACHER,
                        R.COUNSELLOR,
                        R.DUTY_STAFF,
                    ),
                    S,
                ),
            },
            "change": {**_grant(BUREAU_ADMINS, U), **_grant(SCHOOL_LEADERS, S)},
        },
    )
)

STUDENT = register(
    Resource(
        name="student",
        label="学生基本信息",
        models=("org.Student",),
        path_field="klass__path",
        path_of=lambda student: student.klass.path,
        actions={
            "view": {
                **_grant(BUREAU_ADMINS, U),
                **_grant(
                    SCHOOL_LEADERS + (R.MORAL_DIRECTOR, R.SAFETY_OFFICER, R.PSYCH_TEACHER, R.COUNSELLOR), S
                ),
                R.CLASS_TEACHER: U,
            },
            "change": {
                **_grant(BUREAU_ADMINS, U),
                **_grant(SCHOOL_LEADERS + (R.MORAL_DIRECTOR,), S),
                R.CLASS_TEACHER: U,
            },
            "import": {**_grant(BUREAU_ADMINS, U), **_grant(SCHOOL_LEADERS + (R.MORAL_DIRECTOR,), S)},
        },
    )
)

# Family situation and guardians' phones: only those who care for the child day to day.
STUDENT_CARE = register(
    Resource(
        name="student_care",
        label="学生重点群体与监护人信息",
        models=("org.KeyGroupFlag", "org.Guardian"),
        path_field="student__klass__path",
        path_of=lambda row: row.student.klass.path,
        actions={
            "view": {**_grant(SCHOOL_LEADERS + (R.MORAL_DIRECTOR, R.PSYCH_TEACHER), S), R.CLASS_TEACHER: U},
            "change": {**_grant(SCHOOL_LEADERS + (R.MORAL_DIRECTOR,), S), R.CLASS_TEACHER: U},
        },
    )
)

COMMITTEE = register(
    Resource(
        name="committee",
        label="欺凌治理委员会",
        models=("org.CommitteeMember",),
        path_field="school__path",
        path_of=lambda member: member.school.path,
        actions={
            "view": {
                **_grant(BUREAU_ADMINS + (R.INSPECTOR,), U),
                **_grant(
                    SCHOOL_LEADERS
                    + (
                        R.LEGAL_VP,
                        R.MORAL_DIRECTOR,
                        R.SAFETY_OFFICER,
                        R.PSYCH_TEACHER,
                        R.CLASS_TEACHER,
                        R.COUNSELLOR,
                    ),
                    S,
                ),
            },
            "change": {**_grant(SCHOOL_LEADERS, S)},
        },
    )
)

internal("org.DemoLoad")
