"""Survey hotspots feed the early warnings: a place and time band where enough pupils of the latest
ended campaign (a term's survey speaks until the next one ends) said they were bullied becomes a warning for the school's moral-education director, as a
key place's repeated findings do. Only counts that the results pages also show (cells of at least
``min_answers``) are named, so the warning says nothing the anonymity rules would hide.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.utils.translation import gettext as _

from anxin.access.roles import Role
from anxin.intake.models import Place, TimeBand
from anxin.warnings.models import Rule, Severity, SubjectType
from anxin.warnings.rules import Candidate, Context

from . import instrument
from .models import Campaign, Response
from .selectors import _ancestors

#: How many hotspots one warning names.
SHOWN = 3


def survey_hotspot(ctx: Context) -> list[Candidate]:
    t = ctx.t(Rule.SURVEY_HOTSPOT)
    campaign = (
        Campaign.objects.filter(
            unit_path__in=_ancestors(ctx.school.path),
            ends_on__lt=ctx.today,
            ends_on__gte=ctx.today - timedelta(days=t["recent_days"]),
        )
        .order_by("-ends_on", "-pk")
        .first()
    )
    if campaign is None:
        return []
    cells = list(
        Response.objects.filter(campaign=campaign, school=ctx.school, victim__gte=instrument.PREVALENCE_FROM)
        .exclude(place="")
        .exclude(time_band="")
        .values_list("place", "time_band")
        .annotate(n=Count("pk"))
        .filter(n__gte=t["min_answers"])
        .order_by("-n", "place", "time_band")[:SHOWN]
    )
    if not cells:
        return []
    places, times = dict(Place.choices), dict(TimeBand.choices)
    reasons = [
        _("%(place)s · %(time)s：%(n)s 名学生在“%(title)s”中说在这里受到欺凌（每月两三次及以上）")
        % {"place": places.get(p, p), "time": times.get(b, b), "n": n, "title": campaign.title}
        for p, b, n in cells
    ]
    reasons.append(_("请把这些地点和时段列入巡查重点，并在班会和谈心谈话中关注。"))
    return [
        Candidate(
            rule=Rule.SURVEY_HOTSPOT,
            subject_type=SubjectType.SURVEY,
            subject_id=campaign.pk,
            subject_label=campaign.title,
            unit_path=ctx.school.path,
            responsible_id=ctx.first((Role.MORAL_DIRECTOR, None)),
            reasons=reasons,
            evidence=[f"survey:{campaign.pk}:{p}|{b}:{n}" for p, b, n in cells],
            severity=Severity.WARNING,
            also_notify=ctx.holders(Role.SAFETY_OFFICER),
        )
    ]
