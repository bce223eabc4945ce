"""Upgrading a deployed database: its unkeyed events still verify, and the chain is sealed with a key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.audit.services import audit_record, audit_verify
from anxin.audit.signing import GENESIS_HASH, event_hash, keyring
from anxin.testing import allow_audit_flush

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("audit", "0003_append_only")]


@pytest.fixture
def old_schema() -> Iterator[StateApps]:
    """The audit app as deployed before the chain was keyed; migrated forward again afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    allow_audit_flush()


def _legacy_events(apps: StateApps, n: int, *, head_seq: int | None = None) -> str:
    """``n`` events written by the old code (plain SHA-256, a head row); returns the last hash."""
    event_model = apps.get_model("audit", "AuditEvent")
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        event = event_model(
            chain="main",
            seq=seq,
            at=timezone.now(),
            actor_label="系统",
            unit_path="",
            action=f"legacy.{seq}",
            subject_type="",
            subject_id="",
            subject_label="",
            before=None,
            after={"n": seq},
            request_id="",
            prev_hash=prev,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
        prev = event.hash
    apps.get_model("audit", "AuditHead").objects.update_or_create(
        chain="main", defaults={"last_seq": n if head_seq is None else head_seq, "last_hash": prev}
    )
    return prev


def _migrate_forward() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_upgrade_keeps_legacy_events_verifiable_and_seals_them(old_schema: StateApps) -> None:
    last_legacy = _legacy_events(old_schema, 4)
    _migrate_forward()

    seal = AuditEvent.objects.get(seq=5)
    assert seal.action == "audit.legacy_sealed"
    assert seal.prev_hash == last_legacy
    assert seal.key_id == keyring().newest_id
    assert audit_record(actor=None, action="after.upgrade").seq == 6
    result = audit_verify()
    assert (result.ok, result.checked, result.legacy) == (True, 6, 4)


def test_upgrade_stops_when_the_head_says_the_chain_was_cut(old_schema: StateApps) -> None:
    _legacy_events(old_schema, 4, head_seq=7)
    with pytest.raises(RuntimeError, match="head row says #7 but the last event is #4"):
        _migrate_forward()
    # Leave the database usable for the fixture's own migration forward.
    old_schema.get_model("audit", "AuditHead").objects.filter(chain="main").update(last_seq=4)
