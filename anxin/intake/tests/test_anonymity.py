"""Anonymity down to logs and timestamps: no log line for the box, times to the minute, and a
text fingerprint a copy of the database cannot check a guess against."""

from __future__ import annotations

import base64
import hashlib
import importlib
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config

from anxin.intake import services
from anxin.intake.logs import is_private_path
from anxin.intake.models import Message, Photo, Report
from anxin.testing import frozen_time

from .test_public import png_bytes, upload

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEXT = "班上有两个同学天天叫我难听的外号，还把我的书撕了"
#: 21:37:42.123456 — a moment whose seconds must not survive.
MOMENT = datetime(2026, 11, 3, 21, 37, 42, 123456, tzinfo=SHANGHAI)

BOX_PATHS = [
    "/box/3701020001/",
    "/box/follow/",
    "//box//3701020001/",
    "/BOX/3701020001/",
    "/api/intake/reports",
    "/api/intake/lookup",
    "/api/intake/messages",
    "/static/intake/box.js",
    "/static/intake/box.3f2a9c1b.css",
]
STAFF_PATHS = [
    "/intake/",
    "/intake/12/",
    "/api/intake/queue",
    "/login/",
    "/static/intake/poster/speech-heart.svg",
]


# --- gunicorn's access log -----------------------------------------------------------------------


def serve_config(tmp_path: Path) -> Config:
    """gunicorn's configuration as ``anxin serve`` loads it (python:anxin.core.gunicorn_conf)."""
    cfg = Config()
    for name, value in vars(importlib.import_module("anxin.core.gunicorn_conf")).items():
        if name in cfg.settings:
            cfg.set(name, value)
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", '%(t)s "%(r)s" %(s)s %(b)s %(L)ss')
    return cfg


