"""The names intake writes to the audit trail (anxin.audit.labels names them in Chinese)."""

from typing import Final

#: A letter came in through the 爱心信箱 (no actor: the reporter is anonymous).
REPORT_RECEIVED: Final = "report.received"
#: Staff recorded a report from the hotline, a visit or what they saw.
REPORT_RECORDED: Final = "report.recorded"
#: The reporter wrote again, by receipt. The name predates this module; it stays as written.
REPORT_REPORTER_MESSAGE: Final = "report.reporter_message"
REPORT_VIEWED: Final = "report.viewed"
REPORT_ACKNOWLEDGED: Final = "report.acknowledged"
REPORT_ASSIGNED: Final = "report.assigned"
REPORT_REPLIED: Final = "report.replied"
REPORT_MERGED: Final = "report.merged"
REPORT_ACCEPTED: Final = "report.accepted"
REPORT_CLOSED: Final = "report.closed"
POSTER_PRINTED: Final = "poster.printed"
#: Nobody acknowledged an urgent report in time: the next people on the duty chain were alerted.
REPORT_ESCALATED: Final = "report.escalated"
#: An alarm device (一键报警, voice terminal) called: an urgent report was made from it.
DEVICE_ALARM: Final = "device.alarm"
DEVICE_REGISTERED: Final = "device.registered"
