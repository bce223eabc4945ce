"""The alarm-device webhook: a signed call is an urgent report; anything else is refused and stores nothing."""

from __future__ import annotations

import io
import time
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from anxin.audit.models import AuditEvent
from anxin.core.errors import Invalid, NotFound
from anxin.core.models import Notification
from anxin.intake import events
from anxin.intake.devices import device_register, sign
from anxin.intake.escalation import escalate_due
from anxin.intake.models import Channel, Device, DeviceCall, Report
from anxin.testing import frozen_time

pytestmark = pytest.mark.django_db
BODY = b'{"event":"button"}'


@pytest.fixture
def device(cast):  # noqa: ANN001, ANN201
    return device_register(
        actor=cast.users["safety_officer"], school=cast.school, place="toilet", label="男生宿舍三楼卫生间"
    )


def _call(client, device_id, secret, *, ts=None, body=BODY, signature=None):  # noqa: ANN001, ANN202
    ts = str(int(time.time()) if ts is None else ts)
    headers = {"X-Anxin-Timestamp": ts, "X-Anxin-Signature": signature or sign(secret, ts, body)}
    return client.post(
        f"/api/intake/devices/{device_id}/alarm", body, content_type="application/json", headers=headers
    )


def test_a_signed_call_is_an_urgent_staff_side_report_with_the_place_and_time(
    client, device, cast, django_capture_on_commit_callbacks
):
    dev, secret = device
    with (
        frozen_time(datetime(2026, 3, 2, 22, 40), tick=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _call(client, dev.pk, secret)
    assert response.status_code == 201, response.content
    report = Report.objects.get(pk=response.json()["report"])
    assert (report.channel, report.urgent, report.place, report.school) == (
        Channel.DEVICE,
        True,
        "toilet",
        cast.school,
    )
    assert report.signals == ["device"] and report.receipt_hash
    assert "男生宿舍三楼卫生间" in report.text and "2026-03-02 22:40" in report.text
    told = set(
        Notification.objects.filter(subject_key=f"report:{report.pk}:urgent").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"t_principal", "t_duty_staff"}
    assert AuditEvent.objects.filter(action=events.DEVICE_ALARM, subject_id=str(report.pk)).exists()
    with frozen_time(datetime(2026, 3, 2, 22, 46)):
        assert escalate_due() == 1  # the same urgent path: unacknowledged, it climbs


def _nothing_stored() -> bool:
    return not Report.objects.exists() and not DeviceCall.objects.exists()


def test_a_replayed_call_is_409(client, device):
    dev, secret = device
    ts = int(time.time())
    assert _call(client, dev.pk, secret, ts=ts).status_code == 201
    response = _call(client, dev.pk, secret, ts=ts)
    assert response.status_code == 409
    assert response.json()["code"] == "device_replay" and "重放" in response.json()["message"]
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("bad_signature", 401, "device_bad_signature"),
        ("no_signature", 401, "device_bad_signature"),
        ("non_numeric_timestamp", 401, "device_bad_signature"),
        ("body_changed", 401, "device_bad_signature"),
        ("wrong_device_secret", 401, "device_bad_signature"),
        ("old", 403, "device_stale_timestamp"),
        ("future", 403, "device_stale_timestamp"),
        ("huge_timestamp", 403, "device_stale_timestamp"),
        ("unknown_device", 404, "device_not_found"),
        ("inactive_device", 404, "device_not_found"),
    ],
)
def test_bad_calls_are_refused_in_chinese_and_store_nothing(client, device, case, status, code):
    dev, secret = device
    now = int(time.time())
    if case == "bad_signature":
        response = _call(client, dev.pk, secret, signature="0" * 64)
    elif case == "no_signature":
        response = client.post(f"/api/intake/devices/{dev.pk}/alarm", BODY, content_type="application/json")
    elif case == "non_numeric_timestamp":
        response = _call(client, dev.pk, secret, ts="12a", signature=sign(secret, "12a", BODY))
    elif case == "body_changed":
        response = _call(client, dev.pk, secret, signature=sign(secret, str(now), b"{}"))
    elif case == "wrong_device_secret":
        response = _call(client, dev.pk, "another-secret")
    elif case == "old":
        response = _call(client, dev.pk, secret, ts=now - 330)
    elif case == "future":
        response = _call(client, dev.pk, secret, ts=now + 330)
    elif case == "huge_timestamp":
        response = _call(client, dev.pk, secret, ts=10**30)
    elif case == "unknown_device":
        response = _call(client, dev.pk + 1000, secret)
    else:
        Device.objects.filter(pk=dev.pk).update(active=False)
        response = _call(client, dev.pk, secret)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    assert _nothing_stored()


def test_a_non_numeric_device_id_is_a_4xx(client):
    response = client.post("/api/intake/devices/abc/alarm", BODY, content_type="application/json")
    assert 400 <= response.status_code < 500


def test_secret_is_stored_encrypted(device):
    from django.db import connection

    dev, secret = device
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM intake_device WHERE id = %s", [dev.pk])
        assert secret not in cursor.fetchone()[0]


def test_register_refuses_bad_input_and_outsiders(cast):
    with pytest.raises(Invalid) as exc:
        device_register(actor=None, school=cast.school, place="moon", label="x")
    assert exc.value.code == "device_bad_place"
    with pytest.raises(Invalid) as exc:
        device_register(actor=None, school=cast.school, place="toilet", label="  ")
    assert exc.value.code == "device_bad_label"
    with pytest.raises(NotFound):
        device_register(actor=cast.outsider, school=cast.school, place="toilet", label="一楼")
    with pytest.raises(NotFound):
        device_register(actor=None, school=cast.county, place="toilet", label="一楼")
    assert not Device.objects.exists()


def test_register_command_shows_the_secret_once(cast):
    out = io.StringIO()
    call_command("device_register", cast.school.code, "dormitory", "女生宿舍二楼", stdout=out)
    device = Device.objects.get()
    assert device.secret in out.getvalue() and f"/api/intake/devices/{device.pk}/alarm" in out.getvalue()
    assert AuditEvent.objects.filter(action=events.DEVICE_REGISTERED).count() == 1
    with pytest.raises(CommandError, match="device_bad_place"):
        call_command("device_register", cast.school.code, "moon", "x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="学校代码"):
        call_command("device_register", "nope", "toilet", "x", stdout=io.StringIO())


def test_old_used_signatures_are_pruned(client, device):
    dev, secret = device
    assert _call(client, dev.pk, secret).status_code == 201
    DeviceCall.objects.update(at=datetime(2020, 1, 1).astimezone())
    assert _call(client, dev.pk, secret, ts=int(time.time()) + 1).status_code == 201
    assert DeviceCall.objects.count() == 1
