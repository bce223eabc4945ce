"""Background work of supervision: overdue rectification orders are reported to the issuer and the
county administrators, once per order (the same cadence as the cases' deadline sweep)."""

from __future__ import annotations

from django_tasks import task

from anxin.core.periodic import periodic

from .services import escalate_overdue


@periodic("oversight.order_escalation", every=15 * 60)
@task
def order_escalation() -> int:
    return escalate_overdue()
