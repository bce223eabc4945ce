from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from anxin.audit.services import audit_record
from anxin.core.storage import encrypt_files

from ... import events


class Command(BaseCommand):
    help = (
        "把 MEDIA_ROOT 下尚未加密的上传文件（举报照片、案件附件、台账照片）就地加密，"
        "并把文件权限收紧为 0600、目录为 0700。已加密的文件不变。可中断后重跑，服务运行时也可执行。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = encrypt_files()
        if counts["encrypted"]:
            audit_record(actor=None, action=events.CRYPTO_FILES_ENCRYPTED, after=counts)
        self.stdout.write(
            self.style.SUCCESS(f"新加密 {counts['encrypted']} 个文件，{counts['unchanged']} 个原已加密")
        )
