"""Background work of the early warnings (anxin.warnings): the evaluation, every 15 minutes (the
urgent-report rule counts in minutes). ``anxin warnings evaluate`` runs the same evaluation by hand.

A row the database task backend queued before the warnings became their own app names the old
path (anxin.ledgers.warnings.tasks) and fails once after the upgrade; the next run 15 minutes
later does the same work, since an evaluation is idempotent.
"""

from __future__ import annotations

from django_tasks import task

from anxin.core.periodic import periodic
from anxin.warnings.services import evaluate_all


@periodic("warnings.evaluate", every=15 * 60)
@task
def evaluate_warnings() -> dict[str, int]:
    result = evaluate_all()
    return {
        "schools": result.schools,
        "created": result.created,
        "merged": result.merged,
        "suppressed": result.suppressed,
        "resolved": result.resolved,
        "failed": len(result.failed),
    }
