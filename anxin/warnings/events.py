"""The names the early warnings write to the audit trail (anxin.audit.labels names them in Chinese).

A person's action on a warning is written after the action's name (acknowledge, act, dismiss), as
the case procedure's steps are, so that the trail keeps one name per action.
"""

from typing import Final

#: The evaluation raised a warning at a school.
WARNING_RAISED: Final = "ledger_warning.raised"
#: The evaluation closed reminders whose duty is done (the round made up, the pupil back…).
WARNING_RESOLVED: Final = "ledger_warning.resolved"
WARNING_ACKNOWLEDGED: Final = "ledger_warning.acknowledge"
WARNING_ACTED_ON: Final = "ledger_warning.act"
WARNING_DISMISSED: Final = "ledger_warning.dismiss"

#: Each action a person may take on a warning, and its event.
ACTION_EVENTS: Final = {
    "acknowledge": WARNING_ACKNOWLEDGED,
    "act": WARNING_ACTED_ON,
    "dismiss": WARNING_DISMISSED,
}
