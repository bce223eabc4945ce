from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest


@pytest.fixture
def today(clock: Callable[[datetime | date], None]) -> Callable[[date], date]:
    """Freeze the local date the pages and services see."""

    def _set(day: date) -> date:
        clock(day)
        return day

    return _set
