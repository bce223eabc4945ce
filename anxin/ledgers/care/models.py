"""谈心谈话, key-group care plans and their reviews, behaviour watch entries.

What was said in a talk is private to the people who care for the child (its author, the class
teacher, the school's psychology teachers): it is encrypted at rest and every read is audited.
Everyone else who may see talks at all sees only that one happened.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.core.crypto import EncryptedTextField
from anxin.ledgers.base import LedgerEntry


class Topic(models.TextChoices):
    EMOTION = "emotion", _("情绪心理")
    PEERS = "peers", _("同伴关系")
    STUDY = "study", _("学习")
    FAMILY = "family", _("家庭")
    BEHAVIOUR = "behaviour", _("行为习惯")
    SAFETY = "safety", _("安全")
    OTHER = "other", _("其他")


class Mood(models.TextChoices):
    CALM = "calm", _("平稳")
    LOW = "low", _("低落")
    ANXIOUS = "anxious", _("焦虑")
    ANGRY = "angry", _("愤怒")
    AFRAID = "afraid", _("恐惧")
    OTHER = "other", _("其他")


class PeerRelation(models.TextChoices):
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    TENSE = "tense", _("紧张")
    ISOLATED = "isolated", _("被孤立")
    OTHER = "other", _("其他")


class Talk(LedgerEntry):
    """One 谈心谈话. The student's current class places it in the tree."""

    student = models.ForeignKey(
        "org.Student", verbose_name=_("学生"), on_delete=models.PROTECT, related_name="care_talks"
    )
    talked_on = models.DateField(_("谈话日期"), default=date.today)
    topic = models.CharField(_("谈话主题"), max_length=20, choices=Topic.choices)
    content = EncryptedTextField(_("谈话内容"))
    mood = models.CharField(_("情绪状态"), max_length=10, choices=Mood.choices)
    peers = models.CharField(_("同伴关系"), max_length=10, choices=PeerRelation.choices)
    #: Other children the student named; feeds the early warning "named in several talks".
    named_students = models.ManyToManyField(
        "org.Student", verbose_name=_("谈话中提到的学生"), blank=True, related_name="named_in_care_talks"
    )
    follow_up = models.BooleanField(_("需要回访"), default=False)
    follow_up_on = models.DateField(_("回访日期"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("已回访时间"), null=True, blank=True)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("谈心谈话")
        verbose_name_plural = _("谈心谈话")
        ordering = ["-talked_on", "-recorded_at"]
        constraints = [LedgerEntry.unique_client_key("ledger_care_talk_client_key")]
        indexes = [models.Index(fields=["school", "talked_on"])]

    def __str__(self) -> str:
        return f"{self.student.masked_name} · {self.talked_on:%Y-%m-%d}"

    def clean(self) -> None:
        if self.follow_up and not self.follow_up_on:
            raise ValidationError({"follow_up_on": _("需要回访时请填写回访日期。")})
        if self.follow_up_on and self.talked_on and self.follow_up_on < self.talked_on:
            raise ValidationError({"follow_up_on": _("回访日期不能早于谈话日期。")})
        if not self.follow_up:
            self.follow_up_on = None


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class CarePlan(LedgerEntry):
    """The care plan for one key-group student; reviewed every ``review_days`` days."""

    student = models.ForeignKey(
        "org.Student", verbose_name=_("学生"), on_delete=models.PROTECT, related_name="care_plans"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+"
    )
    goals = EncryptedTextField(_("帮扶目标"))
    measures = EncryptedTextField(_("帮扶措施"))
    review_days = models.PositiveSmallIntegerField(_("回顾周期（天）"), default=30)
    next_review_on = models.DateField(_("下次回顾日期"))
    status = models.CharField(_("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("关爱帮扶计划")
        verbose_name_plural = _("关爱帮扶计划")
        ordering = ["next_review_on", "-recorded_at"]
        constraints = [LedgerEntry.unique_client_key("ledger_care_plan_client_key")]
        indexes = [models.Index(fields=["school", "status", "next_review_on"])]

    def __str__(self) -> str:
        return f"{self.student.masked_name} · {self.get_status_display()}"

    def clean(self) -> None:
        if self.review_days is not None and not 1 <= self.review_days <= 365:
            raise ValidationError({"review_days": _("回顾周期须在 1 到 365 天之间。")})

    def is_overdue(self, today: date) -> bool:
        return self.status == PlanStatus.ACTIVE and self.next_review_on < today


class CareReview(LedgerEntry):
    """One review of a care plan; ``due_on`` keeps the date it answered, for on-time counting."""

    plan = models.ForeignKey(
        CarePlan, verbose_name=_("帮扶计划"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewed_on = models.DateField(_("回顾日期"), default=date.today)
    notes = EncryptedTextField(_("回顾记录"))
    next_review_on = models.DateField(_("下次回顾日期"), null=True, blank=True)
    due_on = models.DateField(_("应回顾日期"), editable=False)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("帮扶回顾")
        verbose_name_plural = _("帮扶回顾")
        ordering = ["-reviewed_on", "-recorded_at"]
        constraints = [LedgerEntry.unique_client_key("ledger_care_review_client_key")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.reviewed_on:%Y-%m-%d}"

    @property
    def on_time(self) -> bool:
        return self.reviewed_on <= self.due_on


class Severity(models.TextChoices):
    NOTICE = "notice", _("关注")
    WARNING = "warning", _("警示")
    URGENT = "urgent", _("紧急")


class WatchEntry(LedgerEntry):
    """行为异常: what a member of staff saw a student do."""

    student = models.ForeignKey(
        "org.Student", verbose_name=_("学生"), on_delete=models.PROTECT, related_name="care_watch_entries"
    )
    seen_on = models.DateField(_("发现日期"), default=date.today)
    seen = EncryptedTextField(_("观察到的情况"))
    severity = models.CharField(_("程度"), max_length=10, choices=Severity.choices, default=Severity.NOTICE)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("行为异常记录")
        verbose_name_plural = _("行为异常记录")
        ordering = ["-seen_on", "-recorded_at"]
        constraints = [LedgerEntry.unique_client_key("ledger_care_watch_client_key")]
        indexes = [models.Index(fields=["school", "seen_on"])]

    def __str__(self) -> str:
        return f"{self.student.masked_name} · {self.get_severity_display()}"
