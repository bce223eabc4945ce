"""The intake's panels on the 工作台: urgent reports first, then the open queue."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed
from anxin.core.workbench import Panel, panel_provider

from .selectors import reports_visible


@panel_provider
def intake_panel(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not allowed(user, "report", "view"):
        return []
    queue = reports_visible(user, open_only=True)
    pinned = list(queue.filter(urgent=True, acknowledged_at__isnull=True)[:5])
    return [
        Panel(
            title=_("举报受理"),
            template="intake/panel_queue.html",
            context={"pinned": pinned, "open_count": queue.count(), "recent": list(queue[:5])},
            order=0 if pinned else 30,
        )
    ]
