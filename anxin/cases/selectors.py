"""Every read of cases, already cut to what the caller may see."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from anxin.access.matrix import access, can, reach, scoped
from anxin.audit.services import audit_record
from anxin.org.models import Guardian, Role, RoleAssignment, Student, Unit, UnitKind, User
from anxin.org.selectors import register_student_purpose, school_staff, students_visible, unit_ids_held

from . import events
from .models import (
    AlertStage,
    Attachment,
    Case,
    CaseReport,
    Deadline,
    DeadlineKind,
    Measure,
    Party,
    Reexamination,
)
from .permissions import identity_rule, involved_identity_rule, sees_identities
from .states import State
from .workflow import TABLE, Step

OPEN = [s.value for s in State if s != State.CLOSED]


def cases_visible(user: Any, action: str = "view") -> QuerySet[Case]:
    return scoped(user, "case", action, Case.objects.all())


def access_case(user: Any, case_id: Any, *, action: str = "view", audit: bool = False) -> Case:
    """The case, or NotFound alike when it does not exist or is out of the caller's reach.

    ``audit=True`` records the opening (every read of a case is in the audit trail).
    """
    qs = Case.objects.select_related("school", "owner", "policy")
    case = access(user, "case", action, qs, case_id)
    if audit:
        audit_record(actor=user, action=events.CASE_VIEWED, unit=case.school, subject=case)
    return case


def party_label(party: Party, *, masked: bool) -> str:
    name = party.masked_name if masked else party.name
    if party.student_id and party.klass_id:
        where = (
            party.klass.name
            if party.school_id is None or party.klass.school_id == party.case.school_id
            else (f"{party.klass.school.name if party.klass.school else ''} {party.klass.name}")
        )
        return f"{party.get_role_display()}：{name}（{where}）"
    if party.student_id is None:
        return f"{party.get_role_display()}：{name}（校外人员）"
    return f"{party.get_role_display()}：{name}"


def party_labels(case: Case, *, masked: bool) -> dict[int, str]:
    """Each party of the case as lists and form choices name it (:func:`party_label`), by id."""
    parties = case.parties.select_related("klass", "klass__school", "case")
    return {p.pk: party_label(p, masked=masked) for p in parties}


def case_attachment(case: Case, attachment_id: int) -> Attachment | None:
    """One file of a case the caller has already reached; None for an id of another case."""
    return Attachment.objects.filter(case=case, pk=attachment_id).first()


def case_of_report(report: Any) -> Case | None:
    """The case opened from this intake report, if any (without following merges)."""
    return Case.objects.filter(report_links__report=report).first()


def case_staff(case: Case) -> list[User]:
    """People of the case's school who may be given the case or one of its measures."""
    return list(school_staff(case.school))


def party_students(actor: Any, case: Case | None = None) -> QuerySet[Student]:
    """Students a case handler may name as a party by id: those they may see (the student view).

    Anyone else (a child of another school, or of their own school for staff without the student
    view, such as the duty staff) is named by 学号 and full name together: :func:`party_by_number`.
    """
    return students_visible(actor)


register_student_purpose("case_party", party_students, suggest=True)


def party_guardians(case: Case) -> list[tuple[int, Guardian]]:
    """(party id, guardian) for each guardian on file of the case's student parties, in party order."""
    parties = list(case.parties.filter(student__isnull=False).order_by("pk").values_list("pk", "student_id"))
    by_student: dict[int, list[Guardian]] = {}
    for g in Guardian.objects.filter(student_id__in=[s for _p, s in parties]).order_by("pk"):
        by_student.setdefault(g.student_id, []).append(g)
    return [(p, g) for p, s in parties for g in by_student.get(s, [])]


def party_by_number(actor: Any, case: Case, student_no: str, name: str = "") -> Student | None:
    """The student a handler names by 学号, or None.

    A 学号 alone finds only a student the handler may see (their school first). A student they may
    not see — of another school of the city, or any student for staff without the student view —
    takes the 学号 *and* the exact full name, so nobody learns a name, class or school they could
    not already tell apart; and nothing else narrows the answer, so nothing can be probed.
    """
    student_no, name = (student_no or "").strip(), (name or "").strip()
    if not student_no:
        return None
    visible = party_students(actor, case).filter(student_no=student_no).select_related("klass", "school")
    found = visible.filter(school_id=case.school_id).first() or visible.first()
    if found is not None and (not name or found.name == name):
        return found
    if not name:
        return None
    city = "/" + case.school.path.split("/")[1] + "/"
    matches = list(
        Student.objects.filter(
            is_active=True,
            student_no=student_no,
            name=name,
            school__path__startswith=city,
            school__kind=UnitKind.SCHOOL,
            school__is_active=True,
        ).select_related("klass", "school")[:2]
    )
    own = [s for s in matches if s.school_id == case.school_id]
    if own:
        return own[0]
    return matches[0] if len(matches) == 1 else None


