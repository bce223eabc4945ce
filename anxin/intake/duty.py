"""Who leads the duty at a school right now, for urgent reports.

The duty rota is a ledger (anxin.ledgers.patrol), a layer above intake, so intake does not ask it
directly: the rota registers itself here when its app is ready (:func:`provide`). Without a rota,
or with no leader entered for this shift, the answer is empty and the caller falls back to
everyone who holds the 值班人员 role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anxin.org.models import Unit, User

LeadersOnDuty = Callable[["Unit"], list["User"]]

_providers: list[LeadersOnDuty] = []


def provide(source: LeadersOnDuty) -> LeadersOnDuty:
    """Register a source of "the leaders on duty at this school now" (once per source)."""
    if source not in _providers:
        _providers.append(source)
    return source


def leaders_on_duty(school: Unit) -> list[User]:
    """The leaders on duty now by the first source that names any; [] when none does."""
    for source in _providers:
        people = source(school)
        if people:
            return people
    return []
