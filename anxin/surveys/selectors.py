"""Every read of the survey, already cut to what the caller may see, and the results with their
small-cell protection.

Results are GROUP BY queries over the answer rows (one per breakdown), never a loop over answers.
Protection, in this order: a cell of fewer than ``MIN_CELL`` answers is hidden; when a breakdown's
total is shown and only one of its cells is hidden, the next smallest is hidden too, so that no
hidden cell can be recovered by subtracting the others from the total; free text needs
``MIN_TEXT`` answers in the school; a figure over more than one school (a county's) needs at least
``MIN_SCHOOLS`` schools with answers.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from anxin.access.matrix import reach, scoped
from anxin.core.errors import NotFound
from anxin.intake.models import Place, TimeBand
from anxin.org.models import Unit, UnitKind

from . import instrument
from .models import Campaign, Response, SurveyCode

MIN_CELL = 5
MIN_TEXT = 10
MIN_SCHOOLS = 2
Z95 = 1.959964


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def campaigns_visible(user: Any) -> QuerySet[Campaign]:
    """Campaigns of the caller's bureau and those below it, and those of bureaus above their school."""
    r = reach(user, "survey_campaign", "view")
    qs = Campaign.objects.select_related("bureau")
    if r.everything:
        return qs
    q = Q(pk__in=[])
    for p in r.paths:
        q |= Q(unit_path__startswith=p) | Q(unit_path__in=_ancestors(p))
    return qs.filter(q)


def campaign_get(user: Any, pk: Any) -> Campaign:
    try:
        return campaigns_visible(user).get(pk=int(pk))
    except (Campaign.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def can_open(user: Any) -> bool:
    return not reach(user, "survey_campaign", "change").nothing


def bureaus_for(user: Any) -> QuerySet[Unit]:
    """The city or county units the caller may open a campaign for."""
    r = reach(user, "survey_campaign", "change")
    qs = Unit.objects.filter(kind__in=[UnitKind.CITY, UnitKind.COUNTY], is_active=True).order_by("path")
    if r.everything:
        return qs
    q = Q(pk__in=[])
    for p in r.paths:
        q |= Q(path__startswith=p)
    return qs.filter(q)


def _under(
    user: Any, resource: str, action: str, qs: QuerySet[Any], path_field: str = "path"
) -> QuerySet[Any]:
    r = reach(user, resource, action)
    if r.everything:
        return qs
    q = Q(pk__in=[])
    for p in r.paths:
        q |= Q(**{f"{path_field}__startswith": p})
    return qs.filter(q)


def campaign_schools(campaign: Campaign) -> QuerySet[Unit]:
    return Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True, path__startswith=campaign.unit_path)


def school_rates(campaign: Campaign, *, user: Any = None) -> list[dict[str, Any]]:
    """Each school of the campaign (those the caller may see): codes issued, answered, and the rate."""
    schools = campaign_schools(campaign).order_by("path")
    if user is not None:
        schools = _under(user, "survey_campaign", "view", schools) | schools.filter(
            pk__in=[u.pk for u in _held_schools(user)]
        )
    counts = {
        row["school_id"]: row
        for row in SurveyCode.objects.filter(campaign=campaign)
        .values("school_id")
        .annotate(issued=Count("pk"), used=Count("pk", filter=Q(used=True)))
    }
    out = []
    for school in schools.distinct()[:2000]:
        row = counts.get(school.pk, {"issued": 0, "used": 0})
        out.append(
            {
                "school": school,
                "issued": row["issued"],
                "used": row["used"],
                "rate": row["used"] / row["issued"] if row["issued"] else None,
            }
        )
    return out


def _held_schools(user: Any) -> list[Unit]:
    """Schools of the caller's school roles (a class teacher's class lies in one)."""
    r = reach(user, "survey_campaign", "view")
    paths = {p for p in r.paths if len([x for x in p.split("/") if x]) >= 3}
    schools = {"/" + "/".join([x for x in p.split("/") if x][:3]) + "/" for p in paths}
    return list(Unit.objects.filter(kind=UnitKind.SCHOOL, path__in=schools))


