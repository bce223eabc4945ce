"""A light spread of demo cases over the city: a few per county, in every state, some overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from anxin.cases import deadlines
from anxin.cases.models import DeadlineKind, PartyRole
from anxin.org.models import Role, Student, Unit, UnitKind

from .people import SCENARIO_SCHOOL, School, Teller, attendance, class_teachers, criteria, take
from .timeline import NotYet, at_local, redate_measure, workday_back, workday_forward

#: Cases per county (the first county, the others) and in all: a big demo city stays quick to load.
SPREAD_FIRST, SPREAD_OTHERS, SPREAD_MAX = 3, 2, 12


class Spread(Teller):
    def tell(self) -> None:
        """A few cases per county at schools other than the scenarios', taking the recipes in turn."""
        rng = self.rng
        counties = list(Unit.objects.filter(kind=UnitKind.COUNTY, is_active=True).order_by("code"))
        # A few per county, and no more than SPREAD_MAX in all: a big demo city stays quick to load.
        share = [SPREAD_FIRST] + [SPREAD_OTHERS] * (len(counties) - 1)
        while sum(share) > SPREAD_MAX and max(share) > 1:
            i = max(range(len(share)), key=lambda j: (share[j], j))
            share[i] -= 1
        turn = 0
        for county, n in zip(counties, share, strict=True):
            if turn >= SPREAD_MAX:
                break
            schools = list(
                Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True, path__startswith=county.path)
                .exclude(name=SCENARIO_SCHOOL)
                .order_by("code")
            )
            for _n in range(n if schools else 0):
                school = School(rng.choice(schools))
                recipe = RECIPES[turn % len(RECIPES)]
                turn += 1
                if not school.staff or school.bureau is None:
                    continue
                try:
                    self.walk(school, recipe)
                except NotYet:
                    pass

    def walk(self, school: School, recipe: Recipe) -> None:
        """One case, as far as its recipe goes, each step on a working day after its opening."""
        rng, today = self.rng, self.today
        classes = list(Unit.objects.filter(kind=UnitKind.CLASS, school=school.unit).order_by("code"))
        rng.shuffle(classes)
        pupils: list[Student] = []
        for klass in classes:
            pupils = school.pupils(Student.objects.filter(klass=klass))
            if len(pupils) >= 3:
                break
        if len(pupils) < 2:
            return
        target, *bullies = take(rng, pupils, 1 + recipe.bullies)
        kind = recipe.kind or rng.choice(list(SPREAD_TEXTS))
        title, narrative, places, bands = rng.choice(SPREAD_TEXTS[kind])
        lead, principal = school.lead, school.principal
        opened = workday_back(today - timedelta(days=recipe.opened_days_ago))
        step = _Steps(opened)

        story = self.story(school)
        story.open(
            step.at(0, 9),
            lead,
            {
                "title": title,
                "narrative": narrative,
                "kinds": [kind],
                "places": places,
                "time_bands": bands,
                "urgent": recipe.gravity == "serious",
            },
        )
        if recipe.upto == "accepted":
            return
        if recipe.gravity == "serious":
            story.act(
                step.at(0, 10),
                lead,
                "emergency",
                {
                    "steps": ["separation", "medical", "parents"],
                    "note": "已将双方分开，受伤学生送医检查，电话通知双方家长。",
                    "done_at": step.at(0, 9, 50).isoformat(),
                },
            )
        story.act(step.at(1, 9), lead, "investigate", {"note": "与当事学生及知情同学谈话。"})
        story.act(step.at(1, 10), lead, "add_party", {"role": PartyRole.TARGET, "student": target.pk})
        for s in bullies:
            story.act(step.at(1, 10, 5), lead, "add_party", {"role": PartyRole.BULLY, "student": s.pk})
        if recipe.upto == "investigating":
            return
        story.act(
            step.at(recipe.submit_after, 16),
            lead,
            "submit",
            {"summary": "调查已完成：询问当事学生及知情同学，核实了事情经过，提请委员会认定。"},
        )
        if recipe.upto == "pending":
            return
        meeting = step.day(recipe.submit_after + 2)
        present, _total = attendance(school.unit, rng)
        bullying = recipe.gravity != ""
        story.act(
            at_local(meeting, 16),
            principal,
            "determine",
            {
                "meeting_on": meeting.isoformat(),
                "members_present": present,
                "is_bullying": "yes" if bullying else "no",
                "kinds": [kind] if bullying else [],
                "gravity": recipe.gravity,
                "non_bullying": "" if bullying else "conflict",
                "parents_participation": "双方家长列席并陈述意见。",
                "reasoning": "" if bullying else "双方互有推搡，力量相当，属一般冲突，已分别批评教育。",
                **criteria({}, None if bullying else {"intent": "no", "imbalance": "no", "pattern": "no"}),
            },
        )
        if recipe.gravity == "serious":
            story.act(
                at_local(meeting, 17),
                principal,
                "refer_police",
                {
                    "referred_on": meeting.isoformat(),
                    "agency": f"{school.unit.name[:2]}派出所",
                    "note": "涉嫌违法，移送公安机关。",
                },
            )
        served = workday_forward(meeting + timedelta(days=1))
        if recipe.upto == "referred" or served >= today:
            return
        if recipe.gravity != "serious":
            story.act(
                at_local(served, 10),
                lead,
                "notify_result",
                {"notified_on": served.isoformat(), "method": "written"},
            )
        if recipe.upto == "notified":
            return
        if recipe.upto == "reexamination":
            applied = served + timedelta(days=2)
            story.act(
                at_local(applied, 9),
                lead,
                "apply_reexam",
                {
                    "applicant": story.party(PartyRole.TARGET).pk,
                    "applied_on": applied.isoformat(),
                    "reason": "家长认为学校认定的情节过轻，申请复查。",
                },
            )
            story.act(
                at_local(applied + timedelta(days=1), 15),
                school.bureau.user,
                "assign_panel",
                {  # type: ignore[union-attr]
                    "school_member": self.fake.name(),
                    "parent_member": self.fake.name(),
                    "expert_member": self.fake.name(),
                    "expert_affiliation": "心理咨询师",
                },
            )
            return
        if not bullying:
            if recipe.upto == "closed":
                story.act(
                    at_local(served + timedelta(days=10), 10),
                    principal,
                    "close",
                    {"summary": "不构成欺凌，已对双方批评教育，结案。"},
                )
            return
        teacher = next((u for u in class_teachers(target.klass)), lead)
        psych = school.person(Role.PSYCH_TEACHER, Role.MORAL_DIRECTOR)
        measures: list[tuple[date, str, dict[str, Any]]] = []
        for s in bullies:
            party = story.party(PartyRole.BULLY, s)
            measures.append(
                (
                    served + timedelta(days=7),
                    "education",
                    {"party": party.pk, "owner": teacher.pk, "detail": "批评教育，向受害学生道歉。"},
                )
            )
        measures.append(
            (
                served + timedelta(days=recipe.measure_days),
                "counselling",
                {
                    "party": story.party(PartyRole.TARGET).pk,
                    "owner": psych.pk,
                    "detail": "心理辅导 3 次。",
                    "sessions": 3,
                },
            )
        )
        for due, kind_, data in measures:
            story.act(
                at_local(served, 11),
                lead,
                "add_measure",
                {"kind": kind_, "due_on": max(due, today).isoformat(), **data},
            )
        for measure, (due, _k, _d) in zip(story.c.measures.order_by("pk"), measures, strict=True):
            if due < today:
                redate_measure(story.c, measure, due)
        story.act(at_local(served, 11, 30), lead, "start_measures", {})
        if recipe.upto == "measures":
            # Done where due, except the last one, which is left overdue when its date has passed.
            for measure in list(story.c.measures.order_by("pk"))[:-1]:
                measure.refresh_from_db()
                if measure.due_on < today:
                    story.act(
                        at_local(measure.due_on, 16),
                        measure.owner,
                        "complete_measure",
                        {"measure": measure.pk, "note": "已完成。"},
                    )
            return
        last = served
        for measure in story.c.measures.order_by("pk"):
            last = max(last, measure.due_on)
            story.act(
                at_local(measure.due_on, 16),
                measure.owner,
                "complete_measure",
                {"measure": measure.pk, "note": "已按计划完成。"},
            )
        start = workday_forward(last + timedelta(days=1))
        story.act(at_local(start, 16, 30), lead, "start_aftercare", {"starts_on": start.isoformat()})
        for kind_ in deadlines.VISIT_ORDER:
            due = story.c.deadlines.get(kind=kind_).due_on
            if due is None or due >= today:
                break
            story.act(
                at_local(due, 15),
                psych,
                "record_visit",
                {
                    "visit": kind_,
                    "visited_on": due.isoformat(),
                    "stopped": "yes",
                    "note": "回访：欺凌已停止，学生情绪稳定。",
                },
            )
        if recipe.upto == "closed":
            end = story.c.deadlines.get(kind=DeadlineKind.VISIT_3M).due_on
            if (
                end is not None
                and end < today
                and story.c.deadlines.filter(
                    kind__in=deadlines.VISIT_ORDER, met_at__isnull=True, cancelled=False
                ).count()
                == 0
            ):
                story.act(
                    at_local(end + timedelta(days=1), 10),
                    principal,
                    "close",
                    {"summary": "各项措施已落实，三次回访均未再发现欺凌，结案。"},
                )


