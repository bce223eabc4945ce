from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendar_package import package_knows
from .fields import MinuteDateTimeField


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A bearer token for integrations. Only its hash is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate() -> str:
        return "ax_" + secrets.token_urlsafe(32)


class Notification(models.Model):
    """An in-app notice on a person's 工作台; email and SMS copies go through their backends."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    urgent = models.BooleanField(_("紧急"), default=False)
    #: What the notice is about, so that one event notifies each person once.
    subject_key = models.CharField(max_length=100, blank=True)
    # To the minute: a notice about a letter would otherwise tell the second the child sent it.
    created_at = MinuteDateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "subject_key"],
                condition=~models.Q(subject_key=""),
                name="core_notification_once",
            )
        ]

    def __str__(self) -> str:
        return self.title


class OutboundMessage(models.Model):
    """What the development SMS/notice backend 'sent': recorded instead of delivered."""

    channel = models.CharField(max_length=20)
    to = models.CharField(max_length=100)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("外发消息记录")
        verbose_name_plural = _("外发消息记录")

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}"


class PeriodicRun(models.Model):
    """When a periodic job (anxin.core.periodic) was last enqueued: the slot every scheduler claims."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField()

    class Meta:
        verbose_name = _("周期任务记录")
        verbose_name_plural = _("周期任务记录")

    def __str__(self) -> str:
        return self.name


class CalendarYear(models.Model):
    """A year whose official holiday schedule (国务院办公厅通知) an administrator has entered.

    Entered years take precedence over the installed chinese-calendar package, which knows only the
    years published before its release; see :mod:`anxin.core.workdays`.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    #: Where the schedule comes from, e.g. the notice's number or the uploaded file's name.
    source = models.CharField(_("依据"), max_length=200)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}"

    @property
    def overrides_package(self) -> bool:
        """Whether the installed calendar knows this year too, so that this entry replaces it."""
        return package_knows(self.year)


class CalendarDay(models.Model):
    """An exception in an entered year: a weekday holiday or a weekend make-up working day (调休).

    A day of an entered year without a row is a working day exactly when it is Monday to Friday.
    """

    calendar = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"))
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日安排日")
        verbose_name_plural = _("节假日安排日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}".rstrip()


class ChannelKind(models.TextChoices):
    """The ways a message leaves the platform (anxin.core.channels)."""

    WECOM_ROBOT = "wecom_robot", _("企业微信群机器人")
    WECOM_APP = "wecom_app", _("企业微信应用消息")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信公众号模板消息")


class ChannelSettings(models.Model):
    """One person's choice of outside channels, their address on each, and their quiet hours."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_settings", primary_key=True
    )
    #: Chosen ``ChannelKind`` values; only those the deployment enables (NOTIFY_CHANNELS) are used.
    channels = models.JSONField(_("接收渠道"), default=list, blank=True)
    wecom_userid = models.CharField(_("企业微信账号"), max_length=64, blank=True)
    #: The access_token of a DingTalk group robot the person reads (the signing secret is the deployment's).
    dingtalk_token = models.CharField(_("钉钉机器人 access_token"), max_length=100, blank=True)
    #: The key of a WeCom group robot the person reads.
    wecom_robot_key = models.CharField(_("企业微信群机器人 key"), max_length=100, blank=True)
    sms_phone = models.CharField(_("接收短信的手机号"), max_length=20, blank=True)
    wechat_openid = models.CharField(_("微信 openid"), max_length=64, blank=True)
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知渠道设置")
        verbose_name_plural = _("通知渠道设置")

    def __str__(self) -> str:
        return str(self.user)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("发送失败，等待重试")
    GAVE_UP = "gave_up", _("多次失败，已放弃")


class Delivery(models.Model):
    """One message to one address on one outside channel, and what became of it.

    ``text`` is only ever the platform's own words (a school's name, a link): never a child's name
    nor what a report says, which stay inside the platform.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=ChannelKind.choices)
    to = models.CharField(_("接收地址"), max_length=100)
    text = models.CharField(_("内容"), max_length=500)
    url = models.CharField(max_length=300, blank=True)
    urgent = models.BooleanField(_("紧急"), default=False)
    #: What it is about (e.g. ``report:7:urgent:1``): each address hears of a subject once.
    subject_key = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("失败原因"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "to", "subject_key"],
                condition=~models.Q(subject_key=""),
                name="core_delivery_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}"
