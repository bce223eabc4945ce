"""The 工作台 panel of the 舆情 register: for the bureau, the events still open in its area and how
many of them are past their 24 hours without a first response. Nothing when none is open."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.core.workbench import Panel, panel_provider

from . import selectors


@panel_provider
def opinion_panel(request: HttpRequest) -> list[Panel]:
    if not selectors.can_view(request.user):
        return []
    counts = selectors.open_counts(request.user)
    if not counts["open"]:
        return []
    return [Panel(title=_("舆情"), template="oversight/opinion/panel.html", context=counts, order=6)]
