"""The names accounts and API tokens write to the audit trail (anxin.audit.labels names them)."""

from typing import Final

ACCOUNT_PASSWORD_CHANGED: Final = "account.password_changed"
ACCOUNT_OTP_ENROLLED: Final = "account.otp_enrolled"
ACCOUNT_OTP_REMOVED: Final = "account.otp_removed"
ACCOUNT_RECOVERY_CODES_RENEWED: Final = "account.recovery_codes_renewed"
AUTH_TOKEN_ISSUED: Final = "auth.token_issued"
AUTH_TOKEN_REVOKED: Final = "auth.token_revoked"
#: Every token of one person, at once (a password change, an administrator's decision).
AUTH_TOKENS_REVOKED: Final = "auth.tokens_revoked"
#: One changed where their alerts go outside the platform (channels, addresses, quiet hours).
ACCOUNT_CHANNELS_CHANGED: Final = "account.channels_changed"
