"""The names the audit trail writes about itself (anxin.audit.labels names them in Chinese)."""

from typing import Final

#: The daily signed checkpoint of a chain (anxin.audit.services.audit_checkpoint).
AUDIT_CHECKPOINT: Final = "audit.checkpoint"
#: Written once by migration 0004 (which spells it out: a migration does not import app code).
AUDIT_LEGACY_SEALED: Final = "audit.legacy_sealed"
