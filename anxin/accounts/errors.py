"""Codes signing in, passwords, second factors and API tokens answer with."""

from enum import StrEnum


class AccountError(StrEnum):
    # Signing in and tokens.
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED_OUT = "locked_out"
    OTP_REQUIRED = "otp_required"
    OTP_NOT_ENROLLED = "otp_not_enrolled"
    PASSWORD_CHANGE_REQUIRED = "password_change_required"
    # Changing one's password.
    WRONG_PASSWORD = "wrong_password"
    PASSWORD_MISMATCH = "password_mismatch"
    PASSWORD_UNCHANGED = "password_unchanged"
    # The second factor.
    OTP_NO_ENROLMENT = "otp_no_enrolment"
    OTP_INVALID = "otp_invalid"
    OTP_MANDATORY = "otp_mandatory"
    # Outside notification channels on one's profile.
    BAD_CHANNELS = "bad_channels"
    CHANNEL_ADDRESS_MISSING = "channel_address_missing"
    BAD_CHANNEL_ADDRESS = "bad_channel_address"
    BAD_QUIET_HOURS = "bad_quiet_hours"
