"""The term's anti-bullying survey in the demo city: each county's closed campaign of last term with
its answers (so results, trends and the oversight scorecard's "survey held, response rate" have
something to read) and this term's open one, with codes printed for most classes and about half of
them answered, one school not started yet (the reminder has someone to remind), and one class with
only three answers (the principal sees a hidden cell). Bulk inserts throughout: the demo stays fast.

Made only beside the demo cases, like the 舆情 register: these rows point at the demo's units, and a
city loaded without cases must stay resettable."""

from __future__ import annotations

import random
import secrets
from datetime import date, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.cases.models import Case
from anxin.intake.models import Place, TimeBand
from anxin.org.models import Role, Student, Unit, UnitKind, User
from anxin.surveys.instrument import FORMS
from anxin.surveys.models import Campaign, Response, SurveyCode
from anxin.surveys.services import ALPHABET, CODE_LENGTH

BATCH = 2000
PLACES = [
    Place.TOILET,
    Place.CORRIDOR,
    Place.CLASSROOM,
    Place.PLAYGROUND,
    Place.DORMITORY,
    Place.ONLINE,
    Place.GATE,
]
PLACE_WEIGHTS = [30, 20, 18, 12, 8, 7, 5]
TIMES = [TimeBand.BREAK, TimeBand.NOON, TimeBand.COMMUTE, TimeBand.EVENING_STUDY, TimeBand.AFTER_LIGHTS_OUT]
TIME_WEIGHTS = [45, 20, 15, 12, 8]


def _code(used: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if code not in used:
            used.add(code)
            return code


def _answer(
    rng: random.Random, campaign: Campaign, klass: Unit, grade: int, day: date, worse: float
) -> Response:
    victim = rng.choices(
        [0, 1, 2, 3, 4], weights=[62 - worse, 20, 8 + worse / 2, 5 + worse / 4, 5 + worse / 4]
    )[0]
    forms = {f: (rng.choices([0, 1, 2, 3], weights=[55, 25, 12, 8])[0] if victim else 0) for f in FORMS}
    bullied = victim > 0
    return Response(
        campaign=campaign,
        school_id=klass.school_id or 0,
        klass=klass,
        unit_path=klass.path,
        grade=grade,
        version=campaign.version,
        day=day,
        gender=rng.choices(["M", "F", "N", ""], weights=[46, 46, 5, 3])[0],
        victim=victim,
        perpetrator=rng.choices([0, 1, 2, 3], weights=[85, 10, 3, 2])[0],
        place=rng.choices(PLACES, weights=PLACE_WEIGHTS)[0] if bullied else "",
        time_band=rng.choices(TIMES, weights=TIME_WEIGHTS)[0] if bullied else "",
        safe=rng.choices([0, 1, 2, 3], weights=[45, 38, 12, 5])[0],
        answers={"told": [rng.choice(["class_teacher", "family", "friend", "nobody"])]} if bullied else {},
        comment="",
        **forms,
    )


def build(stdout: Any, seed: int = 2026) -> None:
    if Campaign.objects.exists() or not Case.objects.exists():
        return
    from anxin.demo.ledgers import term_start

    rng = random.Random(seed + 13)
    today = timezone.localdate()
    start = term_start()
    sizes = dict(
        Student.objects.filter(is_active=True)
        .values("klass_id")
        .annotate(n=Count("pk"))
        .values_list("klass_id", "n")
    )
    classes = list(
        Unit.objects.filter(kind=UnitKind.CLASS, is_active=True, parent__number__gte=3)
        .select_related("parent")
        .order_by("path")
    )
    counties = list(Unit.objects.filter(kind=UnitKind.COUNTY, is_active=True).order_by("path"))
    used: set[str] = set()
    codes: list[SurveyCode] = []
    answers: list[Response] = []
    campaigns = 0
    for county in counties:
        admin = User.objects.filter(assignments__role=Role.COUNTY_ADMIN, assignments__unit=county).first()
        if admin is None:
            continue
        last = Campaign.objects.create(
            bureau=county,
            unit_path=county.path,
            title=_("上学期防欺凌专项调查"),
            starts_on=start - timedelta(days=120),
            ends_on=start - timedelta(days=106),
            created_by=admin,
        )
        now = Campaign.objects.create(
            bureau=county,
            unit_path=county.path,
            title=_("本学期防欺凌专项调查"),
            extra_items=[
                {
                    "key": "x1",
                    "text": "本学期你们班开过防欺凌主题班会吗？",
                    "options": ["开过", "没开过", "不记得"],
                }
            ],
            starts_on=today - timedelta(days=5),
            ends_on=today + timedelta(days=9),
            created_by=admin,
        )
        campaigns += 2
        mine = [k for k in classes if k.path.startswith(county.path)]
        schools = sorted({k.school_id for k in mine if k.school_id})
        not_started = schools[-1] if len(schools) > 2 else None
        small_class = mine[0].pk if mine else None
        for klass in mine:
            grade = int(klass.parent.number or 0) if klass.parent else 0
            size = sizes.get(klass.pk, 0) or 40
            # Last term: every class took part, most pupils answered.
            answered = int(size * rng.uniform(0.85, 0.97))
            for i in range(size):
                codes.append(
                    SurveyCode(
                        campaign=last,
                        school_id=klass.school_id or 0,
                        klass=klass,
                        unit_path=klass.path,
                        code=_code(used),
                        used=i < answered,
                        used_on=last.starts_on + timedelta(days=rng.randint(0, 10)) if i < answered else None,
                    )
                )
            day = last.starts_on + timedelta(days=rng.randint(0, 10))
            answers += [_answer(rng, last, klass, grade, day, worse=6) for _ in range(answered)]
            # This term: one school has not printed its codes yet; the rest are about half done.
            if klass.school_id == not_started:
                continue
            answered = 3 if klass.pk == small_class else int(size * rng.uniform(0.3, 0.7))
            for i in range(size):
                codes.append(
                    SurveyCode(
                        campaign=now,
                        school_id=klass.school_id or 0,
                        klass=klass,
                        unit_path=klass.path,
                        code=_code(used),
                        used=i < answered,
                        used_on=today - timedelta(days=rng.randint(0, 4)) if i < answered else None,
                    )
                )
            answers += [
                _answer(rng, now, klass, grade, today - timedelta(days=rng.randint(0, 4)), worse=0)
                for _ in range(answered)
            ]
    SurveyCode.objects.bulk_create(codes, batch_size=BATCH)
    Response.objects.bulk_create(answers, batch_size=BATCH)
    # Last term's hotspots become early warnings on the 政教主任's 工作台 (rule survey_hotspot).
    from anxin.warnings.models import Rule, Warning
    from anxin.warnings.services import evaluate

    for school in Unit.objects.filter(kind=UnitKind.SCHOOL, pk__in={a.school_id for a in answers}):
        evaluate(school)
    hot = Warning.objects.filter(rule=Rule.SURVEY_HOTSPOT).count()
    stdout.write(
        _(
            "专项调查：%(c)s 次调查，%(codes)s 个答题码，%(n)s 份答卷；%(hot)s 所学校的欺凌多发地点与时段已列入预警。"
        )
        % {"c": campaigns, "codes": f"{len(codes):,}", "n": f"{len(answers):,}", "hot": hot}
    )
