"""The duty panel on every school member's 工作台: who leads the duty at their school right now."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.access.matrix import can_at
from anxin.core.workbench import Panel, panel_provider
from anxin.org.models import User
from anxin.org.selectors import home_school

from .selectors import current_shift, leaders_on_duty_now


@panel_provider
def on_duty(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not isinstance(user, User):  # the workbench is for signed-in users only
        return []
    school = home_school(user)
    if school is None:
        return []
    day, shift = current_shift()
    return [
        Panel(
            title=_("今日值班"),
            template="ledgers/panels/on_duty.html",
            context={
                "leaders": leaders_on_duty_now(school),
                "shift": shift,
                "day": day,
                "can_rota": can_at(user, "ledger_patrol_rota", "manage", school.path),
            },
            order=3,
        )
    ]
