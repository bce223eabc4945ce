"""Background work of the 舆情 register: every 15 minutes, tell the county of events past 24 hours."""

from __future__ import annotations

from django_tasks import task

from anxin.core.periodic import periodic

from . import services


@periodic("oversight.opinion_overdue", every=15 * 60)
@task
def opinion_overdue_sweep() -> int:
    return services.overdue_sweep()
