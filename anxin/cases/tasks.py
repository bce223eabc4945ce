"""Background work of the cases: the deadline sweep, every 15 minutes (a reminder or an escalation
is due from the first minutes of its day). ``anxin cases sweep`` runs the same sweep by hand."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from anxin.core.periodic import periodic

from .sweep import sweep


@periodic("cases.deadline_sweep", every=15 * 60)
@task
def deadline_sweep() -> dict[str, Any]:
    return sweep().as_dict()
