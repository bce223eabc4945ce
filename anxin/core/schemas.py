"""Schemas every app's API shares."""

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """Every error the API answers: a stable code, a message in the user's language, details."""

    code: str
    message: str
    detail: Any = None
