"""What the public pages may learn of the case a report became part of, and the one thing a
reporter may do to it (apply for re-examination).

Cases are a layer above intake, so the box does not import them: anxin.cases registers a
:class:`CaseLink` here when its app is ready. Without one, a report never shows a case and an
application for re-examination is refused as "no case yet".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from anxin.core.errors import NotFound

if TYPE_CHECKING:
    from .models import PublicStatus, Report


@dataclass(frozen=True)
class CaseProgress:
    """Where the case stands, in words a reporter may read: nobody's details."""

    #: The reporter's four steps (intake's PublicStatus) the case state falls on.
    status: PublicStatus
    #: The case state's public words (cases.states.PUBLIC_WORDS).
    words: str
    case_status: str
    #: "open" when the reporter may apply for re-examination here, "late" when the window has passed.
    reexam: str = ""
    #: The last day to apply, when the school has delivered the finding.
    appeal_due: date | None = None


class CaseLink(Protocol):
    def progress(self, report: Report) -> CaseProgress | None:
        """The case the report (or the one it was merged into) is part of, read afresh; None if none."""

    def apply_reexam(self, report: Report, reason: str) -> None:
        """The reporter applies for re-examination; NotFound when there is no case to re-examine."""


class _NoCases:
    def progress(self, report: Report) -> CaseProgress | None:
        return None

    def apply_reexam(self, report: Report, reason: str) -> None:
        raise NotFound()


_link: CaseLink = _NoCases()


def register(link: CaseLink) -> None:
    global _link
    _link = link


def case_link() -> CaseLink:
    return _link
