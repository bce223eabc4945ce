"""Background work of the early warnings: the evaluation, every 15 minutes (the urgent-report rule
counts in minutes). ``anxin warnings evaluate`` runs the same evaluation by hand."""

from __future__ import annotations

from django_tasks import task

from anxin.core.periodic import periodic

from .services import evaluate_all


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
