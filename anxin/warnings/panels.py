"""The 工作台 panels: the person's own open warnings, each with why; and for a county or city
administrator, what needs looking at in their area today."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.core.workbench import Panel, panel_provider

from .oversight import NAMES_SHOWN, area_today
from .selectors import open_for, subject_names


@panel_provider
def warnings_panel(request: HttpRequest) -> list[Panel]:
    warnings = open_for(request.user)
    if not warnings:
        return []
    names = subject_names(request.user, warnings)
    rows = [{"w": w, "name": names.get(w.pk, w.subject_label)} for w in warnings]
    return [Panel(title=_("预警"), template="ledgers/warnings/panel.html", context={"rows": rows}, order=5)]


@panel_provider
def area_panel(request: HttpRequest) -> list[Panel]:
    found = area_today(request.user, timezone.localdate())
    if found is None:
        return []
    return [
        Panel(
            title=_("辖区今日关注"),
            template="warnings/panel_area.html",
            context={"area": found, "names_shown": NAMES_SHOWN},
            order=4,
        )
    ]
