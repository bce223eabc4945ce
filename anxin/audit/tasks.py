"""The daily checkpoint of the audit chain (``anxin audit checkpoint`` by hand): a signed line of each
chain's head appended to AUDIT_CHECKPOINT_FILE and sent to the city administrators. When the chain does
not verify, no line is written and the city administrators are alerted instead."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from anxin.core.periodic import periodic

from .services import AuditCheckpointRefused, audit_alarm, audit_checkpoint

log = logging.getLogger(__name__)


@periodic("audit.checkpoint", every=24 * 60 * 60)
@task
def daily_checkpoint() -> dict[str, Any]:
    try:
        made = audit_checkpoint()
    except AuditCheckpointRefused as exc:
        log.error("审计检查点未写入：%s", exc.message)
        result = exc.result
        key = (
            f"{result.chain}:{result.broken_seq}:{result.reason}" if result is not None else "checkpoint-file"
        )
        audit_alarm(exc.message, key=key)
        return {"ok": False, "problem": exc.message}
    return {"ok": True, "checkpoints": [cp.line() for cp in made]}