def test_gunicorn_writes_no_access_line_for_the_box(tmp_path):
    cfg = serve_config(tmp_path)
    logger = cfg.logger_class(cfg)
    for path in BOX_PATHS + STAFF_PATHS:
        environ = {
            "REQUEST_METHOD": "POST",
            "RAW_URI": path,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "203.0.113.77",
        }
        response = SimpleNamespace(status="200 OK", sent=512, headers=[])
        logger.access(response, SimpleNamespace(headers=[], path=path), environ, timedelta(milliseconds=30))
    lines = (tmp_path / "access.log").read_text().splitlines()
    logged = [line.split('"')[1].split()[1] for line in lines]
    assert logged == STAFF_PATHS  # staff requests are still logged, box requests never
    assert "203.0.113.77" not in "".join(lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (a local test server)
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_anxin_serve_access_log_leaves_out_the_box(tmp_path):
    """The real thing: ``anxin serve`` (gunicorn) answering requests, its log read back."""
    port = _free_port()
    env = {
        **os.environ,
        "ANXIN_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TASKS_BACKEND": "database",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    anxin = str(Path(sys.executable).with_name("anxin"))
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [anxin, "serve", "--port", str(port), "--workers", "1", "--threads", "1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if _get(base + "/healthz"):
                    break
            except OSError:
                time.sleep(0.1)
        statuses = {path: _get(base + path) for path in ["/box/3701020001/", "/box/follow/", "/login/"]}
        assert all(statuses.values()), statuses
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "GET /login/" in output and "GET /healthz" in output, output  # the access log is on ...
    assert "/box/" not in output, output  # ... and silent about the box


def test_django_request_log_drops_box_lines_but_keeps_staff_ones(client, cast, settings, caplog):
    settings.INTAKE_SUBMIT_RATE = "1/10m"
    url = reverse("box:box", args=[cast.school.code])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.post(url, {"text": TEXT})
        assert client.post(url, {"text": TEXT + "。"}).status_code == 429
        assert client.get("/box/9999999999/").status_code == 404
        assert client.get("/no-such-staff-page/").status_code == 404  # not the box: still logged
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "/box/" in m], messages
    assert any("/no-such-staff-page/" in m for m in messages), messages


@pytest.mark.parametrize("path", BOX_PATHS)
def test_box_paths_are_recognised(path: str) -> None:
    assert is_private_path(path) is True


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_staff_paths_are_not(path: str) -> None:
    assert is_private_path(path) is False


# --- Times to the minute -------------------------------------------------------------------------


def _fernet_seconds(token: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(token.encode())[1:9], "big")


@pytest.mark.django_db
def test_report_message_and_photo_times_are_stored_to_the_minute(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    with frozen_time(MOMENT):
        sent = client.post(
            reverse("box:box", args=[cast.school.code]),
            {"text": TEXT, "photos": [upload("a.png", png_bytes(), "image/png")]},
        )
        receipt = sent.context["receipt"]
        client.post("/box/follow/", {"receipt": receipt, "action": "message", "text": "今天又发生了"})
        staff = services.report_acknowledge(actor=cast.users["principal"], report=Report.objects.get())
        services.report_reply(actor=cast.users["principal"], report=staff, text="收到，我们会处理。")
    report = Report.objects.get()
    times = [report.created_at, report.updated_at]
    times += list(Message.objects.values_list("created_at", flat=True))
    times += list(Photo.objects.values_list("created_at", flat=True))
    assert len(times) == 5
    for moment in times:
        assert (moment.second, moment.microsecond) == (0, 0), moment
        assert timezone_minute(moment) == "21:37"
    # What the child reads back says the minute too.
    page = client.post("/box/follow/", {"receipt": receipt}).content.decode()
    assert "21:37" in page
    # And so does everything that tells when the child acted: the audit events about the letter,
    # the staff's notices of it, and the photo file on disk (which keeps no time at all).
    from anxin.audit.models import AuditEvent
    from anxin.core.models import Notification

    told = list(AuditEvent.objects.filter(action__in=["report.received", "report.reporter_message"]))
    told_times = [e.at for e in told] + list(Notification.objects.values_list("created_at", flat=True))
    assert len(told) == 2 and len(told_times) > 2
    for moment in told_times:
        assert (moment.second, moment.microsecond) == (0, 0), moment
    photo = Photo.objects.get()
    assert os.stat(photo.file.path).st_mtime == 0


def timezone_minute(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%H:%M")


@pytest.mark.django_db
def test_encrypted_values_do_not_carry_the_second_they_were_written(cast):
    with frozen_time(MOMENT):
        sub = services.report_submit(
            school_code=cast.school.code, text=TEXT, names="张某", wants_contact=True, contact="13800000000"
        )
        services.reporter_message_add(receipt=sub.receipt, text="还有一件事")
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, names_involved, contact FROM intake_report")
        tokens = list(cursor.fetchone())
        cursor.execute("SELECT text FROM intake_message")
        tokens.append(cursor.fetchone()[0])
    for token in tokens:
        # Not even the minute: every token carries time 0.
        assert _fernet_seconds(token) == 0, token


# --- The keyed fingerprint ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_copy_of_the_database_cannot_confirm_a_guessed_text(cast, settings):
    report = services.report_submit(school_code=cast.school.code, text=TEXT).report
    guess = hashlib.sha256(services.normalised_text(TEXT).encode()).hexdigest()
    assert report.fingerprint != guess  # an unkeyed hash of the guess does not match
    assert report.fingerprint == services.fingerprint(TEXT)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert services.fingerprint(TEXT) != report.fingerprint  # the key is what makes it


@pytest.mark.django_db
def test_migration_recomputes_old_fingerprints_and_times(cast):
    migration = importlib.import_module("anxin.intake.migrations.0002_report_retry_key_and_minute_times")
    report = services.report_submit(school_code=cast.school.code, text=TEXT).report
    old = hashlib.sha256(services.normalised_text(TEXT).encode()).hexdigest()
    Report.objects.filter(pk=report.pk).update(fingerprint=old, created_at=MOMENT, updated_at=MOMENT)
    from django.apps import apps

    migration.forwards(apps, None)
    report.refresh_from_db()
    assert report.fingerprint == services.fingerprint(TEXT)
    assert report.created_at == MOMENT.replace(second=0, microsecond=0)
    assert report.text == TEXT
    migration.backwards(apps, None)
    report.refresh_from_db()
    assert report.fingerprint == old


def test_tokens_helper_reads_fernet_time() -> None:
    from cryptography.fernet import Fernet

    token = Fernet(Fernet.generate_key()).encrypt_at_time(b"x", 1_800_000_042).decode()
    assert _fernet_seconds(token) == 1_800_000_042
