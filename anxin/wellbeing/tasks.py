"""Background work of 心理筛查: every hour, the concern warnings past their 3 school days."""

from __future__ import annotations

from django_tasks import task

from anxin.core.periodic import periodic

from . import services


@periodic("wellbeing.concern_overdue", every=60 * 60)
@task
def concern_overdue_sweep() -> int:
    return services.concern_overdue_sweep()