def principals(school: Unit) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, assignments__role=Role.PRINCIPAL, assignments__unit=school
        ).distinct()
    )


def bureau_people(school: Unit, roles: tuple[str, ...] = (Role.COUNTY_ADMIN,)) -> list[User]:
    """The bureau staff above a school (county first; the city when the county has nobody)."""
    ancestors = [p for p in _ancestor_paths(school.path)]
    people = list(
        User.objects.filter(
            is_active=True, assignments__role__in=roles, assignments__unit__path__in=ancestors
        ).distinct()
    )
    if not people and Role.CITY_ADMIN not in roles:
        return bureau_people(school, (Role.CITY_ADMIN,))
    return people


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def class_teachers(klass_id: int | None) -> list[User]:
    if not klass_id:
        return []
    return list(
        User.objects.filter(
            is_active=True, assignments__role=Role.CLASS_TEACHER, assignments__unit_id=klass_id
        ).distinct()
    )


def actions_for(user: Any, case: Case) -> list[Step]:
    """The actions this person may take on this case now (state, permission and applicability)."""
    out = []
    for step in TABLE:
        if case.status not in step.sources:
            continue
        if step.applies is not None and not step.applies(case):
            continue
        if not can(user, "case", step.permission, case):
            continue
        out.append(step)
    return out


def next_deadline_map(case_ids: list[int]) -> dict[int, Deadline]:
    """The earliest pending deadline of each case for lists; one waiting for the calendar comes last."""
    rows = (
        Deadline.objects.filter(case_id__in=case_ids, met_at__isnull=True, cancelled=False)
        .exclude(kind="appeal")
        .select_related("measure")
        .order_by("case_id", F("due_on").asc(nulls_last=True), "pk")
    )
    out: dict[int, Deadline] = {}
    for d in rows:
        out.setdefault(d.case_id, d)
    return out


def case_list(
    user: Any,
    *,
    status: str = "",
    serious: bool | None = None,
    overdue: bool = False,
    school_id: int | None = None,
    query: str = "",
    include_closed: bool = False,
) -> QuerySet[Case]:
    qs = cases_visible(user).select_related("school", "owner")
    if status:
        qs = qs.filter(status=status)
    elif not include_closed:
        qs = qs.filter(status__in=OPEN)
    if serious is not None:
        qs = qs.filter(serious=serious)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(school__name__icontains=query))
    if overdue:
        qs = qs.filter(next_due__lt=timezone.localdate())
    return qs.order_by(F("next_due").asc(nulls_last=True), "-opened_at")


def cases_in_order(user: Any, ids: list[int]) -> list[Case]:
    """A page of a list read whole in one query, in the order of ``ids`` (the list pages over ids
    only: counting and ordering 50,000 cases is cheap on one column)."""
    found = cases_visible(user).select_related("school", "owner").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def bureau_cases(user: Any) -> dict[str, QuerySet[Case]]:
    """The bureau's page: serious cases, police referrals and re-examinations in its area."""
    base = cases_visible(user).select_related("school", "owner")
    return {
        "serious": base.filter(serious=True).exclude(status=State.CLOSED).order_by("-opened_at"),
        "referred": base.filter(police_referred_on__isnull=False).order_by("-police_referred_on"),
        "reexam": base.filter(status=State.REEXAMINATION).order_by("-opened_at"),
        "overdue": base.filter(next_due__lt=timezone.localdate()).order_by("next_due"),
    }


@dataclass(frozen=True)
class BureauSection:
    """One list of the bureau's page: its first cases, each with whether its children may be named."""

    rows: list[tuple[Case, bool]]
    #: Every case of the section, not only the rows listed.
    count: int


