from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from anxin.core import periodic
from anxin.core.models import Notification, PeriodicRun
from anxin.testing import Cast

from .test_settings import _run

CALLS: list[str] = []


@task
def tick() -> str:
    CALLS.append("tick")
    return "tick"


@pytest.fixture
def every_minute(monkeypatch: pytest.MonkeyPatch) -> periodic.Job:
    """Only one periodic job is known: ``tick``, every 60 seconds."""
    monkeypatch.setattr(periodic, "JOBS", {})
    CALLS.clear()
    periodic.periodic("test.tick", every=60)(tick)
    return periodic.JOBS["test.tick"]


def _database_backend(settings) -> None:  # noqa: ANN001
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db
def test_job_every_minute_is_enqueued_once_then_again_after_a_minute(every_minute: periodic.Job) -> None:
    t0 = timezone.now()
    assert periodic.run_due(t0) == ["test.tick"]
    assert CALLS == ["tick"]
    assert periodic.due_jobs(t0 + timedelta(seconds=59)) == []
    assert periodic.run_due(t0 + timedelta(seconds=30)) == []
    assert periodic.run_due(t0 + timedelta(seconds=59)) == []
    assert CALLS == ["tick"]

    assert periodic.due_jobs(t0 + timedelta(seconds=60)) == [every_minute]
    assert periodic.run_due(t0 + timedelta(seconds=61)) == ["test.tick"]
    assert periodic.run_due(t0 + timedelta(seconds=100)) == []
    assert CALLS == ["tick", "tick"]


@pytest.mark.django_db
def test_a_late_look_does_not_make_the_job_drift(every_minute: periodic.Job) -> None:
    t0 = timezone.now()
    periodic.run_due(t0)
    periodic.run_due(t0 + timedelta(seconds=75))
    # The second run stood for the slot at t0 + 60, so the third is due at t0 + 120, not t0 + 135.
    assert periodic.run_due(t0 + timedelta(seconds=120)) == ["test.tick"]
    # After a long stop it runs once and counts from then, rather than catching up slot by slot.
    assert periodic.run_due(t0 + timedelta(hours=1)) == ["test.tick"]
    assert periodic.run_due(t0 + timedelta(hours=1, seconds=59)) == []
    assert len(CALLS) == 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_time", [True, False], ids=["first-run", "row-exists"])
def test_two_schedulers_at_the_same_moment_enqueue_the_job_once(
    every_minute: periodic.Job, first_time: bool
) -> None:
    now = timezone.now()
    if not first_time:
        PeriodicRun.objects.create(name="test.tick", last_enqueued_at=now - timedelta(seconds=90))
    start = threading.Barrier(2)
    results: list[list[str]] = []

    def look() -> None:
        try:
            start.wait(timeout=10)
            results.append(periodic.run_due(now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=look) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [[], ["test.tick"]]
    assert CALLS == ["tick"]


@pytest.mark.django_db(transaction=True)
def test_worker_once_raises_the_warning_for_an_urgent_report_nobody_acknowledged(cast_tx: Cast) -> None:
    from anxin.intake.models import Channel, Report
    from anxin.warnings.models import Rule, Warning

    report = Report.objects.create(
        school=cast_tx.school, channel=Channel.BOX, text="带刀", urgent=True, fingerprint="u"
    )
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(minutes=20))

    call_command("worker", "--once")

    warning = Warning.objects.get(rule=Rule.URGENT_UNACKNOWLEDGED, subject_id=report.pk)
    principal = cast_tx.users["principal"]
    assert warning.responsible_id == principal.pk
    assert Notification.objects.filter(user=principal, subject_key=f"warning:{warning.pk}").exists()
    assert PeriodicRun.objects.filter(name="warnings.evaluate").exists()


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_what_the_database_queue_holds(settings, every_minute: periodic.Job) -> None:  # noqa: ANN001
    _database_backend(settings)
    queued = tick.enqueue()
    assert CALLS == []  # with the database backend enqueueing only queues
    assert DBTaskResult.objects.get(id=queued.id).status == TaskResultStatus.READY

    call_command("worker", "--once")

    # The task queued by hand and the periodic one queued by the worker's own round both ran.
    assert CALLS == ["tick", "tick"]
    results = DBTaskResult.objects.all()
    assert len(results) == 2
    assert {r.status for r in results} == {TaskResultStatus.SUCCESSFUL}
    assert PeriodicRun.objects.filter(name="test.tick").exists()


def _test_database_url() -> str:
    """The test database (SQLite file or PostgreSQL), for a child process to use."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_worker_stops_cleanly_on_sigterm() -> None:
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "TASKS_BACKEND": "database",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "anxin.cli", "worker", "--interval", "0.5"],
        env=env,
        cwd=django_settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        # Its first round queues the due jobs (the warnings evaluation among them) and runs them.
        evaluation = DBTaskResult.objects.filter(task_path="anxin.warnings.tasks.evaluate_warnings")
        pending = DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        while not evaluation.exists() or pending.exists():
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker ran nothing within a minute"
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, err
    assert "后台任务进程已退出" in err
    assert evaluation.get().status == TaskResultStatus.SUCCESSFUL


def test_serve_with_the_database_backend_says_to_run_the_worker(settings, monkeypatch, capsys) -> None:  # noqa: ANN001
    settings.TASKS_BACKEND = "database"
    started: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda path, argv: started.append(argv))
    call_command("serve")
    assert "请同时运行 anxin worker" in capsys.readouterr().out
    assert "python:anxin.core.gunicorn_conf" in started[0]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TASKS_BACKEND": "celery"}, "TASKS_BACKEND must be immediate or database, got 'celery'"),
        ({"PERIODIC_INTERVAL": "often"}, "PERIODIC_INTERVAL must be an integer"),
        ({"PERIODIC_INTERVAL": "0"}, "PERIODIC_INTERVAL must be at least 1 second"),
    ],
)
def test_bad_task_settings_refuse_to_start(env: dict[str, str], message: str) -> None:
    result = _run(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.django_db
def test_finished_task_results_older_than_two_weeks_are_pruned(settings) -> None:  # noqa: ANN001
    from anxin.core.tasks import prune_task_results

    _database_backend(settings)
    old, recent, waiting = tick.enqueue(), tick.enqueue(), tick.enqueue()
    long_ago = timezone.now() - timedelta(days=15)
    DBTaskResult.objects.filter(id__in=[old.id]).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=long_ago
    )
    DBTaskResult.objects.filter(id=recent.id).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now()
    )
    assert prune_task_results.call() == 1
    assert {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)} == {
        str(recent.id),
        str(waiting.id),
    }
