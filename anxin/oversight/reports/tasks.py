"""Background work of the reports upward: last month's reports, made on the 1st, and reports asked
for on the page or in the API (a city's PDF of 300 schools takes WeasyPrint some 15 seconds: too
long for a request, so with the database task backend the worker makes it).

The job runs every six hours and makes what is missing, so a worker that was down on the 1st
catches up later that day or the next; a period made once by the task is not made again.
"""

from __future__ import annotations

from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from anxin.core.periodic import periodic
from anxin.org.models import Unit, User

from . import services
from .periods import Period
from .services import Generated


@periodic("oversight.reports_monthly", every=6 * 3600)
@task
def reports_monthly() -> dict[str, int]:
    return services.scheduled_generate()


@task
def report_on_demand(actor_id: int, unit_id: int, kind: str, day: str) -> int:
    """Make one report a person asked for (checked again here: their rights may have changed)."""
    from datetime import date

    actor = User.objects.get(pk=actor_id, is_active=True)
    unit = Unit.objects.get(pk=unit_id)
    period = services.parse_period(kind, date.fromisoformat(day))
    return len(services.report_generate(actor=actor, unit=unit, period=period).entries)


def report_request(*, actor: User, unit: Unit, period: Period) -> Generated | None:
    """On demand: made now with the in-process task backend (the result), else queued for the
    worker (None; the archive shows it when done). Bad input and missing rights are refused here,
    before anything is queued."""
    services.report_check(actor=actor, unit=unit, period=period)
    if isinstance(report_on_demand.get_backend(), ImmediateBackend):
        return services.report_generate(actor=actor, unit=unit, period=period)
    report_on_demand.enqueue(actor.pk, unit.pk, period.kind, period.start.isoformat())
    return None
