from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from anxin.access.matrix import matrix_markdown


class Command(BaseCommand):
    help = "输出权限矩阵（Markdown），即 docs/permissions.md 的内容。"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(matrix_markdown())
