"""Every write on a case: opening it and taking one action of the workflow table.

``case_act`` is the single entry point for pages, the API and tests: it checks the action exists,
that the caller may take it (404 out of reach, 403 when they can see the case), that the case is in
a state that allows it (409 ``transition_not_allowed``), validates the inputs with the action's
form (422 ``missing_inputs`` naming each field), then locks the case row, checks the state again
(so of two people acting at once exactly one wins) and does the action in one transaction with its
log entries, deadlines, notifications and audit event.
"""

from __future__ import annotations

from .acting import case_act, reexam_apply_by_receipt
from .common import due_words
from .handlers import HANDLERS
from .opening import case_open

__all__ = ["HANDLERS", "case_act", "case_open", "due_words", "reexam_apply_by_receipt"]
