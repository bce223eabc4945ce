"""Codes intake answers with: the 爱心信箱, reports recorded by staff, and their handling."""

from enum import StrEnum


class IntakeError(StrEnum):
    # The request, on the public box.
    EMPTY_BODY = "empty_body"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    TOO_MANY_REPORTS = "too_many_reports"
    NOT_SENT = "not_sent"
    UNAVAILABLE = "unavailable"
    RECEIPT_NOT_FOUND = "receipt_not_found"
    CLIENT_KEY_REUSED = "client_key_reused"
    # What a letter or a recorded report says.
    TEXT_REQUIRED = "text_required"
    TEXT_TOO_SHORT = "text_too_short"
    TEXT_TOO_LONG = "text_too_long"
    BAD_KINDS = "bad_kinds"
    BAD_ABOUT = "bad_about"
    BAD_PLACE = "bad_place"
    BAD_TIME_BAND = "bad_time_band"
    BAD_NAMES = "bad_names"
    BAD_CONTACT = "bad_contact"
    BAD_CHANNEL = "bad_channel"
    BAD_DATE = "bad_date"
    CONTACT_REQUIRED = "contact_required"
    # Photos.
    TOO_MANY_PHOTOS = "too_many_photos"
    PHOTO_TOO_LARGE = "photo_too_large"
    PHOTO_TOO_MANY_PIXELS = "photo_too_many_pixels"
    PHOTO_EMPTY = "photo_empty"
    PHOTO_BAD_TYPE = "photo_bad_type"
    PHOTO_BOMB = "photo_bomb"
    PHOTO_CORRUPT = "photo_corrupt"
    # Handling a report.
    REPORT_NOT_OPEN = "report_not_open"
    REPORT_OTHER_SCHOOL = "report_other_school"
    BAD_MERGE_TARGET = "bad_merge_target"
    #: A re-examination asked for by receipt, before the school opened a case.
    NO_CASE = "no_case"
    #: A line that ``anxin triage`` cannot read (kept: scripts read the command's output).
    INVALID_JSON = "invalid_json"
    # Alarm devices (POST /api/intake/devices/{id}/alarm).
    DEVICE_NOT_FOUND = "device_not_found"
    DEVICE_BAD_SIGNATURE = "device_bad_signature"
    DEVICE_STALE_TIMESTAMP = "device_stale_timestamp"
    DEVICE_REPLAY = "device_replay"
    DEVICE_BAD_PLACE = "device_bad_place"
    DEVICE_BAD_LABEL = "device_bad_label"
