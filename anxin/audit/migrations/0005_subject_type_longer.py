"""Audit subject types up to 100 characters (the oversight apps' model labels are longer than 40).

Only PostgreSQL enforces a varchar's length, and widening it there is a catalogue change. On SQLite an
AlterField would copy the table into a new one and drop the append-only triggers of 0003, so there the
change is the model state's only: SQLite never checked the 40.
"""

from django.db import migrations, models


def widen(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditevent ALTER COLUMN subject_type TYPE varchar(100)")


def narrow(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditevent ALTER COLUMN subject_type TYPE varchar(40)")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_keyed_chain_without_head"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="subject_type",
                    field=models.CharField(blank=True, max_length=100, verbose_name="对象类型"),
                ),
            ],
            database_operations=[migrations.RunPython(widen, narrow)],
        ),
    ]
