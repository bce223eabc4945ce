"""Background work of the early warnings (anxin.warnings): the evaluation, every 15 minutes (the
urgent-report rule counts in minutes). ``anxin warnings evaluate`` runs the same evaluation by hand.

It stays at this import path when the rest of the app moved to anxin.warnings: the database task
backend stores the path in every queued row (``anxin.ledgers.warnings.tasks.evaluate_warnings``), and a
row queued before an upgrade must still find its task after it. Nothing else lives in this package.
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
        "failed": len(result.failed),
    }
