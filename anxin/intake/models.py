"""Reports of bullying, from every channel, and the conversation with the reporter.

Anonymity: a report made through the online 爱心信箱 stores no address, user agent, cookie or
account. Its receipt is stored only as a hash, its text fingerprint only as a keyed hash. Narratives,
names and contact details are encrypted at rest. Every time on a report, its messages and photos is
stored to the minute (the seconds could be matched against a school's Wi-Fi or camera logs); the
time inside each encrypted value is 0 (a Fernet token carries its creation time in clear), and the
audit events and notices about a letter are kept to the minute too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.core import crypto
from anxin.core.fields import MinuteDateTimeField


class Channel(models.TextChoices):
    BOX = "box", _("爱心信箱（网上）")
    HOTLINE = "hotline", _("举报电话")
    WALK_IN = "walk_in", _("来访")
    EMAIL = "email", _("电子邮件")
    LETTER = "letter", _("信件")
    PARENT = "parent", _("家长反映")
    STAFF_OBSERVED = "staff_observed", _("值班巡查发现")
    DEVICE = "device", _("报警装置")


class About(models.TextChoices):
    SELF = "self", _("我自己")
    OTHER = "other", _("其他同学")
    UNSURE = "unsure", _("不确定")


class Place(models.TextChoices):
    TOILET = "toilet", _("厕所")
    DORMITORY = "dormitory", _("宿舍")
    CANTEEN = "canteen", _("食堂")
    CORRIDOR = "corridor", _("楼道楼梯")
    CLASSROOM = "classroom", _("教室")
    PLAYGROUND = "playground", _("操场")
    GATE = "gate", _("校门口及周边")
    COMMUTE = "commute", _("上学放学路上")
    ONLINE = "online", _("网络")
    OTHER = "other", _("其他")


class TimeBand(models.TextChoices):
    BREAK = "break", _("课间")
    NOON = "noon", _("午休")
    EVENING_STUDY = "evening_study", _("晚自习")
    AFTER_LIGHTS_OUT = "after_lights_out", _("熄灯后")
    COMMUTE = "commute", _("上学放学途中")
    HOLIDAY = "holiday", _("节假日")
    OTHER = "other", _("其他")


class Kind(models.TextChoices):
    """The five kinds of conduct (DOMAIN.md §1), in words a child understands."""

    PHYSICAL = "physical", _("打人、踢人、推搡等身体伤害")
    VERBAL = "verbal", _("骂人、起难听的外号、嘲笑")
    PROPERTY = "property", _("抢东西、要钱、故意弄坏东西")
    RELATIONAL = "relational", _("故意孤立、不让别人和他玩")
    CYBER = "cyber", _("在网上造谣、传照片、骂人")


class Status(models.TextChoices):
    NEW = "new", _("新报告")
    ACKNOWLEDGED = "acknowledged", _("已确认收到")
    ASSIGNED = "assigned", _("已分派")
    ACCEPTED = "accepted", _("已受理")
    CLOSED = "closed", _("已关闭（不属于欺凌）")
    MERGED = "merged", _("已合并")


class PublicStatus(models.TextChoices):
    """What the reporter sees, in plain words."""

    RECEIVED = "received", _("已收到")
    VERIFYING = "verifying", _("正在核实")
    HANDLED = "handled", _("已处理")
    CLOSED = "closed", _("已结案")


PUBLIC_STATUS = {
    Status.NEW: PublicStatus.RECEIVED,
    Status.ACKNOWLEDGED: PublicStatus.VERIFYING,
    Status.ASSIGNED: PublicStatus.VERIFYING,
    Status.ACCEPTED: PublicStatus.VERIFYING,
    Status.CLOSED: PublicStatus.CLOSED,
}

OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.ASSIGNED)


class Report(models.Model):
    school = models.ForeignKey(
        "org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="reports"
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    about = models.CharField(_("反映的是"), max_length=10, choices=About.choices, default=About.UNSURE)
    place = models.CharField(_("地点"), max_length=12, choices=Place.choices, default=Place.OTHER)
    time_band = models.CharField(_("时间段"), max_length=20, choices=TimeBand.choices, default=TimeBand.OTHER)
    occurred_on = models.DateField(_("发生日期"), null=True, blank=True)
    reported_kinds = models.JSONField(_("反映的行为"), default=list, blank=True)
    text = crypto.EncryptedTextField(_("发生了什么"))
    names_involved = crypto.EncryptedTextField(_("涉及的人"), blank=True, null=True)
    wants_contact = models.BooleanField(_("希望学校联系"), default=False)
    contact = crypto.EncryptedCharField(_("联系方式"), max_length=300, blank=True, null=True)
    reporter_name = crypto.EncryptedCharField(_("反映人"), max_length=300, blank=True, null=True)
    reporter_relation = models.CharField(_("与学生关系"), max_length=30, blank=True)

    receipt_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    #: Keyed hash of the idempotency key the reporter's browser made before the first try: a retry
    #: with the same key is the same report. Only a hash, so a copy of the database cannot open:
    receipt_sealed = models.CharField(max_length=100, blank=True, editable=False)
    #: ... the receipt, encrypted under a key derived from that idempotency key, which only the
    #: reporter's browser holds: a retry after an uncertain failure shows the same receipt again.
    client_key_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    #: Keyed hash (HMAC) of the normalised text, to notice the same text resubmitted. Keyed, so a
    #: copy of the database cannot confirm a guessed text.
    fingerprint = models.CharField(max_length=64, db_index=True, editable=False)

    triage_kinds = models.JSONField(default=list, blank=True)
    signals = models.JSONField(default=list, blank=True)
    triage_reasons = models.JSONField(default=list, blank=True)
    urgent = models.BooleanField(_("紧急"), default=False, db_index=True)
    #: The second tier of triage, "可能紧急，请尽快查看": the rules found no danger but the statistical
    #: model finds the text like urgent ones. Shown after the urgent reports, never alerted.
    review = models.BooleanField(_("可能紧急"), default=False)
    suspect = models.BooleanField(_("疑似滥用"), default=False)
    suspect_reasons = models.JSONField(default=list, blank=True)

    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_reports",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recorded_reports",
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_reports"
    )
    close_reason = models.TextField(_("关闭原因（反映人可见）"), blank=True)
    created_at = MinuteDateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    updated_at = MinuteDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        # Times are to the minute: the id keeps the order of reports within one.
        ordering = ["-urgent", "-review", "-created_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "status", "created_at"]),
            models.Index(fields=["school", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_channel_display()}"

    @property
    def pinned(self) -> bool:
        """Urgent and nobody has said they have it yet: shown above everything else."""
        return self.urgent and self.acknowledged_at is None

    @property
    def review_pending(self) -> bool:
        """Possibly urgent and nobody has looked yet: shown right after the urgent reports."""
        return self.review and not self.urgent and self.acknowledged_at is None

    @property
    def public_status(self) -> PublicStatus:
        target = self
        seen = 0
        while target.merged_into_id and seen < 10:
            target = target.merged_into
            seen += 1
        return PUBLIC_STATUS.get(target.status, PublicStatus.VERIFYING)

    @property
    def anonymous(self) -> bool:
        return self.channel == Channel.BOX and not self.wants_contact

    def can_acknowledge(self) -> bool:
        return self.status == Status.NEW

    def can_assign(self) -> bool:
        return self.status in OPEN_STATUSES

    def can_accept(self) -> bool:
        return self.status in OPEN_STATUSES

    def can_close(self) -> bool:
        return self.status in OPEN_STATUSES

    def can_merge(self) -> bool:
        return self.status in OPEN_STATUSES


class Sender(models.TextChoices):
    SCHOOL = "school", _("学校")
    REPORTER = "reporter", _("反映人")


class Message(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    text = crypto.EncryptedTextField()
    created_at = MinuteDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("留言")
        verbose_name_plural = _("留言")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        when = f" @ {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}" if self.created_at else ""
        return f"{self.get_sender_display()}{when}"


class Photo(models.Model):
    """An uploaded image, re-encoded from its pixels so no metadata block survives."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(upload_to="intake/%Y/%m/")
    content_type = models.CharField(max_length=30)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = MinuteDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")

    def __str__(self) -> str:
        return self.file.name


