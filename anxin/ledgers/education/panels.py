"""The 1530 panel on a class teacher's 工作台: today's session one tap away for each of their classes."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import can_at
from anxin.core.workbench import Panel, panel_provider
from anxin.org.models import Role, Unit
from anxin.org.selectors import unit_ids_held

from . import selectors
from .models import SafetySession


@panel_provider
def today_1530(request: HttpRequest) -> list[Panel]:
    user = request.user
    classes = [
        k
        for k in Unit.objects.filter(pk__in=unit_ids_held(user, [Role.CLASS_TEACHER])).order_by("path")
        if can_at(user, "ledger_1530", "record", k.path)
    ]
    if not classes:
        return []
    today = timezone.localdate()
    due = selectors.today_due(today)
    done = set(SafetySession.objects.filter(klass__in=classes, date=today).values_list("klass_id", flat=True))
    rows = [{"klass": k, "done": k.pk in done} for k in classes]
    return [
        Panel(
            title=_("今日1530"),
            template="ledgers/panels/today_1530.html",
            context={"rows": rows, "due": due, "today": today},
            order=2,
        )
    ]
