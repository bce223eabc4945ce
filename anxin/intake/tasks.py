"""Background work of the intake: chasing unacknowledged urgent reports up the duty chain."""

from __future__ import annotations

from anxin.core.periodic import periodic

from .escalation import escalate_due


@periodic("intake.escalate", every=60)
def escalate() -> int:
    """Alert the next people on the duty chain for urgent reports nobody acknowledged (each minute)."""
    return escalate_due()
