"""Key the audit chain (HMAC with AUDIT_HMAC_KEYS) and drop the head row.

- ``key_id`` names the key that signed an event; the events already there keep it empty and verify
  as the plain SHA-256 chain they were written as.
- Each chain holding such legacy events is sealed with one keyed event (``audit.legacy_sealed``)
  that links to its last one. ``anxin audit verify`` then refuses a chain that has legacy events
  but no keyed event after them, so rewriting a whole chain in the old, unkeyed form is caught.
- The head row goes: the head is the last event, read under a lock (services._lock_chain), so the
  application's database role needs no UPDATE on any audit table. Before it goes, it must agree
  with the last event: a head that says more events than there are means the end of the chain was
  deleted, and the migration stops rather than forget it.
- SQLite adds the column by rebuilding the table, which drops its append-only triggers: they are
  created again straight after.
"""

import importlib

from django.db import migrations, models
from django.utils import timezone

from anxin.audit.signing import GENESIS_HASH, event_hash, keyring


def recreate_sqlite_triggers(apps, schema_editor):
    """SQLite adds the column by copying the table into a new one, which loses its triggers."""
    if schema_editor.connection.vendor != "sqlite":
        return
    append_only = importlib.import_module("anxin.audit.migrations.0003_append_only")
    for sql in append_only.SQLITE_REVERSE:
        schema_editor.execute(sql.replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS"))
    for sql in append_only.SQLITE:
        schema_editor.execute(sql)


def seal_legacy_chains(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditHead = apps.get_model("audit", "AuditHead")
    heads = {h.chain: h for h in AuditHead.objects.all()}
    chains = set(heads) | set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    for chain in sorted(chains):
        last = AuditEvent.objects.filter(chain=chain).order_by("-seq").first()
        tail_seq, tail_hash = (last.seq, last.hash) if last else (0, GENESIS_HASH)
        head = heads.get(chain)
        if head is not None and (head.last_seq, head.last_hash) != (tail_seq, tail_hash):
            raise RuntimeError(
                f"audit chain {chain}: the head row says #{head.last_seq} but the last event is #{tail_seq}; "
                "events were deleted from the end of the chain. Run `anxin audit verify` on the old "
                "version and investigate before upgrading."
            )
        if last is None or last.key_id:
            continue
        ring = keyring()
        seal = AuditEvent(
            chain=chain,
            seq=tail_seq + 1,
            at=timezone.now(),
            actor_label="系统",
            unit_path="",
            action="audit.legacy_sealed",
            subject_type="audit.chain",
            subject_id=chain,
            subject_label=chain,
            before=None,
            after={"legacy_events": tail_seq, "last_legacy_hash": tail_hash},
            request_id="",
            prev_hash=tail_hash,
            key_id=ring.newest_id,
        )
        seal.hash = event_hash(seal, ring)
        seal.save(force_insert=True)


def restore_heads(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditHead = apps.get_model("audit", "AuditHead")
    for chain in AuditEvent.objects.values_list("chain", flat=True).distinct():
        last = AuditEvent.objects.filter(chain=chain).order_by("-seq").first()
        AuditHead.objects.update_or_create(chain=chain, defaults={"last_seq": last.seq, "last_hash": last.hash})


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, recreate_sqlite_triggers),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
        migrations.RunPython(seal_legacy_chains, restore_heads),
        migrations.DeleteModel(name="AuditHead"),
    ]
