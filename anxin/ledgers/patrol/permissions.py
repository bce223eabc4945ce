"""值班巡逻 in the permission matrix. All rows are school-level; the bureau reads them to rely on them."""

from __future__ import annotations

from typing import Any

from anxin.access.matrix import Resource, Scope, register
from anxin.org.models import Role

U, S, OWN = Scope.UNIT, Scope.SCHOOL, Scope.OWN
R = Role

LEADERS = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.SAFETY_OFFICER, R.MORAL_DIRECTOR)
#: Who keeps these ledgers.
RECORDERS = (R.DORM_STAFF, R.DUTY_STAFF, R.GATE_GUARD, R.SAFETY_OFFICER)
#: Who configures points, rounds and the rota.
MANAGERS = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.SAFETY_OFFICER)
BUREAU = (R.CITY_ADMIN, R.COUNTY_ADMIN)


def _school_path(obj: Any) -> str:
    return obj.school.path


def _grant(roles: tuple[str, ...], scope: Scope) -> dict[str, Scope]:
    return {r: scope for r in roles}


#: Entries: leaders and the duty staff see the school's; gate guards and dorm staff their own.
ENTRY_VIEW = {
    **_grant(BUREAU, U),
    **_grant(LEADERS + (R.DUTY_STAFF,), S),
    R.GATE_GUARD: OWN,
    R.DORM_STAFF: OWN,
}

register(
    Resource(
        name="ledger_patrol_point",
        label="巡查点及巡查设置",
        models=("ledger_patrol.PatrolPoint", "ledger_patrol.PatrolSettings"),
        path_field="school__path",
        path_of=_school_path,
        actions={
            "view": {**_grant(BUREAU, U), **_grant(LEADERS + RECORDERS, S)},
            "record": _grant(LEADERS + RECORDERS, S),
            "manage": _grant(MANAGERS, S),
        },
    )
)

register(
    Resource(
        name="ledger_patrol_checkin",
        label="巡查打卡",
        models=("ledger_patrol.PatrolCheckin",),
        path_field="school__path",
        path_of=_school_path,
        owner_field="recorded_by",
        actions={"view": ENTRY_VIEW, "record": _grant(RECORDERS, S)},
    )
)

register(
    Resource(
        name="ledger_patrol_dorm",
        label="熄灯后巡查",
        models=("ledger_patrol.DormRound",),
        path_field="school__path",
        path_of=_school_path,
        owner_field="recorded_by",
        actions={"view": ENTRY_VIEW, "record": _grant(RECORDERS, S)},
    )
)

register(
    Resource(
        name="ledger_patrol_handover",
        label="交接班记录",
        models=("ledger_patrol.ShiftHandover",),
        path_field="school__path",
        path_of=_school_path,
        owner_field=("recorded_by", "receiver"),
        actions={"view": ENTRY_VIEW, "record": _grant(RECORDERS, S)},
    )
)

register(
    Resource(
        name="ledger_patrol_rota",
        label="值班安排",
        models=("ledger_patrol.DutyShift",),
        path_field="school__path",
        path_of=_school_path,
        owner_field="person",
        actions={
            "view": {
                **_grant(BUREAU, U),
                **_grant(LEADERS + (R.DUTY_STAFF,), S),
                R.GATE_GUARD: OWN,
                R.DORM_STAFF: OWN,
            },
            "record": _grant(MANAGERS, S),
            "manage": _grant(MANAGERS, S),
        },
    )
)
