from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from anxin.core.crypto import UndecryptableError, reset_field_keys
from anxin.intake.models import Channel, Report

pytestmark = pytest.mark.django_db

OLD, NEW = "old-key-" + "a" * 40, "new-key-" + "b" * 40


def _raw(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM intake_report WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def keys(settings):  # noqa: ANN001, ANN201
    def use(*values: str) -> None:
        settings.FIELD_ENCRYPTION_KEYS = list(values)
        reset_field_keys()

    yield use
    reset_field_keys()


def test_rotation_reencrypts_with_the_new_key(cast, keys):
    keys(OLD)
    report = Report.objects.create(
        school=cast.school, channel=Channel.HOTLINE, text="他们抢走了我的饭卡", fingerprint="f"
    )
    before = _raw(report.pk)
    keys(NEW, OLD)
    assert Report.objects.get(pk=report.pk).text == "他们抢走了我的饭卡"  # old rows still readable
    call_command("rotate_keys")
    assert _raw(report.pk) != before
    keys(NEW)  # the old key is gone now
    assert Report.objects.get(pk=report.pk).text == "他们抢走了我的饭卡"


def test_without_the_key_the_text_is_unreadable(cast, keys):
    keys(OLD)
    report = Report.objects.create(
        school=cast.school, channel=Channel.HOTLINE, text="秘密内容很长很长", fingerprint="f"
    )
    keys(NEW)
    with pytest.raises(UndecryptableError):
        Report.objects.get(pk=report.pk)
    with pytest.raises(UndecryptableError):  # rotation stops rather than re-encrypting a token
        call_command("rotate_keys")
