"""Triage of bullying report texts (Chinese): urgent-danger signals and kinds of conduct.

    >>> from anxin.intake.triage import triage
    >>> result = triage("他说明天带刀来堵我")
    >>> result.urgent, result.signals, result.kinds
    (True, ['weapon'], ['physical'])

Self-contained: no Django, no database.  The lexicons are plain text in ``data/``.
"""

from __future__ import annotations

from .engine import EXPLANATIONS, TriageResult, get_engine, triage
from .lexicon import KINDS, SIGNALS

__all__ = ["EXPLANATIONS", "KINDS", "SIGNALS", "TriageResult", "get_engine", "triage"]
