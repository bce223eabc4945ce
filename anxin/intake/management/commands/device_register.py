"""anxin device_register SCHOOL_CODE PLACE LABEL: register an alarm device and print its secret once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from anxin.core.errors import ServiceError
from anxin.org.models import Unit, UnitKind

from ...devices import device_register


class Command(BaseCommand):
    help = "登记一台报警装置（一键报警、语音关键词终端），并显示其密钥（仅此一次）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("school", help="学校代码")
        parser.add_argument("place", help="地点：toilet、dormitory、corridor……")
        parser.add_argument("label", help="安装位置，如“男生宿舍三楼卫生间”")

    def handle(self, *args: Any, **options: Any) -> None:
        school = Unit.objects.filter(code=options["school"], kind=UnitKind.SCHOOL).first()
        if school is None:
            raise CommandError("没有这个学校代码。")
        try:
            device, secret = device_register(
                actor=None, school=school, place=options["place"], label=options["label"]
            )
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(f"装置编号 {device.pk}\n密钥（只显示这一次，请写入装置）：{secret}\n")
        self.stdout.write(f"报警地址：POST /api/intake/devices/{device.pk}/alarm\n")
