"""The ledger home page's entries: each area adds what its pages offer to the people who may use them.

An area's ``menu.py`` (optional) defines ``entries(user) -> list[MenuEntry]``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class MenuEntry:
    title: str
    url: str
    icon: str = "journal-text"
    hint: str = ""
    #: A completeness percentage to show beside the entry, when the area computes one.
    percent: int | None = None
