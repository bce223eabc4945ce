"""心理筛查 in the permission matrix.

- Rounds (``wellbeing_round``): the psychology teacher opens them for their school's classes, the
  bureau for its schools; the school's leaders see that a round runs and how many answered. Only the
  psychology teacher records the guardian notice and prints the per-pupil codes.
- Answers and scores (``wellbeing_screening``): the psychology teacher(s) of the school, nobody else
  — not the principal, not the bureau, not the class teacher. Every read is audited.
- Warnings (``wellbeing_warning``): the psychology teacher(s) of the school all of them; anyone else
  only the warnings they were told of (``watchers``: the class teacher of an attention warning, the
  duty leader of an urgent one), and never a score.
"""

from __future__ import annotations

from typing import Any

from anxin.access.matrix import Resource, Scope, can_at, register
from anxin.org.models import Role

U, S, OWN = Scope.UNIT, Scope.SCHOOL, Scope.OWN
R = Role

BUREAU = (R.CITY_ADMIN, R.COUNTY_ADMIN)
SCHOOL_LEADERS = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.MORAL_DIRECTOR)
NOT_BUREAU = tuple(r for r in R if r not in (R.CITY_ADMIN, R.COUNTY_ADMIN, R.INSPECTOR, R.PSYCH_TEACHER))

ROUND = "wellbeing_round"
SCREENING = "wellbeing_screening"
WARNING = "wellbeing_warning"

register(
    Resource(
        name=ROUND,
        label="心理筛查批次",
        models=("wellbeing.Round", "wellbeing.RoundClass"),
        path_field="unit_path",
        path_of=lambda obj: obj.unit_path,
        actions={
            "view": {R.PSYCH_TEACHER: S, **{r: S for r in SCHOOL_LEADERS}, **{r: U for r in BUREAU}},
            "open": {R.PSYCH_TEACHER: S, **{r: U for r in BUREAU}},
            "codes": {R.PSYCH_TEACHER: S},
        },
        action_labels={"open": "开启筛查", "codes": "家长告知与答题码"},
        note="批次只显示参与班级与作答人数，不含任何作答或分数。只有初中及以上年级的班级可以筛查。",
    )
)

register(
    Resource(
        name=SCREENING,
        label="心理筛查作答与分数",
        models=("wellbeing.Invitation", "wellbeing.Screening"),
        path_field="unit_path",
        path_of=lambda obj: obj.unit_path,
        actions={"view": {R.PSYCH_TEACHER: S}},
        note="保密而非匿名：作答与分数只有本校心理教师可以查看，每次查看写入审计日志；其他任何人得到 404。",
    )
)

register(
    Resource(
        name=WARNING,
        label="心理筛查预警",
        models=("wellbeing.ScreeningWarning",),
        path_field="unit_path",
        path_of=lambda obj: obj.unit_path,
        owner_field="watchers",
        owner_to_many=True,
        actions={
            "view": {R.PSYCH_TEACHER: S, **{r: OWN for r in NOT_BUREAU}},
            "handle": {R.PSYCH_TEACHER: S, **{r: OWN for r in NOT_BUREAU}},
        },
        action_labels={"handle": "处置"},
        note="“本人经手”指被告知该预警的人（关注级的班主任、紧急级的值班领导），他们看不到分数。",
    )
)


def can_read_answers(user: Any, unit_path: str) -> bool:
    """Whether ``user`` may read the answers and scores of pupils at ``unit_path``: only the
    psychology teacher(s) of that school (and a superuser, who may read everything anyway)."""
    return can_at(user, SCREENING, "view", unit_path)
