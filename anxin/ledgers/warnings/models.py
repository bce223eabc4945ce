"""The early warnings' models under their old import path; they are defined in anxin.warnings.models."""

from anxin.warnings.models import Rule, Status, SubjectType, Warning, WarningPolicy

__all__ = ["Rule", "Status", "SubjectType", "Warning", "WarningPolicy"]
