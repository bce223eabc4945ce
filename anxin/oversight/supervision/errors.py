"""Codes supervision answers with. A missing input is ``missing_inputs``, an unknown action
``unknown_action``, a move the order's state does not allow ``transition_not_allowed``
(:class:`anxin.core.errors.ErrorCode`). Values are part of the API."""

from enum import StrEnum


class SupervisionError(StrEnum):
    #: The order's deadline is before today.
    ORDER_DEADLINE_PAST = "order_deadline_past"
    #: An extension must move the deadline later.
    ORDER_DEADLINE_NOT_LATER = "order_deadline_not_later"
    #: The deadline or another date does not parse.
    SUPERVISION_BAD_DATE = "supervision_bad_date"
    #: An order needs at least one item, each with text.
    ORDER_ITEMS_INVALID = "order_items_invalid"
    ORDER_LEVEL_INVALID = "order_level_invalid"
    #: A school chosen is not one the caller may act on (or not a school at all).
    SUPERVISION_BAD_SCHOOL = "supervision_bad_school"
    #: An evidence file that is neither an image nor a PDF, or too large.
    EVIDENCE_INVALID = "evidence_invalid"
    #: A visit's checklist names an unknown item or an unknown finding.
    CHECKLIST_INVALID = "checklist_invalid"
    VISIT_DATE_FUTURE = "visit_date_future"
    #: The person to assign does not hold the inspector role over that school.
    NOT_AN_INSPECTOR = "not_an_inspector"
    INSPECTOR_ALREADY_ASSIGNED = "inspector_already_assigned"
    #: A 通报 may be issued only by a county or city bureau.
    NOTICE_UNIT_INVALID = "notice_unit_invalid"
    NOTICE_ALREADY_READ = "notice_already_read"
    #: Scorecard weights and thresholds that do not validate.
    SCORECARD_POLICY_INVALID = "scorecard_policy_invalid"
    #: The term asked for does not parse.
    SCORECARD_BAD_TERM = "scorecard_bad_term"