def class_rates(user: Any, campaign: Campaign, school: Unit) -> list[dict[str, Any]]:
    """Each class of a school the caller may print codes for or see: issued, answered, rate."""
    classes = Unit.objects.filter(kind=UnitKind.CLASS, is_active=True, school=school).select_related("parent")
    r = reach(user, "survey_code", "view")
    rv = reach(user, "survey_campaign", "view")
    if not r.everything and not rv.everything:
        q = Q(pk__in=[])
        for p in (*r.paths, *rv.paths):
            q |= Q(path__startswith=p)
        classes = classes.filter(q)
    counts = {
        row["klass_id"]: row
        for row in SurveyCode.objects.filter(campaign=campaign, school=school)
        .values("klass_id")
        .annotate(issued=Count("pk"), used=Count("pk", filter=Q(used=True)))
    }
    out = []
    for klass in classes.order_by("path"):
        row = counts.get(klass.pk, {"issued": 0, "used": 0})
        out.append(
            {
                "klass": klass,
                "grade": (klass.parent.number or 0) if klass.parent else 0,
                "issued": row["issued"],
                "used": row["used"],
                "rate": row["used"] / row["issued"] if row["issued"] else None,
            }
        )
    return out


def codes_for_class(user: Any, campaign: Campaign, klass_id: Any) -> tuple[Unit, list[SurveyCode]]:
    """The class (in the caller's reach for printing) and its unused codes."""
    try:
        klass = Unit.objects.select_related("parent", "school").get(pk=int(klass_id), kind=UnitKind.CLASS)
    except (Unit.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None
    r = reach(user, "survey_code", "change")
    if not klass.path.startswith(campaign.unit_path) or not (
        r.everything or any(klass.path.startswith(p) for p in r.paths)
    ):
        raise NotFound()
    codes = list(SurveyCode.objects.filter(campaign=campaign, klass=klass, used=False).order_by("pk"))
    return klass, codes


# --- Results -----------------------------------------------------------------------------------


def wilson(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score 95% interval of a proportion x/n."""
    if n <= 0:
        return (0.0, 0.0)
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class Cell:
    key: Any
    label: str
    n: int
    bullied: int = 0
    perpetrators: int = 0
    unsafe: int = 0
    hidden: bool = False
    #: Hidden only so that another hidden cell cannot be recovered by subtraction.
    secondary: bool = False

    @property
    def rate(self) -> float | None:
        return None if self.hidden or not self.n else self.bullied / self.n

    @property
    def interval(self) -> tuple[float, float] | None:
        return None if self.hidden or not self.n else wilson(self.bullied, self.n)

    @property
    def perp_rate(self) -> float | None:
        return None if self.hidden or not self.n else self.perpetrators / self.n

    @property
    def unsafe_rate(self) -> float | None:
        return None if self.hidden or not self.n else self.unsafe / self.n

    @property
    def pct(self) -> str:
        return "" if self.rate is None else f"{self.rate * 100:.1f}%"

    @property
    def ci(self) -> str:
        iv = self.interval
        return "" if iv is None else f"{iv[0] * 100:.1f}–{iv[1] * 100:.1f}%"

    def as_dict(self) -> dict[str, Any]:
        iv = self.interval
        return {
            "key": str(self.key),
            "label": self.label,
            "hidden": self.hidden,
            "n": None if self.hidden else self.n,
            "prevalence": self.rate,
            "low": iv[0] if iv else None,
            "high": iv[1] if iv else None,
            "perpetration": self.perp_rate,
            "unsafe": self.unsafe_rate,
        }


def suppress(cells: list[Cell], *, total_shown: bool = True) -> list[Cell]:
    """Hide cells under MIN_CELL; then, while the total is shown and exactly one cell is hidden, hide
    the smallest visible one as well (complementary suppression)."""
    for c in cells:
        if c.n < MIN_CELL:
            c.hidden = True
    if total_shown:
        hidden = [c for c in cells if c.hidden]
        if len(hidden) == 1:
            visible = sorted((c for c in cells if not c.hidden), key=lambda c: (c.n, str(c.key)))
            if visible:
                visible[0].hidden = True
                visible[0].secondary = True
    return cells


_MEASURES = {
    "n": Count("pk"),
    "bullied": Count("pk", filter=Q(victim__gte=instrument.PREVALENCE_FROM)),
    "perpetrators": Count("pk", filter=Q(perpetrator__gte=instrument.PREVALENCE_FROM)),
    "unsafe": Count("pk", filter=Q(safe__gte=2)),
}


def _grouped(qs: QuerySet[Response], dim: str, labels: dict[Any, str]) -> list[Cell]:
    rows = qs.order_by().values(dim).annotate(**_MEASURES)
    cells = [
        Cell(
            key=row[dim],
            label=labels.get(row[dim], str(row[dim] or "—")),
            n=row["n"],
            bullied=row["bullied"],
            perpetrators=row["perpetrators"],
            unsafe=row["unsafe"],
        )
        for row in rows
    ]
    # Grades in their order (三年级 before 初一), everything else by its label.
    cells.sort(key=lambda c: (c.key or 0, "") if dim == "grade" else (0, str(c.label)))
    return cells


def _counted(qs: QuerySet[Response], dims: tuple[str, ...]) -> list[dict[str, Any]]:
    return list(qs.order_by().values(*dims).annotate(n=Count("pk")))


@dataclass
class Results:
    campaign: Campaign
    scope_label: str
    school: Unit | None
    total: Cell
    schools_answered: int
    #: A figure over several schools with fewer than MIN_SCHOOLS of them is not shown at all.
    rollup_blocked: bool = False
    by_school: list[Cell] = field(default_factory=list)
    by_grade: list[Cell] = field(default_factory=list)
    by_class: list[Cell] = field(default_factory=list)
    by_gender: list[Cell] = field(default_factory=list)
    forms: list[dict[str, Any]] = field(default_factory=list)
    places: list[Cell] = field(default_factory=list)
    times: list[Cell] = field(default_factory=list)
    hotspots: list[dict[str, Any]] = field(default_factory=list)
    trend: list[dict[str, Any]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    comments_blocked: bool = False
    #: What teachers and classmates do, whom the bullied told: (title, cells of answer counts).
    climate: list[tuple[str, list[Cell]]] = field(default_factory=list)

    @property
    def any_hidden(self) -> bool:
        return any(c.hidden for c in (*self.by_school, *self.by_grade, *self.by_class, *self.by_gender))


def results_schools(user: Any, campaign: Campaign) -> QuerySet[Unit]:
    """Schools of the campaign whose results the caller may read."""
    return _under(user, "survey_result", "view", campaign_schools(campaign)).order_by("path")


def can_read_results(user: Any) -> bool:
    return not reach(user, "survey_result", "view").nothing


def _scope_qs(user: Any, campaign_ids: list[int] | int, school: Unit | None) -> QuerySet[Response]:
    ids = campaign_ids if isinstance(campaign_ids, list) else [campaign_ids]
    qs = scoped(user, "survey_result", "view", Response.objects.filter(campaign_id__in=ids))
    if school is not None:
        qs = qs.filter(unit_path__startswith=school.path)
    return qs


def results(user: Any, campaign: Campaign, *, school: Unit | None = None) -> Results:
    """A campaign's results within the caller's reach, for one school or for all they may see."""
    if not can_read_results(user):
        raise NotFound()
    if school is None:
        school = own_school(user)
    if school is not None and not results_schools(user, campaign).filter(pk=school.pk).exists():
        raise NotFound()
    qs = _scope_qs(user, campaign.pk, school)
    overall = qs.order_by().aggregate(schools=Count("school_id", distinct=True), **_MEASURES)
    total = Cell(
        key="all",
        label=school.name if school else campaign.bureau.name,
        n=overall["n"],
        bullied=overall["bullied"],
        perpetrators=overall["perpetrators"],
        unsafe=overall["unsafe"],
    )
    res = Results(
        campaign=campaign,
        scope_label=total.label,
        school=school,
        total=total,
        schools_answered=overall["schools"],
    )
    single = school is not None
    if not single and overall["schools"] < MIN_SCHOOLS:
        res.rollup_blocked = True
        total.hidden = True
        return res
    suppress([total], total_shown=False)
    if total.hidden:
        return res
    if not single:
        names = dict(
            Unit.objects.filter(kind=UnitKind.SCHOOL, path__startswith=campaign.unit_path).values_list(
                "pk", "name"
            )
        )
        res.by_school = suppress(_grouped(qs, "school_id", names))
    res.by_grade = suppress(_grouped(qs, "grade", {g: _grade_label(g) for g in range(1, 16)}))
    if single:
        assert school is not None
        class_names = dict(Unit.objects.filter(kind=UnitKind.CLASS, school=school).values_list("pk", "name"))
        res.by_class = suppress(_grouped(qs, "klass_id", class_names))
    genders = {key: str(label) for key, label in instrument.GENDER}
    res.by_gender = suppress(_grouped(qs, "gender", {**genders, "": str(gettext_lazy("未答"))}))
    forms = qs.order_by().aggregate(
        **{f: Count("pk", filter=Q(**{f"{f}__gte": instrument.PREVALENCE_FROM})) for f in instrument.FORMS}
    )
    v1 = instrument.INSTRUMENTS[campaign.version]
    for f in instrument.FORMS:
        x = forms[f]
        item = v1.item(f)
        res.forms.append(
            {
                "key": f,
                "label": item.prompt("secondary") if item else f,
                "rate": x / total.n,
                "low": wilson(x, total.n)[0],
                "high": wilson(x, total.n)[1],
            }
        )
    spots = qs.exclude(place="").exclude(time_band="")
    places = dict(Place.choices)
    times = dict(TimeBand.choices)
    res.places = suppress(
        [
            Cell(key=r["place"], label=str(places.get(r["place"], r["place"])), n=r["n"])
            for r in _counted(spots, ("place",))
        ]
    )
    res.times = suppress(
        [
            Cell(key=r["time_band"], label=str(times.get(r["time_band"], r["time_band"])), n=r["n"])
            for r in _counted(spots, ("time_band",))
        ]
    )
    grid = _counted(spots, ("place", "time_band"))
    res.hotspots = sorted(
        (
            {
                "place": str(places.get(r["place"], r["place"])),
                "time_band": str(times.get(r["time_band"], r["time_band"])),
                "n": r["n"],
            }
            for r in grid
            if r["n"] >= MIN_CELL
        ),
        key=lambda r: -int(r["n"]),
    )[:10]
    res.climate = climate(qs)
    res.trend = trend(user, campaign, school=school)
    if single:
        if total.n >= MIN_TEXT:
            texts = list(qs.exclude(comment="").values_list("comment", flat=True)[:200])
            random.shuffle(texts)  # no order to match against the order slips were handed out
            res.comments = texts
        else:
            res.comments_blocked = True
    return res


def climate(qs: QuerySet[Response]) -> list[tuple[str, list[Cell]]]:
    """How the school's climate is seen: one GROUP BY over a JSON key per item, small cells hidden."""
    from django.db.models.fields.json import KeyTextTransform

    out = []
    for key in ("teachers", "classmates", "told_result"):
        item = instrument.V1.item(key)
        if item is None:
            continue
        labels = {v: str(label) for v, label in item.options}
        order = list(labels)
        rows = (
            qs.order_by()
            .annotate(v=KeyTextTransform(key, "answers"))
            .exclude(v__isnull=True)
            .values("v")
            .annotate(n=Count("pk"))
        )
        cells = [Cell(key=r["v"], label=labels[r["v"]], n=r["n"]) for r in rows if r["v"] in labels]
        if cells:
            cells.sort(key=lambda c: order.index(str(c.key)))
            out.append((item.prompt("secondary"), suppress(cells)))
    told = instrument.V1.item("told")
    if told is not None:
        # A multiple choice, stored as a JSON list: each option counted in one conditional
        # aggregate over the list's text (the same on SQLite and PostgreSQL), small cells hidden.
        texts = qs.order_by().annotate(t=KeyTextTransform("told", "answers")).exclude(t__isnull=True)
        counts = texts.aggregate(
            **{
                f"o{i}": Count("pk", filter=Q(t__contains=f'"{v}"'))
                for i, (v, _label) in enumerate(told.options)
            }
        )
        cells = [
            Cell(key=v, label=str(label), n=counts[f"o{i}"])
            for i, (v, label) in enumerate(told.options)
            if counts[f"o{i}"]
        ]
        if cells:
            out.append((told.prompt("secondary"), suppress(cells, total_shown=False)))
    return out


def own_school(user: Any) -> Unit | None:
    """The caller's one school when their reach for results is a single school (a principal's)."""
    r = reach(user, "survey_result", "view")
    if r.everything or len(r.paths) != 1 or len([x for x in r.paths[0].split("/") if x]) < 3:
        return None
    return Unit.objects.filter(kind=UnitKind.SCHOOL, path=r.paths[0]).first()


_GRADE_NAMES = {
    1: gettext_lazy("一年级"),
    2: gettext_lazy("二年级"),
    3: gettext_lazy("三年级"),
    4: gettext_lazy("四年级"),
    5: gettext_lazy("五年级"),
    6: gettext_lazy("六年级"),
    7: gettext_lazy("初一"),
    8: gettext_lazy("初二"),
    9: gettext_lazy("初三"),
    10: gettext_lazy("高一"),
    11: gettext_lazy("高二"),
    12: gettext_lazy("高三"),
}


def _grade_label(g: int) -> str:
    return str(_GRADE_NAMES.get(g, g))


def trend(user: Any, campaign: Campaign, *, school: Unit | None = None) -> list[dict[str, Any]]:
    """Prevalence in the same scope in this and the earlier campaigns the caller may see (one query)."""
    earlier = list(
        campaigns_visible(user)
        .filter(unit_path=campaign.unit_path, starts_on__lte=campaign.starts_on)
        .order_by("-starts_on")[:6]
    )
    ids = [c.pk for c in earlier]
    rows: dict[int, dict[str, Any]] = {
        r["campaign_id"]: dict(r)
        for r in _scope_qs(user, ids, school).order_by().values("campaign_id").annotate(**_MEASURES)
    }
    out = []
    for c in reversed(earlier):
        r = rows.get(c.pk)
        if r is None or r["n"] < MIN_CELL:
            out.append(
                {"campaign_id": c.pk, "title": c.title, "starts_on": c.starts_on, "n": None, "rate": None}
            )
            continue
        lo, hi = wilson(r["bullied"], r["n"])
        out.append(
            {
                "campaign_id": c.pk,
                "title": c.title,
                "starts_on": c.starts_on,
                "n": r["n"],
                "rate": r["bullied"] / r["n"],
                "low": lo,
                "high": hi,
            }
        )
    return out


# --- For the oversight scorecard -----------------------------------------------------------------


def answered_by_school(school_ids: list[int], term_start: date, term_end: date) -> dict[int, tuple[str, int]]:
    """For the oversight scorecard, all schools at once: of the campaigns whose window meets the term
    and that cover each school, the one it answered most, as (title, answers). A school no campaign
    covered is absent (the bureau did not ask it); one covered but silent has 0 answers."""
    schools = dict(Unit.objects.filter(pk__in=school_ids, kind=UnitKind.SCHOOL).values_list("pk", "path"))
    campaigns = list(
        Campaign.objects.filter(starts_on__lte=term_end, ends_on__gte=term_start).values_list(
            "pk", "unit_path", "title"
        )
    )
    answers: dict[tuple[int, int], int] = {}
    if campaigns and schools:
        for campaign_id, school_id, n in (
            Response.objects.filter(campaign_id__in=[c[0] for c in campaigns], school_id__in=list(schools))
            .values_list("campaign_id", "school_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            answers[(campaign_id, school_id)] = n
    out: dict[int, tuple[str, int]] = {}
    for school_id, path in schools.items():
        for campaign_id, unit_path, title in campaigns:
            if not path.startswith(unit_path):
                continue
            n = answers.get((campaign_id, school_id), 0)
            if school_id not in out or n > out[school_id][1]:
                out[school_id] = (title, n)
    return out


def today() -> date:
    return timezone.localdate()


def reach_nothing(user: Any) -> bool:
    return reach(user, "survey_campaign", "view").nothing


def can_print(user: Any, klass: Unit) -> bool:
    r = reach(user, "survey_code", "change")
    return r.everything or any(klass.path.startswith(p) for p in r.paths)


def can_change_campaign(user: Any, campaign: Campaign) -> bool:
    r = reach(user, "survey_campaign", "change")
    return r.everything or any(campaign.unit_path.startswith(p) for p in r.paths)
