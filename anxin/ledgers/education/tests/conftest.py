from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.utils import timezone


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], date]:
    """Freeze the local date the pages and services see."""

    def _set(day: date) -> date:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    return _set
