"""Codes the case procedure answers with (see also docs/cases.md).

The procedure's general refusals (``unknown_action``, ``transition_not_allowed``,
``missing_inputs``, ``owner_not_staff``) are shared with intake and live in
:class:`anxin.core.errors.ErrorCode`; a report already handled is intake's ``report_not_open``.
"""

from enum import StrEnum


class CaseError(StrEnum):
    #: The step's preconditions beyond its state are not met (each reason in ``detail``).
    CASE_NOT_READY = "case_not_ready"
    COMMITTEE_MISSING = "committee_missing"
    QUORUM_NOT_MET = "quorum_not_met"
    APPEAL_LATE = "appeal_late"
    NOT_A_PARTY = "not_a_party"
    PARTY_EXISTS = "party_exists"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    MEASURE_DONE = "measure_done"
    # Deadline policies.
    POLICY_INVALID = "policy_invalid"
    POLICY_UNIT = "policy_unit"
