"""gunicorn hooks for ``anxin serve``: periodic jobs in the embedded default (TASKS_BACKEND=immediate).

Each gunicorn worker, once it has loaded the application, starts one daemon thread that calls
``anxin.core.periodic.run_due`` every ``PERIODIC_INTERVAL`` seconds. Every worker does it, on
purpose: ``run_due`` claims each job's slot with a conditional UPDATE, so however many workers look,
one runs the job, and a worker that dies or is recycled (timeout, restart) takes nothing with it,
as the others keep looking. The alternatives are worse: a thread in the arbiter would be inherited
half-way by every worker forked after it (open database connections, held locks), and electing one
worker needs bookkeeping that breaks when that worker is replaced.

With ``TASKS_BACKEND=database`` nothing starts here: ``anxin worker`` enqueues and runs the jobs.

gunicorn reads every module-level name of this file as a setting, so only settings and hooks live
here and the imports stay inside the hooks.
"""

from __future__ import annotations

from typing import Any

#: The access log never mentions the public 爱心信箱 (its pages, public API and assets).
logger_class = "anxin.intake.gunicorn_logging.AnonymousBoxLogger"


def _look_for_due_jobs(interval: int) -> None:
    import logging
    import time

    from django.db import connections

    from anxin.core.periodic import run_due

    log = logging.getLogger("anxin.scheduler")
    while True:
        try:
            run_due()
        except Exception:  # the database may be away for a moment; look again next time
            log.exception("查找到期的周期任务失败")
        finally:
            connections.close_all()
        time.sleep(interval)


def post_worker_init(worker: Any) -> None:
    import threading

    from django.conf import settings

    if settings.TASKS_BACKEND != "immediate":
        return
    threading.Thread(
        target=_look_for_due_jobs, args=(settings.PERIODIC_INTERVAL,), name="anxin-periodic", daemon=True
    ).start()
