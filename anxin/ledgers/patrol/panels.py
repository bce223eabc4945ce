"""The duty panel on every school member's 工作台: who leads the duty at their school right now."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.access.matrix import can_at
from anxin.core.workbench import Panel, panel_provider
from anxin.org.models import Unit, User

from .selectors import current_shift, leaders_on_duty_now


def _home_school(user: User) -> Unit | None:
    """The one school the person works in; None for bureau staff and for people of several schools."""
    ids = set(user.assignments.filter(unit__is_active=True).values_list("unit__school", flat=True))
    if len(ids) != 1:
        return None
    (school_id,) = ids
    return None if school_id is None else Unit.objects.filter(pk=school_id).first()


@panel_provider
def on_duty(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not isinstance(user, User):  # the workbench is for signed-in users only
        return []
    school = _home_school(user)
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
