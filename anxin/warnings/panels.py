"""The 工作台 panel: the person's own open warnings, each with why."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.core.workbench import Panel, panel_provider

from .selectors import open_for, subject_names


@panel_provider
def warnings_panel(request: HttpRequest) -> list[Panel]:
    warnings = open_for(request.user)
    if not warnings:
        return []
    names = subject_names(request.user, warnings)
    rows = [{"w": w, "name": names.get(w.pk, w.subject_label)} for w in warnings]
    return [Panel(title=_("预警"), template="ledgers/warnings/panel.html", context={"rows": rows}, order=5)]
