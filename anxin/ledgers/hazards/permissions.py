"""隐患排查整治 and 视频监控 in the permission matrix (see anxin.access.matrix and docs/permissions.md)."""

from __future__ import annotations

from anxin.access.matrix import Resource, Scope, register
from anxin.org.models import Role

U, S, OWN = Scope.UNIT, Scope.SCHOOL, Scope.OWN
R = Role

#: Those who run the school's hazard work: everything at school level.
LEADERS = (R.SAFETY_OFFICER, R.PRINCIPAL, R.VICE_PRINCIPAL, R.MORAL_DIRECTOR)
#: Who may set up the grid (places, responsible persons, cameras).
MANAGERS = (R.SAFETY_OFFICER, R.PRINCIPAL, R.VICE_PRINCIPAL)
#: Every other member of staff: may report a hazard and follow the ones they reported or own.
OTHER_STAFF = (
    R.LEGAL_VP,
    R.PSYCH_TEACHER,
    R.CLASS_TEACHER,
    R.COUNSELLOR,
    R.DUTY_STAFF,
    R.GATE_GUARD,
    R.DORM_STAFF,
)
BUREAU = (R.CITY_ADMIN, R.COUNTY_ADMIN)


def _grant(roles: tuple[str, ...], scope: Scope) -> dict[str, Scope]:
    return {r: scope for r in roles}


GRID = register(
    Resource(
        name="ledger_hazard_grid",
        label="重点部位网格、隐患排查、视频监控与录像回看",
        models=(
            "ledger_hazards.KeyPlace",
            "ledger_hazards.Screening",
            "ledger_hazards.Camera",
            "ledger_hazards.FootageReview",
        ),
        path_field="school__path",
        path_of=lambda obj: obj.school.path,
        actions={
            "view": {**_grant(LEADERS, S), **_grant(BUREAU, U)},
            "record": _grant(LEADERS, S),
            "manage": _grant(MANAGERS, S),
        },
    )
)

HAZARD = register(
    Resource(
        name="ledger_hazard",
        label="隐患整改（发现、整改、复查、销号）",
        models=("ledger_hazards.Hazard", "ledger_hazards.HazardStep"),
        path_field="school__path",
        path_of=lambda obj: obj.school.path,
        owner_field=("owner", "recorded_by"),
        actions={
            "view": {**_grant(LEADERS, S), **_grant(BUREAU, U), **_grant(OTHER_STAFF, OWN)},
            "record": _grant(LEADERS + OTHER_STAFF, S),
            # The task owner rectifies; leaders may record a rectification on the owner's behalf.
            "rectify": {**_grant(LEADERS, S), **_grant(OTHER_STAFF, OWN)},
            # Assign (start), check and strike off (accept), send back (reject).
            "handle": _grant(LEADERS, S),
        },
    )
)
