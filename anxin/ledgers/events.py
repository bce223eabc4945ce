"""The names the ledgers write to the audit trail (anxin.audit.labels names them in Chinese).

The trail is append-only, so each name stays as it was first written, whatever its prefix
(``ledger.patrol.``, ``ledger_gate.``, ``hazard.``…): the constants below give them one place and
a name that says what happened.
"""

from typing import Final

#: A paper form was printed, blank or filled (anxin.ledgers.printing).
FORM_PRINTED: Final = "ledger.form_printed"

# Patrol.
PATROL_SETTINGS_SET: Final = "ledger.patrol.settings_set"
PATROL_POINT_CREATED: Final = "ledger.patrol.point_created"
#: A patrol point was switched on or off.
PATROL_POINT_ACTIVE_SET: Final = "ledger.patrol.point_active"
PATROL_POINT_DUTY_SET: Final = "ledger.patrol.point_duty"
PATROL_CHECKED_IN: Final = "ledger.patrol.checkin"
PATROL_DORM_ROUND_RECORDED: Final = "ledger.patrol.dorm_round"
PATROL_HANDED_OVER: Final = "ledger.patrol.handover"
PATROL_HANDOVER_CONFIRMED: Final = "ledger.patrol.handover_confirmed"
PATROL_DUTY_ADDED: Final = "ledger.patrol.duty_added"
PATROL_DUTY_REMOVED: Final = "ledger.patrol.duty_removed"

# Gate.
GATE_VISITOR_RECORDED: Final = "ledger_gate.visitor_recorded"
GATE_VISITOR_LEFT: Final = "ledger_gate.visitor_out"
GATE_LEAVE_APPROVED: Final = "ledger_gate.leave_approved"
GATE_LEAVE_RETURNED: Final = "ledger_gate.leave_returned"
GATE_EXIT_RECORDED: Final = "ledger_gate.exit_recorded"
GATE_ITEM_RECORDED: Final = "ledger_gate.item_recorded"

# Hazards.
HAZARD_PLACE_CREATED: Final = "hazard_place.created"
HAZARD_CAMERA_CREATED: Final = "hazard_camera.created"
HAZARD_CAMERA_STATUS_SET: Final = "hazard_camera.status"
HAZARD_SCREENING_RECORDED: Final = "hazard_screening.recorded"
#: Someone watched recorded footage (录像回看), not the review of a rectification (HAZARD_ACCEPTED).
HAZARD_FOOTAGE_REVIEWED: Final = "hazard_review.recorded"
#: A hazard was found, by a screening or reported directly (发现).
HAZARD_REPORTED: Final = "hazard.reported"
# The steps of the rectification loop are named after the step (anxin.ledgers.hazards.models.HazardAction).
HAZARD_STARTED: Final = "hazard.start"
HAZARD_RECTIFIED: Final = "hazard.rectify"
HAZARD_ACCEPTED: Final = "hazard.accept"
HAZARD_REJECTED: Final = "hazard.reject"

#: Each step of the rectification loop, and its event.
HAZARD_STEP_EVENTS: Final = {
    "start": HAZARD_STARTED,
    "rectify": HAZARD_RECTIFIED,
    "accept": HAZARD_ACCEPTED,
    "reject": HAZARD_REJECTED,
}

# Care.
TALK_RECORDED: Final = "ledger_talk.recorded"
#: A talk's content was read (it is kept from all but the talker, the class teacher and the counsellor).
TALK_CONTENT_VIEWED: Final = "ledger_talk.content_viewed"
TALK_CONTENT_LISTED: Final = "ledger_talk.content_listed"
TALK_FOLLOWED_UP: Final = "ledger_talk.followed_up"
CARE_PLAN_RECORDED: Final = "ledger_care_plan.recorded"
CARE_PLAN_REVIEWED: Final = "ledger_care_plan.reviewed"
WATCH_RECORDED: Final = "ledger_watch.recorded"

# Education.
SESSION_1530_RECORDED: Final = "ledger.education.1530_recorded"
CLASS_MEETING_RECORDED: Final = "ledger.education.meeting_recorded"
ACTIVITY_RECORDED: Final = "ledger.education.activity_recorded"
DOCUMENT_VERSION_ADDED: Final = "ledger.education.document_version_added"
