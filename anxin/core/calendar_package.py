"""What the installed ``chinese-calendar`` package knows (the years before anyone enters one)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache


@lru_cache(maxsize=256)
def package_knows(year: int) -> bool:
    """Whether the installed chinese-calendar has data for ``year``."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def package_years() -> tuple[int, int]:
    """The first and last year the installed chinese-calendar knows."""
    import chinese_calendar

    years = {d.year for d in chinese_calendar.holidays}
    return min(years), max(years)
