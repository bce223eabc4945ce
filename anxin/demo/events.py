"""The name the demo city writes to the audit trail (anxin.audit.labels names it in Chinese)."""

from typing import Final

DEMO_LOADED: Final = "demo.loaded"
