"""Housekeeping of the background tasks themselves."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .periodic import periodic

#: Finished task results are kept this long for looking into a failure, then deleted.
KEEP_RESULTS_DAYS = 14


@periodic("core.prune_task_results", every=24 * 3600)
@task
def prune_task_results() -> int:
    """Delete finished results of the database task backend older than two weeks (daily)."""
    if settings.TASKS.get("default", {}).get("BACKEND") != "django_tasks_db.DatabaseBackend":
        return 0  # the in-process backend keeps no results
    from django_tasks_db.models import DBTaskResult

    old = timezone.now() - timedelta(days=KEEP_RESULTS_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lte=old).delete()
    return deleted


@periodic("core.deliveries_retry", every=30)
@task
def deliveries_retry() -> int:
    """Send the outside messages whose retry is due (exponential backoff, anxin.core.delivery)."""
    from .delivery import deliveries_due

    return deliveries_due()
