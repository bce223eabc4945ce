"""This area's row in the permission matrix.

The dashboards show counts only, never a name: a county bureau and its inspectors see their
county's schools, the city bureau every school. A school's principal and vice principal see their
own school on the big screen (数据大屏) and nothing of other schools.
"""

from __future__ import annotations

from anxin.access.matrix import Resource, Scope, register
from anxin.org.models import Role

U, S = Scope.UNIT, Scope.SCHOOL
R = Role

BUREAU: dict[str, Scope] = {R.CITY_ADMIN: U, R.COUNTY_ADMIN: U, R.INSPECTOR: U}

register(
    Resource(
        name="oversight_stats",
        label="监管统计",
        models=("oversight_stats.DailyCount", "oversight_stats.MonthlyCount"),
        path_field="school__path",
        path_of=lambda c: c.school.path,
        actions={
            "view": dict(BUREAU),
            "screen": {**BUREAU, R.PRINCIPAL: S, R.VICE_PRINCIPAL: S},
        },
        action_labels={"view": "查看看板", "screen": "数据大屏"},
        note="Counts only: no page or answer of this area names a person. Inspectors see their county's "
        "schools until assignments to single schools exist.",
    )
)
