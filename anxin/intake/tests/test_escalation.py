"""Urgent reports climb the duty chain until someone acknowledges them: once per step, with a frozen clock."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.core import channels
from anxin.core.models import ChannelSettings, Delivery, Notification
from anxin.core.tests.fakehttp import fake_server
from anxin.intake import events, services
from anxin.intake.escalation import escalate_due
from anxin.intake.models import Escalation
from anxin.testing import frozen_time

KNIFE = "宿舍两个室友每天晚上打我，还说明天带刀来收拾我，我叫张小明"
START = datetime(2026, 3, 2, 22, 40)


def _urgent(cast):  # noqa: ANN001, ANN202
    return services.report_submit(school_code=cast.school.code, text=KNIFE).report


def _told(report, step):  # noqa: ANN001, ANN202
    key = f"report:{report.pk}:urgent" + (f":{step}" if step else "")
    return set(Notification.objects.filter(subject_key=key).values_list("user__username", flat=True))


@pytest.mark.django_db
def test_unacknowledged_urgent_report_climbs_the_chain_once_per_step(cast):
    with frozen_time(START):
        report = _urgent(cast)
    assert _told(report, 0) == {"t_principal", "t_duty_staff"}
    with frozen_time(START + timedelta(minutes=4, seconds=59)):
        assert escalate_due() == 0
    with frozen_time(START + timedelta(minutes=5)):
        assert escalate_due() == 1
        assert escalate_due() == 0  # idempotent
    assert _told(report, 1) == {"t_principal", "t_vice_principal"}
    with frozen_time(START + timedelta(minutes=10)):
        assert escalate_due() == 1
    assert _told(report, 2) == {"t_county_admin", "t_inspector"}
    with frozen_time(START + timedelta(minutes=30)):
        assert escalate_due() == 0  # the county was the last step
    steps = list(Escalation.objects.filter(report=report).values_list("step", flat=True))
    assert steps == [0, 1, 2]
    trail = AuditEvent.objects.filter(action=events.REPORT_ESCALATED, subject_id=str(report.pk))
    assert [e.after["step"] for e in trail.order_by("seq")] == [1, 2]


@pytest.mark.django_db
def test_acknowledging_stops_the_climb_and_clears_every_step(cast):
    with frozen_time(START):
        report = _urgent(cast)
    with frozen_time(START + timedelta(minutes=5)):
        escalate_due()
    with frozen_time(START + timedelta(minutes=6)):
        services.report_acknowledge(actor=cast.users["vice_principal"], report=report)
    with frozen_time(START + timedelta(minutes=10)):
        assert escalate_due() == 0
    assert not Notification.objects.filter(subject_key__startswith=f"report:{report.pk}:urgent", read_at=None)


@pytest.mark.django_db
def test_a_late_worker_makes_all_missed_steps_in_order(cast):
    with frozen_time(START):
        report = _urgent(cast)
    with frozen_time(START + timedelta(minutes=12)):
        assert escalate_due() == 2
    assert _told(report, 2) == {"t_county_admin", "t_inspector"}


@pytest.mark.django_db
def test_ordinary_reports_are_never_escalated(cast):
    with frozen_time(START):
        services.report_submit(school_code=cast.school.code, text="班上有人一直叫我外号，还把我的书撕了")
    with frozen_time(START + timedelta(hours=1)):
        assert escalate_due() == 0
    assert not Escalation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_make_each_step_exactly_once(cast_tx):
    with frozen_time(START):
        report = _urgent(cast_tx)
    barrier, made, errors = threading.Barrier(2), [], []

    def worker() -> None:
        try:
            with frozen_time(START + timedelta(minutes=11)):
                barrier.wait()
                made.append(escalate_due())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(made) == 2
    assert sorted(Escalation.objects.filter(report=report).values_list("step", flat=True)) == [0, 1, 2]
    assert AuditEvent.objects.filter(action=events.REPORT_ESCALATED).count() == 2
    assert Notification.objects.filter(subject_key=f"report:{report.pk}:urgent:2").count() == 2


@pytest.mark.django_db
def test_outside_messages_carry_the_school_and_a_link_never_the_childs_words(
    cast, settings, django_capture_on_commit_callbacks
):
    channels.forget_tokens()
    settings.NOTIFY_CHANNELS = ["dingtalk"]
    settings.ANXIN_PUBLIC_BASE_URL = "https://anxin.example.cn"
    ChannelSettings.objects.create(user=cast.users["principal"], channels=["dingtalk"], dingtalk_token="dt")
    ChannelSettings.objects.create(
        user=cast.users["county_admin"], channels=["dingtalk"], dingtalk_token="county"
    )
    with fake_server() as fake:
        settings.DINGTALK_API_BASE = fake.url
        with django_capture_on_commit_callbacks(execute=True), frozen_time(START):
            report = _urgent(cast)
        with django_capture_on_commit_callbacks(execute=True), frozen_time(START + timedelta(minutes=10)):
            escalate_due()
    texts = [s.json()["text"]["content"] for s in fake.seen]
    link = "https://anxin.example.cn" + reverse("intake:report", args=[report.pk])
    assert (
        texts == [f"{cast.school.name}有一条紧急举报待处理\n{link}"] * 3
    )  # principal at 0 and 1, county at 2
    assert all("张小明" not in t and "刀" not in t for t in texts)
    assert Delivery.objects.filter(status="sent").count() == 3


@pytest.mark.django_db
def test_the_report_page_shows_steps_and_delivery_states_to_those_who_handle_it(cast, login, settings):
    settings.NOTIFY_CHANNELS = ["sms"]
    ChannelSettings.objects.create(user=cast.users["principal"], channels=["sms"], sms_phone="13800000009")
    with frozen_time(START):
        report = _urgent(cast)  # no on_commit here: the delivery stays 待发送
    Delivery.objects.filter(subject_key=f"report:{report.pk}:urgent").update(
        status="failed", last_error="HTTP 503"
    )
    with frozen_time(START + timedelta(minutes=5)):
        escalate_due()
    html = login(cast.users["principal"]).get(reverse("intake:report", args=[report.pk])).content.decode()
    assert "平台外提醒的送达情况" in html and "发送失败，等待重试" in html and "HTTP 503" in html
    assert "无人确认，逐级提醒" in html and "第 1 级" in html
    other = login(cast.users["class_teacher"]).get(reverse("intake:report", args=[report.pk]))
    assert "平台外提醒的送达情况" not in other.content.decode()
