"""Codes the ledgers answer with (patrol, gate, hazards, care, education, the shared kit).

Codes that mean what another domain's code means are that domain's: a missing input is
``missing_inputs``, an unknown action ``unknown_action``, a move a hazard's state does not allow
``transition_not_allowed``, a person put in charge who is not staff of the school
``owner_not_staff``, a request body that does not parse ``bad_json`` or ``invalid_input``
(:class:`anxin.core.errors.ErrorCode`); fields that fail the model's checks are
``invalid_fields`` and an entry at something that is not a class ``not_a_class``
(:class:`anxin.org.errors.OrgError`); a date that does not parse ``bad_date`` and an empty text
``text_required`` (:class:`anxin.intake.errors.IntakeError`). Values are part of the API.
"""

from enum import StrEnum


class LedgerError(StrEnum):
    # Every ledger.
    #: The caller writes at several schools and did not say which.
    SCHOOL_REQUIRED = "school_required"
    NOT_A_SCHOOL = "not_a_school"
    #: A period that cannot be read, runs backwards or is too long.
    BAD_PERIOD = "bad_period"
    FUTURE_DATE = "future_date"
    BAD_COUNT = "bad_count"
    TOO_LONG = "too_long"
    #: One of a fixed set of kinds that is not in it (a 1530 talk's length, a key place's kind).
    BAD_KIND = "bad_kind"
    # Patrol: points, check-ins, dormitory rounds, handovers, the rota.
    BAD_TEXT = "bad_text"
    NAME_REQUIRED = "name_required"
    NAME_TOO_LONG = "name_too_long"
    BUILDING_REQUIRED = "building_required"
    BUILDING_TOO_LONG = "building_too_long"
    FLOOR_TOO_LONG = "floor_too_long"
    #: A check-in that asks for a report says what was found.
    FINDING_REQUIRED = "finding_required"
    FINDING_TOO_LONG = "finding_too_long"
    ABSENT_BEDS_TOO_LONG = "absent_beds_too_long"
    ANOMALIES_TOO_LONG = "anomalies_too_long"
    NOTES_TOO_LONG = "notes_too_long"
    BAD_ROUNDS = "bad_rounds"
    #: A patrol point's required frequency: per day, per night or per week.
    BAD_POINT_FREQUENCY = "bad_point_frequency"
    BAD_PLACE_TYPE = "bad_place_type"
    BAD_TIME = "bad_time"
    TIME_IN_FUTURE = "time_in_future"
    PRESENT_OVER_EXPECTED = "present_over_expected"
    BAD_RECEIVER = "bad_receiver"
    NOT_RECEIVER = "not_receiver"
    BAD_SHIFT = "bad_shift"
    BAD_PERSON = "bad_person"
    BAD_FILTER = "bad_filter"
    # Gate: visitors, leave passes, exits, dangerous items.
    #: A whole identity card number where only its last four characters are kept.
    ID_NUMBER_FULL = "id_number_full"
    BAD_ID_LAST4 = "bad_id_last4"
    BAD_HOST = "bad_host"
    MISSING_HOST = "missing_host"
    BAD_LEAVE_SPAN = "bad_leave_span"
    MISSING_STOP_ACTION = "missing_stop_action"
    #: 销假 at a time before the leave began.
    RETURN_BEFORE_START = "return_before_start"
    ALREADY_RETURNED = "already_returned"
    MISSING_DESCRIPTION = "missing_description"
    # Hazards: key places, cameras, screenings, the rectification loop, footage reviews.
    #: Not an active key place of this school (intake's ``bad_place`` is where bullying happened).
    BAD_KEY_PLACE = "bad_key_place"
    BAD_FREQUENCY = "bad_frequency"
    DUPLICATE_PLACE = "duplicate_place"
    BAD_STATUS = "bad_status"
    DUPLICATE_CAMERA = "duplicate_camera"
    BAD_CAMERA = "bad_camera"
    BAD_RESULT = "bad_result"
    PAST_DEADLINE = "past_deadline"
    NOT_TASK_OWNER = "not_task_owner"
    #: Whoever rectified a hazard does not also accept it.
    SAME_PERSON = "same_person"
    FUTURE_PERIOD = "future_period"
    # Care: talks, care plans, the watch list.
    STUDENT_INACTIVE = "student_inactive"
    NAMED_OTHER_SCHOOL = "named_other_school"
    NAMED_SELF = "named_self"
    NO_FOLLOW_UP_PENDING = "no_follow_up_pending"
    PLAN_EXISTS = "plan_exists"
    PLAN_CLOSED = "plan_closed"
    # Education: 1530, class meetings, activities, documents.
    TOPIC_REQUIRED = "topic_required"
    BAD_TYPE = "bad_type"
    BAD_DOCUMENT_KIND = "bad_document_kind"
    #: A document saved with the text of its last version.
    UNCHANGED = "unchanged"
