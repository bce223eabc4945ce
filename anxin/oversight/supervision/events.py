"""The names supervision writes to the audit trail (anxin.audit.labels names them in Chinese)."""

from typing import Final

SCORECARD_POLICY_SET: Final = "supervision.scorecard_policy_set"
INSPECTOR_ASSIGNED: Final = "supervision.inspector_assigned"
INSPECTOR_UNASSIGNED: Final = "supervision.inspector_unassigned"
VISIT_RECORDED: Final = "supervision.visit_recorded"
VISIT_PHOTO_ADDED: Final = "supervision.visit_photo_added"
ORDER_ISSUED: Final = "supervision.order_issued"
ORDER_RESPONDED: Final = "supervision.order_responded"
ORDER_CLOSED: Final = "supervision.order_closed"
ORDER_SENT_BACK: Final = "supervision.order_sent_back"
ORDER_EXTENDED: Final = "supervision.order_extended"
ORDER_CANCELLED: Final = "supervision.order_cancelled"
#: The overdue sweep told the issuer and the county administrators (once per order).
ORDER_ESCALATED: Final = "supervision.order_escalated"
INTERVIEW_RECORDED: Final = "supervision.interview_recorded"
NOTICE_ISSUED: Final = "supervision.notice_issued"
NOTICE_READ: Final = "supervision.notice_read"

#: The audit event of each step of an order's loop.
ORDER_STEP_EVENTS: Final = {
    "respond": ORDER_RESPONDED,
    "close": ORDER_CLOSED,
    "send_back": ORDER_SENT_BACK,
    "cancel": ORDER_CANCELLED,
}