class _Steps:
    """Working days counted from a case's opening, for its steps."""

    def __init__(self, opened: date) -> None:
        self.opened = opened

    def day(self, n: int) -> date:
        day = self.opened
        for _i in range(n):
            day = workday_forward(day + timedelta(days=1))
        return day

    def at(self, n: int, hour: int, minute: int = 0) -> datetime:
        return at_local(self.day(n), hour, minute)


@dataclass(frozen=True)
class Recipe:
    """How far a spread case goes, and when it was opened."""

    upto: str
    opened_days_ago: int
    gravity: str = "general"
    bullies: int = 1
    #: working days from opening to the investigation's conclusion
    submit_after: int = 6
    #: calendar days from the finding's service to the counselling's due date
    measure_days: int = 21
    kind: str = ""


#: In this order over the counties: the first seven show every kind of state a list needs.
RECIPES = (
    Recipe("investigating", 22, bullies=2),  # the investigation overdue
    Recipe("measures", 45, measure_days=14),  # the counselling overdue
    Recipe("closed", 200),
    Recipe("pending", 16),
    Recipe("reexamination", 22, gravity="heavier"),
    Recipe("aftercare", 75),
    Recipe("referred", 14, gravity="serious", bullies=3, submit_after=4, kind="physical"),
    Recipe("accepted", 2),
    Recipe("closed", 120, gravity="", submit_after=3),
    Recipe("notified", 12, gravity="", submit_after=3),
    Recipe("investigating", 3),
    Recipe("accepted", 18),  # nobody started: overdue
)

