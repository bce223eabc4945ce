"""Cases in the permission matrix, and who may see the parties' identities.

Everyone in scope may open a case; only those whose duty needs it see who the children are
(:func:`sees_identities`): the owner, the committee, the principal, the class teachers of the
students involved, the psychology teacher, and for serious cases the county bureau. Everyone else
sees 张*某.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anxin.access.matrix import Resource, Scope, can, internal, register
from anxin.org.models import CommitteeMember, Role, RoleAssignment
from anxin.org.selectors import unit_ids_held

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
            "cases.Case",
            "cases.Party",
            "cases.GuardianContact",
            "cases.CaseEvent",
            "cases.Attachment",
            "cases.Determination",
            "cases.Measure",
            "cases.Reexamination",
            "cases.Deadline",
            "cases.DeadlineAlert",
            "cases.Visit",
            "cases.CaseReport",
        ),
        path_field="school__path",
        path_of=lambda obj: (
            (
                obj.school if hasattr(obj, "school_id") and not hasattr(obj, "case_id") else obj.case.school
            ).path
        ),
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
                **{
                    r: OWN for r in (R.LEGAL_VP, R.PSYCH_TEACHER, R.CLASS_TEACHER, R.COUNSELLOR, R.DUTY_STAFF)
                },
            },
            "determine": {r: S for r in (*LEADS, R.LEGAL_VP)},
            "bureau": {r: U for r in BUREAU},
        },
        action_labels={"open": "立案", "handle": "办理", "determine": "认定/结案", "bureau": "复查与督办"},
        note=(
            "登记当事人（`add_party`）：按学生 id 只能选择本人有权查看的学生（见 `student`）；本人无权查看的学生——"
            "外校学生，或没有学生查看权限者（如值班人员）所登记的本校学生——须同时填写学号和完整姓名，"
            "且仅限本市在读学生。"
        ),
    )
)

# Configuration rows, changed only through services that check the bureau's right on the unit.
internal("cases.DeadlinePolicy")


def identity_rule(user: Any, cases: list[Any]) -> Callable[[Any], bool]:
    """Whether the caller may see who the parties are, for many cases at once (at most three queries).

    The one statement of the rule (DOMAIN: privacy of minors, no second harm): the owner, committee
    members, the principal, the psychology teacher, the class teachers of the students involved,
    and for serious cases the bureau above the school. Callers pass cases the caller may view.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return lambda case: False
    if user.is_superuser:
        return lambda case: True
    roles = list(
        RoleAssignment.objects.filter(user=user, unit__is_active=True).values_list(
            "role", "unit_id", "unit__path"
        )
    )
    full_schools = {unit_id for role, unit_id, _p in roles if role in (R.PRINCIPAL, R.PSYCH_TEACHER)}
    bureau_paths = [path for role, _u, path in roles if role in BUREAU]
    classes = [unit_id for role, unit_id, _p in roles if role == R.CLASS_TEACHER]
    committee = set(
        CommitteeMember.objects.filter(user=user, active=True).values_list("school_id", flat=True)
    )
    class_cases: set[int] = set()
    if classes and cases:
        from .models import Party

        class_cases = set(
            Party.objects.filter(case_id__in=[c.pk for c in cases], klass_id__in=classes).values_list(
                "case_id", flat=True
            )
        )

    def sees(case: Any) -> bool:
        return (
            case.owner_id == user.pk
            or case.school_id in full_schools
            or case.school_id in committee
            or case.pk in class_cases
            or (case.serious and any(case.school.path.startswith(p) for p in bureau_paths))
        )

    return sees


def involved_identity_rule(user: Any) -> Callable[[Any], bool]:
    """Whether the caller may see the name of a student of their school who is a party in another
    school's case (at most two queries for any number of parties).

    The leaders of the student's school and the student's class teacher see it; anyone else with
    reach sees 张*某. Callers pass parties from :func:`.selectors.involved_parties`.
    """
    if user.is_superuser:
        return lambda party: True
    leads = unit_ids_held(user, LEADS)
    classes = unit_ids_held(user, (R.CLASS_TEACHER,))
    return lambda party: party.school_id in leads or party.klass_id in classes


def sees_identities(user: Any, case: Any) -> bool:
    """Whether the caller may see who the parties of this case are (see :func:`identity_rule`)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or case.owner_id == user.pk:
        return True
    if not can(user, "case", "view", case):
        return False
    return identity_rule(user, [case])(case)
