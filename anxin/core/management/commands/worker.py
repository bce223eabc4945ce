"""``anxin worker [--once] [--interval SECONDS]``: the background-task process.

Each round it enqueues the periodic jobs that are due (``anxin.core.periodic.run_due``) and, with
``TASKS_BACKEND=database``, runs every task waiting in the queue with django-tasks-db's own
``Worker`` (in batch mode: until the queue is empty), then sleeps ``--interval`` seconds. With
``TASKS_BACKEND=immediate`` there is no queue: ``run_due`` runs the due jobs itself.

Several workers may run at once: a periodic job's slot and a queued task are each claimed by one.
SIGTERM or SIGINT lets the task in hand finish, then exits; a second signal stops at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from argparse import ArgumentTypeError
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from anxin.core.periodic import JOBS, run_due

log = logging.getLogger("anxin.worker")


def _interval(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise ArgumentTypeError(f"须为 0 到 3600 之间的秒数，收到 {raw!r}")
    return value


class Command(BaseCommand):
    help = "后台任务进程：按时登记周期任务（如每 15 分钟的预警评估），并执行数据库队列中的任务。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="登记到期的周期任务，执行完队列中的全部任务后退出（供测试和 cron 使用）",
        )
        parser.add_argument("--interval", type=_interval, default=5.0, help="两轮之间等待的秒数（默认 5）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] < 2:
            # django-tasks-db announces every batch it starts and ends; our own lines say enough.
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        queue = None
        if isinstance(backend, DatabaseBackend):
            queue = Worker(
                queue_names=["*"],
                excluded_queue_names=[],
                interval=0,
                batch=True,
                backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                startup_delay=False,
                max_tasks=None,
                worker_id=f"{socket.gethostname()[:40]}-{os.getpid()}",
            )
        if options["once"]:
            self._round(queue)
            return

        stop = threading.Event()

        def shutdown(signum: int, frame: FrameType | None) -> None:
            if stop.is_set():
                log.warning("再次收到 %s，立即退出", signal.Signals(signum).name)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                raise SystemExit(1)
            log.info("收到 %s，做完手头的任务后退出（再按一次 Ctrl+C 立即退出）", signal.Signals(signum).name)
            stop.set()
            if queue is not None:
                queue.running = False

        signal.signal(signal.SIGINT, shutdown)
        signal.signal(signal.SIGTERM, shutdown)
        log.info(
            "后台任务进程已启动：任务后端 %s，周期任务 %s，每 %s 秒一轮",
            "数据库队列" if queue is not None else "即时执行",
            "、".join(sorted(JOBS)) or "无",
            options["interval"],
        )
        while not stop.is_set():
            # As Django does around a request: drop a connection the database has closed meanwhile.
            close_old_connections()
            self._round(queue)
            close_old_connections()
            stop.wait(options["interval"])
        log.info("后台任务进程已退出")

    def _round(self, queue: Worker | None) -> None:
        try:
            run_due()
        except Exception:  # the database may be away for a moment; try again next round
            log.exception("查找到期的周期任务失败")
        if queue is not None:
            try:
                queue.run()
            except Exception:  # as above: a lost connection must not end the process
                log.exception("执行队列中的任务失败")
