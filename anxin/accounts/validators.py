"""Password rules Django lacks for Chinese accounts, with messages in Chinese.

Django's similarity check compares whole strings and so misses a two-character Chinese name inside
a longer password; its minimum-length message has no Chinese translation (a plural form).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}


def _distinctive(part: str) -> bool:
    """Long enough to mean something: a Chinese name of two characters, four for Latin letters or digits."""
    return len(part) >= (4 if part.isascii() else 2)


class PersonalInfoValidator:
    """The password may not contain the username, the person's name or their phone number."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        lowered = password.lower()
        parts = [
            str(getattr(user, "username", "") or "").lower(),
            str(getattr(user, "full_name", "") or ""),
            str(getattr(user, "phone", "") or "")[-8:],
        ]
        if any(_distinctive(part) and part in lowered for part in parts):
            raise ValidationError(self.get_error_message(), code="password_contains_personal_info")

    def get_error_message(self) -> str:
        return _("密码不能包含您的用户名、姓名或手机号。")

    def get_help_text(self) -> str:
        return _("密码不能包含您的用户名、姓名或手机号。")
