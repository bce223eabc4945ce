"""The care ledgers' panel on the 工作台: the author's talks whose follow-up is due."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed
from anxin.core.workbench import Panel, panel_provider

from .selectors import follow_ups_due


@panel_provider
def care_follow_ups_panel(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not allowed(user, "ledger_talk", "record"):
        return []
    today = timezone.localdate()
    talks = list(follow_ups_due(user, today=today)[:10])
    if not talks:
        return []
    return [
        Panel(
            title=_("待回访的谈心"),
            template="ledgers/care/panel_follow_ups.html",
            context={"talks": talks, "today": today},
            order=20,
        )
    ]
