"""Codes the organisation answers with: units, schools, staff, students and their imports."""

from enum import StrEnum


class OrgError(StrEnum):
    # Units and schools.
    INVALID_FIELDS = "invalid_fields"
    PARENT_REQUIRED = "parent_required"
    WRONG_UNIT_KIND = "wrong_unit_kind"
    DUPLICATE_CODE = "duplicate_code"
    BAD_STAGE = "bad_stage"
    #: A change names fields that may not be changed this way.
    BAD_FIELDS = "bad_fields"
    # Students.
    NOT_A_CLASS = "not_a_class"
    DUPLICATE_STUDENT_NO = "duplicate_student_no"
    OTHER_SCHOOL = "other_school"
    BAD_KEY_GROUP = "bad_key_group"
    #: A student picker asked for suggestions for a purpose that offers none (the gate's look-ups).
    UNKNOWN_PURPOSE = "unknown_purpose"
    REASON_TOO_LONG = "reason_too_long"
    # Staff and their roles.
    USERNAME_REQUIRED = "username_required"
    DUPLICATE_USERNAME = "duplicate_username"
    BAD_ROLE = "bad_role"
    WRONG_UNIT_FOR_ROLE = "wrong_unit_for_role"
    # Imports from a workbook.
    IMPORT_NOT_WORKBOOK = "import_not_workbook"
    IMPORT_EMPTY = "import_empty"
    IMPORT_TOO_LARGE = "import_too_large"
    IMPORT_BAD_HEADER = "import_bad_header"
    IMPORT_ROW_ERRORS = "import_row_errors"
    IMPORT_CONFLICT = "import_conflict"
