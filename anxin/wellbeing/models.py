"""心理筛查: rounds, the classes in them (with their guardian notice), one-time codes, answers, warnings.

An answer (:class:`Screening`) is tied to the pupil: confidential, not anonymous. Its items are
encrypted at rest; its scores are plain integers so the psychology teacher's lists and the change
between two screenings are queries. Only the psychology teacher(s) of the school read either
(permissions.py); everyone else gets 404.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.core.crypto import EncryptedJSONField
from anxin.warnings.models import (  # the early warnings' states: one flow (warnings.services.warning_move)
    LIVE,
    Status,
)

from .instruments import INSTRUMENT_SET, LEVEL_LABELS, Level


class Round(models.Model):
    """A screening of some classes of one school within a window of days."""

    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("名称"), max_length=100)
    instrument_set = models.CharField(_("量表版本"), max_length=20, default=INSTRUMENT_SET)
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("筛查批次")
        verbose_name_plural = _("筛查批次")
        ordering = ["-opens_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    def open_on(self, day: object) -> bool:
        return bool(self.opens_on <= day <= self.closes_on)  # type: ignore[operator]


class RoundClass(models.Model):
    """A class in a round. Its pupils get codes only after the guardian notice is recorded."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="classes")
    klass = models.ForeignKey("org.Unit", verbose_name=_("班级"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    notice_at = models.DateTimeField(_("家长告知书发放时间"), null=True, blank=True)
    notice_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    codes_issued_at = models.DateTimeField(_("答题码打印时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("筛查班级")
        verbose_name_plural = _("筛查班级")
        ordering = ["unit_path"]
        constraints = [models.UniqueConstraint(fields=["round", "klass"], name="wellbeing_round_class_once")]

    def __str__(self) -> str:
        return f"{self.round} · {self.klass}"


class Invitation(models.Model):
    """One pupil's one-time code for one round; only its hash is kept."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    student = models.ForeignKey("org.Student", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    code_hash = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("答题码")
        verbose_name_plural = _("答题码")
        constraints = [models.UniqueConstraint(fields=["round", "student"], name="wellbeing_invitation_once")]

    def __str__(self) -> str:
        return f"{self.round} · {self.student_id}"


class Screening(models.Model):
    """One pupil's answers in one round, with the scores and the level they gave."""

    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="screening")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="screenings")
    student = models.ForeignKey("org.Student", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    answered_at = models.DateTimeField(_("作答时间"), default=timezone.now)
    instrument_set = models.CharField(max_length=20)
    level_rules = models.CharField(max_length=20)
    #: {"phq9": [9 × 0–3], "gad7": [7 × 0–3]}
    answers = EncryptedJSONField(_("作答"))
    phq9 = models.PositiveSmallIntegerField(_("PHQ-9 总分"))
    gad7 = models.PositiveSmallIntegerField(_("GAD-7 总分"))
    item9 = models.PositiveSmallIntegerField(_("PHQ-9 第9题"))
    level = models.CharField(
        _("预警等级"), max_length=10, choices=[(k.value, v) for k, v in LEVEL_LABELS.items()]
    )

    class Meta:
        verbose_name = _("筛查作答")
        verbose_name_plural = _("筛查作答")
        ordering = ["-answered_at", "-pk"]
        indexes = [models.Index(fields=["student", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.round} · {self.student_id}"


class WarningLevel(models.TextChoices):
    ATTENTION = Level.ATTENTION.value, _("关注")
    CONCERN = Level.CONCERN.value, _("重点关注")
    URGENT = Level.URGENT.value, _("紧急")


class ScreeningWarning(models.Model):
    """The warning one screening raised. Follows the early warnings' flow (open → acknowledged →
    acted or dismissed). ``watchers`` are the people told besides the psychology teachers: the class
    teacher for attention (never the scores), the duty leader(s) for urgent."""

    screening = models.OneToOneField(Screening, on_delete=models.PROTECT, related_name="warning")
    school = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    student = models.ForeignKey("org.Student", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("等级"), max_length=10, choices=WarningLevel.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    #: Concern: the psychology teacher's talk is due by this school day.
    due_on = models.DateField(_("约谈期限"), null=True, blank=True)
    #: When the sweep told of a concern warning past its due day (once).
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.TextField(_("处置情况/排除原因"), blank=True)

    class Meta:
        verbose_name = _("心理筛查预警")
        verbose_name_plural = _("心理筛查预警")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.student_id}"

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def rank(self) -> int:
        return {"urgent": 0, "concern": 1, "attention": 2}.get(self.level, 3)
