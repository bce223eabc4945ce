"""The 舆情 register in the permission matrix.

County administrators keep the register for their county's schools and the city's for all; the
inspectors (责任督学) of a county read it. Schools do not see it at all.
"""

from __future__ import annotations

from typing import Any

from anxin.access.matrix import Resource, Scope, register
from anxin.org.models import Role

U = Scope.UNIT
R = Role


def _path(obj: Any) -> str:
    return str(obj.unit_path if hasattr(obj, "unit_path") else obj.event.unit_path)


register(
    Resource(
        name="opinion",
        label="舆情登记",
        models=("oversight_opinion.OpinionEvent", "oversight_opinion.OpinionStep"),
        path_field="unit_path",
        path_of=_path,
        actions={
            "view": {R.CITY_ADMIN: U, R.COUNTY_ADMIN: U, R.INSPECTOR: U},
            "change": {R.CITY_ADMIN: U, R.COUNTY_ADMIN: U},
        },
        action_labels={"change": "登记与处置"},
        note="学校不能查看舆情登记。关联案件须是登记人有权查看、且属于所选学校的案件。",
    )
)
