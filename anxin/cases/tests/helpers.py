"""Shared set-up for case tests: a committee, guardians, and a case walked to any state."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from anxin.org.models import CommitteeMember, Guardian, Role, User
from anxin.testing import Cast

from ..models import Case, Criterion, Party, PartyRole
from ..services import case_act, case_open


def committee(cast: Cast, size: int = 9) -> list[CommitteeMember]:
    """School A's committee: the principal and the moral director with accounts, the rest without."""
    if CommitteeMember.objects.filter(school=cast.school).count() >= size:
        return list(CommitteeMember.objects.filter(school=cast.school).order_by("pk"))
    members = [
        CommitteeMember.objects.create(
            school=cast.school, user=cast.users["principal"], name="校长", committee_role="chair"
        ),
        CommitteeMember.objects.create(
            school=cast.school, user=cast.users["moral_director"], name="政教主任", committee_role="teacher"
        ),
    ]
    for i in range(size - 2):
        members.append(
            CommitteeMember.objects.create(
                school=cast.school, name=f"委员{i}", committee_role="teacher", is_external=i % 2 == 0
            )
        )
    return members


def guardians(cast: Cast) -> None:
    Guardian.objects.get_or_create(
        student=cast.student_a1, name="家长甲", relation="母亲", phone="13800000001"
    )
    Guardian.objects.get_or_create(
        student=cast.student_a2, name="家长乙", relation="父亲", phone="13800000002"
    )


def lead(cast: Cast) -> User:
    return cast.users["moral_director"]


def open_case(cast: Cast, actor: User | None = None, **data: Any) -> Case:
    payload = {
        "title": "宿舍同学夜间殴打",
        "narrative": "两名室友每晚打他，说明天带刀来。",
        "urgent": True,
        **data,
    }
    return case_open(actor=actor or lead(cast), school=cast.school, data=payload)


def determine_data(
    cast: Cast, *, bullying: bool = True, gravity: str = "heavier", present: int = 7
) -> dict[str, Any]:
    members = committee(cast)
    data: dict[str, Any] = {
        "meeting_on": timezone.localdate().isoformat(),
        "members_present": [m.pk for m in members[:present]],
        "is_bullying": "yes" if bullying else "no",
        "kinds": ["verbal", "cyber"] if bullying else [],
        "gravity": gravity if bullying else "",
        "non_bullying": "" if bullying else "horseplay",
        "parents_participation": "双方家长列席并陈述意见",
        "reasoning": "多次起侮辱性绰号，并在班级群传播照片",
    }
    for c in Criterion:
        data[f"{c.value}_answer"] = "yes"
        data[f"{c.value}_evidence"] = f"{c.label}：询问笔录及聊天截图"
    return data


def add_parties(cast: Cast, case: Case, actor: User | None = None) -> tuple[Party, Party]:
    actor = actor or lead(cast)
    case_act(
        actor=actor, case=case, action="add_party", data={"role": "target", "student": cast.student_a1.pk}
    )
    case_act(
        actor=actor, case=case, action="add_party", data={"role": "bully", "student": cast.student_a2.pk}
    )
    return (
        Party.objects.get(case=case, role=PartyRole.TARGET),
        Party.objects.get(case=case, role=PartyRole.BULLY),
    )


def walk(cast: Cast, to: str, **determine: Any) -> Case:
    """A case at school A taken through the procedure up to state ``to``."""
    actor = lead(cast)
    principal = cast.users["principal"]
    case = open_case(cast)
    if to == "accepted":
        return case
    case = case_act(actor=actor, case=case, action="investigate", data={})
    if to == "investigating":
        return case
    add_parties(cast, case, actor)
    case = case_act(
        actor=actor, case=case, action="submit", data={"summary": "经调查，两名同学多次起侮辱性绰号。"}
    )
    if to == "pending":
        return case
    case = case_act(actor=principal, case=case, action="determine", data=determine_data(cast, **determine))
    if to in ("determined", "not_bullying"):
        return case
    case = case_act(
        actor=actor,
        case=case,
        action="notify_result",
        data={"notified_on": timezone.localdate().isoformat(), "method": "written"},
    )
    if to == "notified":
        return case
    bully = case.parties.get(role=PartyRole.BULLY)
    case = case_act(
        actor=actor,
        case=case,
        action="add_measure",
        data={
            "kind": "correction",
            "party": bully.pk,
            "detail": "8 小时矫治计划",
            "hours": 8,
            "owner": cast.users["psych_teacher"].pk,
            "due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    case = case_act(actor=actor, case=case, action="start_measures", data={})
    if to == "measures":
        return case
    m = case.measures.get()
    case = case_act(
        actor=actor, case=case, action="complete_measure", data={"measure": m.pk, "note": "已完成 8 小时"}
    )
    case = case_act(
        actor=actor, case=case, action="start_aftercare", data={"starts_on": timezone.localdate().isoformat()}
    )
    return case


def county_admin(cast: Cast) -> User:
    return cast.users[Role.COUNTY_ADMIN.value]


def today() -> date:
    return timezone.localdate()