#: kind -> (title, narrative, places, time bands) of the spread's cases.
SPREAD_TEXTS: dict[str, list[tuple[str, str, list[str], list[str]]]] = {
    "physical": [
        (
            "课间在楼道被同学推搡踢打",
            "课间在楼道里被同学多次推搡、踢打，腿部有淤青，班主任发现后报告。",
            ["corridor"],
            ["break"],
        ),
        ("放学路上被拦截殴打", "放学路上被同学拦住推倒在地，书包被扔进水沟。", ["commute"], ["commute"]),
    ],
    "verbal": [
        (
            "被同学起侮辱性绰号",
            "多名同学长期以侮辱性绰号称呼该生，并在课间当众嘲笑。",
            ["classroom"],
            ["break"],
        ),
        ("因口音被同学反复嘲笑", "随迁学生因口音被同学模仿嘲笑，不愿开口发言。", ["classroom"], ["break"]),
    ],
    "property": [
        (
            "被高年级学生索要零花钱",
            "在校门口多次被高年级学生索要零花钱，不给就被威胁。",
            ["gate"],
            ["commute"],
        ),
        (
            "文具和作业本被故意损坏",
            "书包里的文具、作业本多次被同学故意弄坏、扔掉。",
            ["classroom"],
            ["break"],
        ),
    ],
    "relational": [
        (
            "被同学故意孤立",
            "几名同学要求其他同学不和该生说话、不和她一起吃饭。",
            ["canteen", "classroom"],
            ["noon"],
        ),
    ],
    "cyber": [
        (
            "照片被恶意修改后发到群里",
            "该生照片被同学恶意修改后发到年级群，并配有侮辱性文字。",
            ["online"],
            ["other"],
        ),
    ],
}
