from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from anxin.audit.services import audit_record
from anxin.core.crypto import rotate_keys
from anxin.core.storage import encrypt_files

from ... import events


class Command(BaseCommand):
    help = (
        "用 FIELD_ENCRYPTION_KEYS 中的第一个（最新）密钥重新加密所有加密字段和上传的文件（照片、附件）。"
        "轮换步骤：把新密钥放在最前、旧密钥留在后面，运行本命令，完成后再删除旧密钥。可中断后重跑。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(label: str, done: int) -> None:
            self.stderr.write(f"  {label}: {done}")

        counts = rotate_keys(progress=progress)
        files = encrypt_files(rotate=True)
        audit_record(actor=None, action=events.CRYPTO_KEYS_ROTATED, after={**counts, "files": files})
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"已用最新密钥重新加密 {total} 行：{counts}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"上传文件：重新加密 {files['reencrypted']} 个，新加密（原为明文）{files['encrypted']} 个"
            )
        )
