"""The archive of statistical reports upward: one file per (unit, kind, period, format, generation).

Files go to the default storage, which encrypts them at rest (anxin.core.storage); nothing serves
them but the permission-checked, audited download.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", _("月报")
    TERM = "term", _("学期报")
    ANNUAL = "annual", _("年报")


class FileFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel")
    PDF = "pdf", _("PDF")


class ReportArchive(models.Model):
    unit = models.ForeignKey("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("报表类型"), max_length=10, choices=ReportKind.choices)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    #: "2026年11月", "2026—2027学年第一学期", "2026年".
    period_label = models.CharField(_("统计期间"), max_length=40)
    fmt = models.CharField(_("格式"), max_length=4, choices=FileFormat.choices)
    file = models.FileField(_("文件"), upload_to="oversight/reports/%Y/%m/")
    size = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    #: Empty when the scheduled task made it.
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("统计报表存档")
        verbose_name_plural = _("统计报表存档")
        ordering = ["-period_start", "-generated_at", "-pk"]
        indexes = [models.Index(fields=["unit", "kind", "period_start"])]

    def __str__(self) -> str:
        return f"{self.period_label}{self.get_kind_display()}.{self.fmt}"

    @property
    def scheduled(self) -> bool:
        return self.generated_by_id is None

    @property
    def filename(self) -> str:
        return f"{self.unit.name}-{self.period_label}{self.get_kind_display()}.{self.fmt}"
