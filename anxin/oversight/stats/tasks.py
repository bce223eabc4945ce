"""Background work of the count table: yesterday and today recounted every hour.

Hourly, not every few minutes: the dashboards are for a bureau's morning and a duty room's screen,
and a recount of every school's two days reads each source once. Older days change only through
``anxin oversight_backfill`` (late edits to old records are rare and the backfill repairs them).
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from anxin.core.periodic import periodic

from .selectors import warm_dashboards
from .services import rebuild_recent


@periodic("oversight.stats_rebuild", every=60 * 60)
@task
def stats_rebuild() -> dict[str, int]:
    result = rebuild_recent()
    # The rebuild made every cached dashboard stale: compute the bureaus' default ones again now,
    # rather than on their administrators' first page.
    warmed = warm_dashboards(timezone.localdate())
    return {"days": result.days, "rows": result.rows, "schools": result.schools, "warmed": warmed}