def _with_bureau_details(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.prefetch_related(
        Prefetch("parties", queryset=Party.objects.all()),
        Prefetch(
            "reexaminations",
            queryset=Reexamination.objects.filter(decided_on__isnull=True)
            .select_related("applicant")
            .prefetch_related("deadlines")
            .order_by("-pk"),
            to_attr="open_reexams",
        ),
        Prefetch(
            "deadlines",
            queryset=Deadline.objects.filter(met_at__isnull=True, cancelled=False)
            .exclude(kind=DeadlineKind.APPEAL)
            .select_related("measure")
            .order_by(F("due_on").asc(nulls_last=True), "pk"),
            to_attr="pending_deadlines",
        ),
    )


def bureau_sections(user: Any, *, limit: int) -> dict[str, BureauSection]:
    """Each list of :func:`bureau_cases`, its first ``limit`` cases read with their parties, open
    re-examinations and pending deadlines, and who may be named decided for all of them at once.

    A fixed number of queries however many cases there are. Children's names on the screen are a
    read of the cases like opening them: that is written to the audit trail.
    """
    listed = {key: (qs, list(_with_bureau_details(qs)[:limit])) for key, qs in bureau_cases(user).items()}
    cases = list({c.pk: c for _qs, rows in listed.values() for c in rows}.values())
    sees = identity_rule(user, cases)
    sections = {
        key: BureauSection(
            rows=[(c, sees(c)) for c in rows],
            count=qs.count() if len(rows) == limit else len(rows),
        )
        for key, (qs, rows) in listed.items()
    }
    shown = sorted(c.pk for c in cases if sees(c))
    if shown:
        audit_record(actor=user, action=events.CASE_BUREAU_LIST_VIEWED, after={"identities": shown})
    return sections


def involved_parties(user: Any) -> QuerySet[Party]:
    """Students of the caller's school who are parties in another school's case (only their part).

    School-wide case handlers see all their school's students; a class teacher those of their classes.
    """
    r = reach(user, "case", "handle")
    q = Q(pk__in=[])
    for p in r.paths:
        q |= Q(school__path__startswith=p)
    classes = unit_ids_held(user, (Role.CLASS_TEACHER,))
    if classes:
        q |= Q(klass_id__in=classes)
    qs = Party.objects.filter(school__isnull=False).exclude(case__school_id=F("school_id"))
    if not r.everything:
        qs = qs.filter(q)
    return qs.select_related("case", "case__school", "klass").order_by("-case__opened_at")


def involved_students(user: Any, *, limit: int) -> list[tuple[Party, bool]]:
    """The first ``limit`` of :func:`involved_parties`, each with whether the caller may see the
    student's name (:func:`.permissions.involved_identity_rule`). Names shown are audited."""
    parties = list(involved_parties(user)[:limit])
    shows = involved_identity_rule(user)
    rows = [(p, shows(p)) for p in parties]
    shown = [p.pk for p, show in rows if show]
    if shown:
        audit_record(actor=user, action=events.CASE_INVOLVED_VIEWED, after={"parties": shown})
    return rows


def my_open_measures(user: Any) -> QuerySet[Measure]:
    return (
        Measure.objects.filter(owner=user, done_at__isnull=True, case__status__in=OPEN)
        .select_related("case", "case__school")
        .order_by("due_on")
    )


def provisional_cases(user: Any) -> QuerySet[Case]:
    """Open cases of the schools this person heads whose deadlines are 暂定 (a year's official
    holiday schedule is not entered yet)."""
    schools = RoleAssignment.objects.filter(user=user, role=Role.PRINCIPAL).values("unit_id")
    return (
        cases_visible(user)
        .filter(school_id__in=schools, status__in=OPEN, due_unknown=True)
        .select_related("school")
        .order_by(F("next_due").asc(nulls_last=True), "pk")
    )


def escalated_to_me(user: Any) -> list[tuple[Case, Deadline]]:
    """Deadlines of the schools this person heads that went overdue long enough to be reported to
    the principal (AlertStage.PRINCIPAL) and are still not met, with their case, oldest first."""
    schools = unit_ids_held(user, [Role.PRINCIPAL])
    if not schools:
        return []
    deadlines = (
        Deadline.objects.filter(
            case__in=cases_visible(user).filter(school_id__in=schools, status__in=OPEN),
            met_at__isnull=True,
            cancelled=False,
            alerts__stage__in=[AlertStage.PRINCIPAL, AlertStage.BUREAU],
        )
        .select_related("case", "case__school", "measure")
        .distinct()
        .order_by("due_on", "pk")
    )
    return [(d.case, d) for d in deadlines[:50]]


def calendar_gap_years(cases: list[Case]) -> list[int]:
    """The years whose official holiday schedule the pending deadlines of these cases wait for."""
    return sorted(
        set(
            Deadline.objects.filter(
                case__in=cases, met_at__isnull=True, cancelled=False, calendar_gap__isnull=False
            ).values_list("calendar_gap", flat=True)
        )
    )


def my_cases_due(user: Any) -> list[tuple[Case, Deadline]]:
    """Open cases this person owns with their next deadline, soonest first."""
    cases = list(Case.objects.filter(owner=user, status__in=OPEN).select_related("school")[:50])
    nd = next_deadline_map([c.pk for c in cases])
    rows = [(c, nd[c.pk]) for c in cases if c.pk in nd]
    return sorted(rows, key=lambda r: r[1].due_on or date.max)


def text_masker(parties: list[Party]) -> Callable[[str | None], str]:
    """Replace the parties' names in free text (张三丰 → 张*丰, 三丰 → *丰) for readers who may not see them.

    It catches the names the case knows; a child named in a narrative who is not a party is not
    caught, which is why the narrative's author is asked to use the parties list for names.
    """
    pairs: dict[str, str] = {}
    for p in parties:
        name = (p.name or "").strip()
        if len(name) >= 2:
            pairs[name] = p.masked_name
        if len(name) >= 3:  # the given name alone, as classmates and teachers write it
            pairs.setdefault(name[1:], "*" * (len(name) - 2) + name[-1])
    ordered = sorted(pairs.items(), key=lambda kv: -len(kv[0]))

    def mask(text: str | None) -> str:
        text = text or ""
        for name, masked in ordered:
            text = text.replace(name, masked)
        return text

    return mask


def case_detail(user: Any, case: Case) -> dict[str, Any]:
    """Everything the case page, the API and the case file show, masked for those whose duty does not need names.

    For such readers the parties' names are replaced in every free text (narrative, notes, evidence,
    measures, visits, guardians' words) of the returned objects; those objects are copies or fresh
    rows that are never saved.
    """
    show = sees_identities(user, case)
    parties = list(case.parties.select_related("klass", "klass__school", "student", "case"))
    data = {
        "case": case,
        "identities": show,
        "parties": [{"party": p, "label": party_label(p, masked=not show)} for p in parties],
        "events": list(case.events.select_related("actor")),
        "contacts": list(case.guardian_contacts.select_related("party")),
        "determinations": list(case.determinations.prefetch_related("members_present")),
        "measures": list(case.measures.select_related("owner", "party")),
        "reexaminations": list(case.reexaminations.select_related("applicant")),
        "visits": list(case.visits.select_related("deadline", "party", "visited_by")),
        "deadlines": list(case.deadlines.select_related("measure").order_by("starts_on", "pk")),
        "attachments": list(case.attachments.all()),
        "reports": [link.report for link in case.report_links.select_related("report")],
        "actions": actions_for(user, case),
    }
    # A source report links to its page only for whom that page opens (a bureau user sees the number).
    data["readable_reports"] = {r.pk for r in data["reports"] if can(user, "report", "view", r)}
    if not show:
        _mask_texts(data, text_masker(parties))
    return data


def _mask_texts(data: dict[str, Any], mask: Callable[[str | None], str]) -> None:
    shown = copy.copy(data["case"])  # the caller's object stays as it is (it may be saved later)
    shown.title, shown.narrative = mask(shown.title), mask(shown.narrative)
    shown.closing_summary = mask(shown.closing_summary)
    data["case"] = shown
    for e in data["events"]:
        e.title, e.body = mask(e.title), mask(e.body)
    for c in data["contacts"]:
        c.said = mask(c.said)
    for d in data["determinations"]:
        d.parents_participation, d.reasoning = mask(d.parents_participation), mask(d.reasoning)
        d.criteria = {
            k: {**v, "evidence": mask(v.get("evidence"))} if isinstance(v, dict) else v
            for k, v in (d.criteria or {}).items()
        }
    for m in data["measures"]:
        m.detail, m.done_note = mask(m.detail), mask(m.done_note)
    for rx in data["reexaminations"]:
        rx.reason, rx.finding_note = mask(rx.reason), mask(rx.finding_note)
    for v in data["visits"]:
        v.note = mask(v.note)


def case_for_receipt(report: Any) -> Case | None:
    """The case a reporter's report became part of, if any (the report or the one it was merged into)."""
    target, seen = report, 0
    while target is not None and seen < 10:
        link = CaseReport.objects.filter(report_id=target.pk).select_related("case").first()
        if link is not None:
            return link.case
        target = target.merged_into if target.merged_into_id else None
        seen += 1
    return None
