"""Background work of the reports upward: last month's reports, made on the 1st.

The job runs every six hours and makes what is missing, so a worker that was down on the 1st
catches up later that day or the next; a period made once by the task is not made again.
"""

from __future__ import annotations

from django_tasks import task

from anxin.core.periodic import periodic

from . import services


@periodic("oversight.reports_monthly", every=6 * 3600)
@task
def reports_monthly() -> dict[str, int]:
    return services.scheduled_generate()
