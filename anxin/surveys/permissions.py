"""The survey in the permission matrix.

A county (or the city) opens campaigns for its schools and reads every school's results; a school's
leaders and its psychology teacher read their school's; a class teacher prints the codes of their
class. Answering needs no account at all. Campaigns belong to a bureau, so a school sees the ones
whose bureau is above it (see ``selectors.campaigns_visible``).
"""

from __future__ import annotations

from typing import Any

from anxin.access.matrix import Resource, Scope, register
from anxin.org.models import Role

U, S = Scope.UNIT, Scope.SCHOOL
R = Role

_LEADERS: dict[str, Scope] = {R.PRINCIPAL: S, R.VICE_PRINCIPAL: S, R.MORAL_DIRECTOR: S}


def _path(obj: Any) -> str:
    return str(obj.unit_path)


register(
    Resource(
        name="survey_campaign",
        label="专项调查",
        models=("surveys.Campaign",),
        path_field="unit_path",
        path_of=_path,
        actions={
            "view": {
                R.CITY_ADMIN: U,
                R.COUNTY_ADMIN: U,
                R.INSPECTOR: U,
                **_LEADERS,
                R.PSYCH_TEACHER: S,
                R.CLASS_TEACHER: U,
            },
            "change": {R.CITY_ADMIN: U, R.COUNTY_ADMIN: U},
        },
        action_labels={"change": "发起调查、催办"},
        note="学校看到其上级教育局发起的调查。",
    )
)
register(
    Resource(
        name="survey_code",
        label="调查答题码",
        models=("surveys.SurveyCode",),
        path_field="unit_path",
        path_of=_path,
        actions={
            "view": {**_LEADERS, R.CLASS_TEACHER: U},
            "change": {**_LEADERS, R.CLASS_TEACHER: U},
        },
        action_labels={"change": "生成并打印答题码"},
        note="答题码只对应班级，不对应学生；答卷与答题码之间不留任何联系。",
    )
)
register(
    Resource(
        name="survey_result",
        label="调查结果",
        models=("surveys.Response",),
        path_field="unit_path",
        path_of=_path,
        actions={
            "view": {R.CITY_ADMIN: U, R.COUNTY_ADMIN: U, R.INSPECTOR: U, **_LEADERS, R.PSYCH_TEACHER: S}
        },
        note="少于5份答卷的格子隐藏，并做补充隐藏防止相减推算；开放题至少10份才显示；汇总至少2所学校。",
    )
)
