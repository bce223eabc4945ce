"""Cases in the permission matrix, and who may see the parties' identities.

Everyone in scope may open a case; only those whose duty needs it see who the children are
(:func:`sees_identities`): the owner, the committee, the principal, the class teachers of the
students involved, the psychology teacher, and for serious cases the county bureau. Everyone else
sees 张*某.
"""

from __future__ import annotations

from typing import Any

from anxin.core.access import Resource, Scope, can, internal, register
from anxin.org.models import CommitteeMember, Role, RoleAssignment

S, U, OWN = Scope.SCHOOL, Scope.UNIT, Scope.OWN
R = Role

#: School leaders who run cases.
LEADS = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.MORAL_DIRECTOR)
#: Bureau roles: they oversee every case of their county or city.
BUREAU = (R.COUNTY_ADMIN, R.CITY_ADMIN)

register(
    Resource(
        name="case",
        label="欺凌案件",
        models=(
            "cases.Case", "cases.Party", "cases.GuardianContact", "cases.CaseEvent", "cases.Attachment",
            "cases.Determination", "cases.Measure", "cases.Reexamination", "cases.Deadline",
            "cases.DeadlineAlert", "cases.Visit", "cases.CaseReport",
        ),
        path_field="school__path",
        path_of=lambda obj: (obj.school if hasattr(obj, "school_id") and not hasattr(obj, "case_id") else obj.case.school).path,
        # Owners and the people the case names as watchers (class teachers of the students involved,
        # owners of measures) reach it although their role is not school-wide.
        owner_field=("owner", "watchers"),
        owner_to_many=True,
        actions={
            "view": {
                **{r: S for r in (*LEADS, R.SAFETY_OFFICER, R.LEGAL_VP, R.PSYCH_TEACHER)},
                **{r: OWN for r in (R.CLASS_TEACHER, R.COUNSELLOR, R.DUTY_STAFF, R.GATE_GUARD, R.DORM_STAFF)},
                **{r: U for r in (*BUREAU, R.INSPECTOR)},
            },
            "open": {r: S for r in (*LEADS, R.SAFETY_OFFICER, R.DUTY_STAFF)},
            "handle": {
                **{r: S for r in (*LEADS, R.SAFETY_OFFICER)},
                **{r: OWN for r in (R.LEGAL_VP, R.PSYCH_TEACHER, R.CLASS_TEACHER, R.COUNSELLOR, R.DUTY_STAFF)},
            },
            "determine": {r: S for r in (*LEADS, R.LEGAL_VP)},
            "bureau": {r: U for r in BUREAU},
        },
        action_labels={"open": "立案", "handle": "办理", "determine": "认定/结案", "bureau": "复查与督办"},
    )
)  # fmt: skip

# Configuration rows, changed only through services that check the bureau's right on the unit.
internal("cases.DeadlinePolicy")


def _roles_at(user: Any) -> list[tuple[str, int, str]]:
    return list(
        RoleAssignment.objects.filter(user=user, unit__is_active=True).values_list(
            "role", "unit_id", "unit__path"
        )
    )


def sees_identities(user: Any, case: Any) -> bool:
    """Whether the caller may see who the parties are (DOMAIN: privacy of minors, no second harm)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or case.owner_id == user.pk:
        return True
    if not can(user, "case", "view", case):
        return False
    for role, unit_id, path in _roles_at(user):
        if role in (R.PRINCIPAL, R.PSYCH_TEACHER) and unit_id == case.school_id:
            return True
        if role in BUREAU and case.serious and case.school.path.startswith(path):
            return True
        if role == R.CLASS_TEACHER and case.parties.filter(klass_id=unit_id).exists():
            return True
    return CommitteeMember.objects.filter(school_id=case.school_id, user=user, active=True).exists()
