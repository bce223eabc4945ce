"""This area's row in the permission matrix.

School leaders see and handle every warning of their school; the bureau sees its schools'
warnings only as counts (the pages and the API never show it a name); everyone else sees and
handles the warnings they are responsible for or addressed to (an escalated reminder, a pupil
not back for the gate staff).
"""

from __future__ import annotations

from anxin.access.matrix import Resource, Scope, internal, register
from anxin.org.models import Role

U, S, OWN = Scope.UNIT, Scope.SCHOOL, Scope.OWN
R = Role

LEADERS = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.MORAL_DIRECTOR, R.SAFETY_OFFICER, R.PSYCH_TEACHER)
BUREAU = (R.CITY_ADMIN, R.COUNTY_ADMIN)
OTHERS = tuple(r for r in R if r not in LEADERS + BUREAU)

register(
    Resource(
        name="ledger_warning",
        label="预警",
        models=("ledger_warnings.Warning",),
        path_field="unit_path",
        path_of=lambda w: w.unit_path,
        owner_field=("responsible", "addressed"),
        owner_to_many=True,
        actions={
            "view": {**{r: S for r in LEADERS}, **{r: U for r in BUREAU}, **{r: OWN for r in OTHERS}},
            "handle": {**{r: S for r in LEADERS}, **{r: OWN for r in OTHERS}},
        },
        action_labels={"handle": "处置"},
    )
)

# Thresholds are configuration, edited by the system administrator until the bureau page exists.
internal("ledger_warnings.WarningPolicy")
