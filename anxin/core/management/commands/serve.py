from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "启动网站服务（gunicorn）。开发环境默认监听 127.0.0.1:8000。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        if gunicorn is None:
            self.stderr.write("找不到 gunicorn，请先运行 make run 安装依赖。")
            raise SystemExit(2)
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(
            f"安心校园 正在 http://{bind} 上提供服务（数据库：{settings.DATABASES['default']['ENGINE']}）"
        )
        if settings.TASKS_BACKEND == "database":
            self.stdout.write(
                "后台任务在数据库队列中排队：请同时运行 anxin worker（见 docs/deployment.md）。"
            )
        else:
            self.stdout.write(f"后台任务在本进程内执行，周期任务每 {settings.PERIODIC_INTERVAL} 秒检查一次。")
        argv = [
            gunicorn,
            "anxin.wsgi:application",
            # Hooks only: with TASKS_BACKEND=immediate each worker looks for due periodic jobs.
            "--config",
            "python:anxin.core.gunicorn_conf",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            # Bulk staff imports hash one password per account inside the request.
            "--timeout",
            "120",
            "--access-logfile",
            "-",
            # Intake paths are never written to the access log: gunicorn_conf's logger_class
            # (anxin.intake.gunicorn_logging) skips them; see docs/deployment.md.
            "--access-logformat",
            '%(t)s "%(r)s" %(s)s %(b)s %(L)ss',
        ]
        os.execv(gunicorn, argv)
