"""The 工作台 panel: the live screening warnings this person sees, urgent first.

The psychology teacher sees every live warning of the school with its level; a class teacher sees
"please check in with this pupil" and a duty leader the urgent one, without scores (the list never
shows a score to anyone; scores are on the psychology teacher's warning page only).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.core.workbench import Panel, object_panel, panel_provider

from .selectors import case_change, open_for


@panel_provider
def wellbeing_panel(request: HttpRequest) -> list[Panel]:
    rows = open_for(request.user)
    if not rows:
        return []
    urgent = any(w.level == "urgent" for w in rows)
    return [
        Panel(
            title=_("心理筛查预警"),
            template="wellbeing/panel.html",
            context={"rows": rows, "urgent": urgent},
            order=2 if urgent else 6,
        )
    ]


@object_panel("case")
def case_screenings(request: HttpRequest, case: Any) -> list[Panel]:
    """On a bullying case's file, for the psychology teacher only: each target's screening before
    the case was opened and the latest since, with the change (SCENARIOS: aftercare). Audited like
    every other sight of scores."""
    rows = case_change(request.user, case)
    if not rows:
        return []
    return [
        Panel(title=_("心理筛查：立案前后变化"), template="wellbeing/case_panel.html", context={"rows": rows})
    ]
