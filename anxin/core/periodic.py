"""Periodic jobs: a django-tasks task enqueued every so many seconds.

Register a job in an app's ``tasks.py``, imported from its ``AppConfig.ready`` so that every
process knows it::

    from django_tasks import TaskResultStatus, task

    from anxin.core.periodic import periodic


    @periodic("cases.deadline_sweep", every=60 * 60)
    @task
    def deadline_sweep() -> dict[str, int]:
        return services.deadline_sweep()

``periodic`` also takes a plain module-level function and returns it wrapped with ``@task``; either
way the module attribute is the task, as the database backend finds it by its import path. The task
is enqueued without arguments and must be idempotent: a job is enqueued at most once per slot, but a
crash in the middle of one leaves the rest for the next.

``run_due(now)`` enqueues every job whose time has come and returns their names; ``due_jobs(now)``
only says which they are. Callers: ``anxin worker`` every few seconds, and ``anxin serve`` (each
gunicorn worker, every ``PERIODIC_INTERVAL`` seconds) when ``TASKS_BACKEND=immediate``. Any number
of them may call it at once: each job's slot is claimed on its ``PeriodicRun`` row with a
conditional UPDATE, and only the caller whose UPDATE changed the row enqueues.

Cadence: a job last enqueued for slot ``t`` is due at ``t + every``, and that planned time (not the
moment someone looked) becomes its next slot, so looking every five minutes does not make a
15-minute job drift. After a stop longer than one period it runs once, now, and counts from there.

With the immediate backend ``run_due`` runs the job itself, after the claim is committed, so a long
job holds no lock; with the database backend the claim and the queued task commit together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    task: Task[[], Any]


#: name -> job, filled at start-up by the ``tasks`` modules.
JOBS: dict[str, Job] = {}


def periodic(name: str, every: int) -> Callable[[Task[[], Any] | Callable[[], Any]], Task[[], Any]]:
    """Enqueue the decorated task every ``every`` seconds under ``name`` (unique, at most 100 chars)."""
    if not 0 < len(name) <= 100:
        raise ValueError(f"periodic job name must be 1 to 100 characters: {name!r}")
    if every < 1:
        raise ValueError(f"periodic job {name}: every must be at least 1 second, got {every}")

    def register(obj: Task[[], Any] | Callable[[], Any]) -> Task[[], Any]:
        job_task = obj if isinstance(obj, Task) else task(obj)
        known = JOBS.get(name)
        if known is not None and known.task.module_path != job_task.module_path:
            raise ValueError(f"periodic job {name} registered twice")
        JOBS[name] = Job(name=name, every=timedelta(seconds=every), task=job_task)
        return job_task

    return register


def due_jobs(now: datetime) -> list[Job]:
    """The jobs whose next slot has come at ``now``, by name."""
    from .models import PeriodicRun

    last = dict(PeriodicRun.objects.filter(name__in=list(JOBS)).values_list("name", "last_enqueued_at"))
    return [job for name, job in sorted(JOBS.items()) if name not in last or now >= last[name] + job.every]


def _claim(job: Job, now: datetime) -> bool:
    """Take the job's current slot; False when it is not due or another caller took it first."""
    from .models import PeriodicRun

    run, created = PeriodicRun.objects.get_or_create(name=job.name, defaults={"last_enqueued_at": now})
    if created:
        return True
    old = run.last_enqueued_at
    planned = old + job.every
    if now < planned:
        return False
    slot = planned if now < planned + job.every else now
    return PeriodicRun.objects.filter(name=job.name, last_enqueued_at=old).update(last_enqueued_at=slot) == 1


def run_due(now: datetime | None = None) -> list[str]:
    """Enqueue every due job once (with the immediate backend: run it). Returns the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in due_jobs(now):
        try:
            inline = isinstance(job.task.get_backend(), ImmediateBackend)
            with transaction.atomic():
                if not _claim(job, now):
                    continue
                if not inline:
                    job.task.enqueue()
            if inline:
                result = job.task.enqueue()
                level = logging.WARNING if result.status == TaskResultStatus.FAILED else logging.INFO
                log.log(level, "周期任务 %s 已运行：%s", job.name, result.status)
            else:
                log.info("周期任务 %s 已加入队列", job.name)
        except Exception:  # one broken job must not stop the others
            log.exception("周期任务 %s 未能加入队列", job.name)
            continue
        enqueued.append(job.name)
    return enqueued
