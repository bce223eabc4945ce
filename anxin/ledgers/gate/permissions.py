"""The gate's rows in the permission matrix (see anxin.access.matrix and docs/permissions.md).

Gate guards and duty staff read only the exits and items they recorded themselves (OWN). Visitors
are the exception: a guard must see every visitor still inside the school to mark them out when
they leave, whoever was on the gate when they came in, so the gate staff see the school's visitor
register (adults' names and the last four ID characters only; no student data is in it).
"""

from __future__ import annotations

from anxin.access.matrix import Resource, Scope, register
from anxin.org.models import Role

U, S, OWN = Scope.UNIT, Scope.SCHOOL, Scope.OWN
R = Role

LEADERS = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.SAFETY_OFFICER, R.MORAL_DIRECTOR)
GATE = (R.GATE_GUARD, R.DUTY_STAFF)
BUREAU = (R.CITY_ADMIN, R.COUNTY_ADMIN)


def _grant(roles: tuple[str, ...], scope: Scope) -> dict[str, Scope]:
    return {r: scope for r in roles}


VISITOR = register(
    Resource(
        name="ledger_gate_visitor",
        label="门卫来访登记",
        models=("ledger_gate.Visitor",),
        path_field="school__path",
        path_of=lambda row: row.school.path,
        actions={
            "view": {**_grant(LEADERS + GATE, S), **_grant(BUREAU, U)},
            "record": _grant(GATE + (R.SAFETY_OFFICER,), S),
        },
    )
)

LEAVE = register(
    Resource(
        name="ledger_gate_leave",
        label="学生请假条",
        models=("ledger_gate.LeavePass",),
        path_field="student__klass__path",
        path_of=lambda row: row.student.klass.path,
        actions={
            "view": {**_grant(LEADERS, S), R.CLASS_TEACHER: U, **_grant(BUREAU, U)},
            "record": {**_grant((R.PRINCIPAL, R.VICE_PRINCIPAL, R.MORAL_DIRECTOR), S), R.CLASS_TEACHER: U},
            # 销假: the gate sees the pupil come back; it finds the pass through the reminder it is
            # addressed to (an unreturned pupil), never through the list of passes.
            "return": {**_grant(LEADERS + GATE, S), R.CLASS_TEACHER: U},
        },
        action_labels={"return": "销假"},
    )
)

EXIT = register(
    Resource(
        name="ledger_gate_exit",
        label="学生在校时间出校记录",
        models=("ledger_gate.StudentExit",),
        path_field="student__klass__path",
        path_of=lambda row: row.student.klass.path,
        owner_field="recorded_by",
        note=(
            "门卫和值班人员没有学生信息的查看权限（见 `student`）。出校核对时，输入完整学号或完整姓名，"
            "只能查到本校的该名学生（同名至多 5 名），看到的是打码姓名（如 李*雨）、班级，以及当前是否有覆盖"
            "此刻的已批准请假条；姓氏、部分姓名或部分学号查不到任何学生。本人登记的出校和危险物品记录同样只显示"
            "打码姓名与班级。请假条本身他们看不到。"
        ),
        actions={
            # The class teacher is told of a stopped exit and must be able to open it.
            "view": {**_grant(LEADERS, S), R.CLASS_TEACHER: U, **_grant(GATE, OWN), **_grant(BUREAU, U)},
            "record": _grant(GATE + (R.SAFETY_OFFICER,), S),
        },
    )
)

ITEM = register(
    Resource(
        name="ledger_gate_item",
        label="门卫查获危险物品",
        models=("ledger_gate.DangerousItem",),
        path_field="school__path",
        path_of=lambda row: row.school.path,
        owner_field="recorded_by",
        actions={
            "view": {**_grant(LEADERS, S), **_grant(GATE, OWN), **_grant(BUREAU, U)},
            "record": _grant(GATE + LEADERS, S),
        },
    )
)
