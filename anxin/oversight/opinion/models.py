"""舆情 (online opinion) events about bullying that a bureau registers, and the steps of its response.

The plan asks the bureau to watch online opinion and respond: an event is answered first within 24
hours of being first seen (``respond_by``, stored when the event is registered). The clock stops at
the first public response (回应/发布情况说明) or at 处置完毕, whichever comes first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: How long after first seen the first response is due.
FIRST_RESPONSE_HOURS = 24


class Source(models.TextChoices):
    WEIBO = "weibo", _("微博")
    WECHAT = "wechat", _("微信公众号/朋友圈")
    SHORT_VIDEO = "short_video", _("抖音/快手")
    NEWS = "news", _("新闻媒体")
    FORUM = "forum", _("论坛/贴吧")
    HOTLINE_12345 = "hotline_12345", _("12345热线")
    OTHER = "other", _("其他")


class Heat(models.TextChoices):
    NORMAL = "normal", _("一般")
    ELEVATED = "elevated", _("较高")
    HIGH = "high", _("高")


class Status(models.TextChoices):
    NEW = "new", _("待核实")
    VERIFIED = "verified", _("已核实")
    RESPONDED = "responded", _("已回应")
    ESCALATED = "escalated", _("已上报上级")
    CLOSED = "closed", _("处置完毕")


class StepKind(models.TextChoices):
    VERIFY = "verify", _("核实")
    RESPOND = "respond", _("回应/发布情况说明")
    ESCALATE = "escalate", _("上报上级")
    CLOSE = "close", _("处置完毕")


#: The status an event takes after each step.
STATUS_AFTER: dict[str, str] = {
    StepKind.VERIFY: Status.VERIFIED,
    StepKind.RESPOND: Status.RESPONDED,
    StepKind.ESCALATE: Status.ESCALATED,
    StepKind.CLOSE: Status.CLOSED,
}

#: The steps that count as the first response and stop the 24-hour clock.
FIRST_RESPONSE_STEPS = (StepKind.RESPOND, StepKind.CLOSE)


class OpinionEvent(models.Model):
    school = models.ForeignKey(
        "org.Unit", verbose_name=_("涉及学校"), on_delete=models.PROTECT, related_name="+"
    )
    #: The school's path, for scope (county sees its schools, city all).
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("关联案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    link = models.URLField(_("链接"), max_length=500, blank=True)
    first_seen = models.DateTimeField(_("首次发现时间"))
    summary = models.TextField(_("内容摘要"))
    heat = models.CharField(_("热度"), max_length=10, choices=Heat.choices, default=Heat.NORMAL)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.NEW)
    #: first_seen + 24 hours, stored so that the rule's later change does not move old deadlines.
    respond_by = models.DateTimeField(_("首次回应期限"), db_index=True)
    first_response_at = models.DateTimeField(_("首次回应时间"), null=True, blank=True)
    #: Set once when the sweep told the county the event is overdue (it is told only once).
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("舆情事件")
        verbose_name_plural = _("舆情事件")
        ordering = ["-first_seen", "-pk"]
        indexes = [models.Index(fields=["status", "respond_by"])]

    def __str__(self) -> str:
        return f"舆情#{self.pk} {self.get_source_display()}"

    @property
    def closed(self) -> bool:
        return self.status == Status.CLOSED

    @staticmethod
    def deadline_for(first_seen: datetime) -> datetime:
        return first_seen + timedelta(hours=FIRST_RESPONSE_HOURS)

    def can_add_step(self) -> bool:
        return not self.closed


class OpinionStep(models.Model):
    event = models.ForeignKey(OpinionEvent, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("处置环节"), max_length=10, choices=StepKind.choices)
    note = models.TextField(_("情况说明"))
    #: When it was done (may be earlier than when it was recorded).
    at = models.DateTimeField(_("时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("舆情处置环节")
        verbose_name_plural = _("舆情处置环节")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
