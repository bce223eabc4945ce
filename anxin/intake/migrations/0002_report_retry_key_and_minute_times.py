"""Retry key and sealed receipt; times to the minute; the text fingerprint keyed.

The data step rewrites what is already stored: every time on a report, message and photo is cut
to the minute; the fingerprint of every report is recomputed as an HMAC of its (decrypted) text;
and every encrypted intake value is written again, so that the clear timestamp inside each Fernet
token (now always 0, anxin.core.crypto) no longer tells when it was written. Needs FIELD_ENCRYPTION_KEYS, like the app.
"""

import hashlib
import re
from datetime import UTC

from django.db import migrations, models
from django.db.models.functions import Trunc
from django.utils.crypto import salted_hmac

import anxin.core.fields

BATCH = 500


def _squash(text):
    return re.sub(r"[\W_]+", "", (text or "").lower())


def _keyed(text):
    # The same as anxin.intake.services.fingerprint, frozen here as of this migration.
    return salted_hmac("anxin.intake.fingerprint", _squash(text), algorithm="sha256").hexdigest()


def _plain(text):
    return hashlib.sha256(_squash(text).encode("utf-8")).hexdigest()


def _rewrite(model, fields, fingerprint=None):
    last = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        for row in rows:
            if fingerprint is not None:
                row.fingerprint = fingerprint(row.text)
        # Written back through the encrypted fields: re-encrypted with the timeless tokens.
        model.objects.bulk_update(rows, fields + (["fingerprint"] if fingerprint else []))
        last = rows[-1].pk


def forwards(apps, schema_editor):
    Report = apps.get_model("intake", "Report")
    Message = apps.get_model("intake", "Message")
    Photo = apps.get_model("intake", "Photo")
    minute = {"kind": "minute", "tzinfo": UTC}
    Report.objects.update(created_at=Trunc("created_at", **minute), updated_at=Trunc("updated_at", **minute))
    Message.objects.update(created_at=Trunc("created_at", **minute))
    Photo.objects.update(created_at=Trunc("created_at", **minute))
    _rewrite(Report, ["text", "names_involved", "contact", "reporter_name"], fingerprint=_keyed)
    _rewrite(Message, ["text"])


def backwards(apps, schema_editor):
    _rewrite(apps.get_model("intake", "Report"), [], fingerprint=_plain)


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='report',
            options={'ordering': ['-urgent', '-created_at', '-pk'], 'verbose_name': '举报', 'verbose_name_plural': '举报'},
        ),
        migrations.AddField(
            model_name='report',
            name='client_key_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='report',
            name='receipt_sealed',
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.AlterField(
            model_name='message',
            name='created_at',
            field=anxin.core.fields.MinuteDateTimeField(auto_now_add=True),
        ),
        migrations.AlterField(
            model_name='photo',
            name='created_at',
            field=anxin.core.fields.MinuteDateTimeField(auto_now_add=True),
        ),
        migrations.AlterField(
            model_name='report',
            name='created_at',
            field=anxin.core.fields.MinuteDateTimeField(auto_now_add=True, db_index=True, verbose_name='提交时间'),
        ),
        migrations.AlterField(
            model_name='report',
            name='updated_at',
            field=anxin.core.fields.MinuteDateTimeField(auto_now=True),
        ),
        # Last: once the fields above exist.
        migrations.RunPython(forwards, backwards),
    ]
