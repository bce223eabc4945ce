"""Model fields shared by the domains."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import models
from django.db.models.expressions import Combinable


def to_minute(moment: datetime) -> datetime:
    """``moment`` without its seconds: the time an anonymous reporter's act is kept at."""
    return moment.replace(second=0, microsecond=0)


class MinuteDateTimeField(models.DateTimeField[str | datetime | date | Combinable, datetime]):
    """A time stored to the minute, whoever sets it (auto_now, auto_now_add or code).

    For rows that tell when an anonymous reporter did something (a report, its messages and
    photos, the notices about them): the seconds could be matched against a school's Wi-Fi or
    camera logs.
    """

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if isinstance(value, datetime):
            value = to_minute(value)
            setattr(model_instance, self.attname, value)
        return value