class Escalation(models.Model):
    """One step of an urgent report's alert along the duty chain, made exactly once.

    Step 0 is the first alert (the leaders on duty and the principal, at submission); each later
    step is made when nobody has acknowledged the report ``ESCALATE_AFTER`` after the one before.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("级别"))
    at = models.DateTimeField(_("时间"))
    #: Who this step alerted (user ids), for the report's page.
    notified = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("紧急升级")
        verbose_name_plural = _("紧急升级")
        ordering = ["report", "step"]
        constraints = [models.UniqueConstraint(fields=["report", "step"], name="intake_escalation_once")]

    def __str__(self) -> str:
        return f"#{self.report_id} step {self.step}"


class Device(models.Model):
    """An alarm device (一键报警 button, voice-keyword terminal) at a place in a school.

    Its secret signs each call (HMAC-SHA256); it is shown once when registered and kept encrypted,
    as checking a signature needs it.
    """

    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("地点"), max_length=12, choices=Place.choices)
    label = models.CharField(_("安装位置"), max_length=100)
    secret = crypto.EncryptedCharField(_("密钥"), max_length=100)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报警装置")
        verbose_name_plural = _("报警装置")

    def __str__(self) -> str:
        return self.label


class DeviceCall(models.Model):
    """A signature a device has used: the same signed call twice is a replay."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="calls")
    signature = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("报警装置调用")
        verbose_name_plural = _("报警装置调用")
        constraints = [models.UniqueConstraint(fields=["device", "signature"], name="intake_devicecall_once")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.at}"
