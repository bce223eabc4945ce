"""``{% load access %}``: show a link only to whom it would open for.

``user|may:"ledger_1530"`` is the matrix's "may view some of it"; ``user|may:"ledger_talk:record"``
names another action; several resources separated by ``|`` mean any of them
(``user|may:"ledger_talk|ledger_talk:record"``).
"""

from __future__ import annotations

from typing import Any

from django import template

from anxin.access.matrix import allowed

register = template.Library()


@register.filter
def may(user: Any, cells: str) -> bool:
    for cell in cells.split("|"):
        resource, _sep, action = cell.strip().partition(":")
        if allowed(user, resource, action or "view"):
            return True
    return False
