"""Safety and anti-bullying education: 1530 sessions, class meetings, other activities, and the
school's own documents with their version history."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.ledgers.base import LedgerEntry

from .schooldays import SessionKind

__all__ = [
    "ActivityType",
    "ClassMeeting",
    "DocKind",
    "Document",
    "DocumentVersion",
    "EduActivity",
    "SafetySession",
]


class SafetySession(LedgerEntry):
    """One 1530 safety talk given to one class on one day (one row per class and day)."""

    klass = models.ForeignKey("org.Unit", verbose_name=_("班级"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=6, choices=SessionKind.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("1530安全教育记录")
        verbose_name_plural = _("1530安全教育记录")
        ordering = ["-date", "klass__path"]
        constraints = [
            LedgerEntry.unique_client_key("ledger_edu_1530_client_key"),
            models.UniqueConstraint(fields=["klass", "date"], name="ledger_edu_1530_class_day"),
        ]

    def __str__(self) -> str:
        return f"{self.klass} {self.date} {self.get_kind_display()}"


class ClassMeeting(LedgerEntry):
    """An anti-bullying theme class meeting (主题班会); at least two per class per term."""

    klass = models.ForeignKey("org.Unit", verbose_name=_("班级"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("日期"))
    topic = models.CharField(_("主题"), max_length=100)
    summary = models.TextField(_("内容摘要"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("防欺凌主题班会")
        verbose_name_plural = _("防欺凌主题班会")
        ordering = ["-date", "-recorded_at"]
        constraints = [LedgerEntry.unique_client_key("ledger_edu_meeting_client_key")]

    def __str__(self) -> str:
        return f"{self.klass} {self.date} {self.topic}"


class ActivityType(models.TextChoices):
    LECTURE = "lecture", _("专题讲座")
    FLAG_TALK = "flag_talk", _("国旗下讲话")
    CASE_WARNING = "case_warning", _("案例警示教育")
    STAFF_TRAINING = "staff_training", _("教职工培训")
    PARENT_SCHOOL = "parent_school", _("家长学校（家长培训）")
    TEACHER_MEETING = "teacher_meeting", _("班主任会议")
    TOPIC_EDUCATION = "topic_education", _("全体学生专题教育")
    OTHER = "other", _("其他")


class EduActivity(LedgerEntry):
    """A school-level education activity, with attendance where people were expected."""

    type = models.CharField(_("活动类型"), max_length=20, choices=ActivityType.choices)
    date = models.DateField(_("日期"))
    title = models.CharField(_("主题"), max_length=100)
    summary = models.TextField(_("内容摘要"), max_length=4000, blank=True)
    expected = models.PositiveIntegerField(_("应到人数"), null=True, blank=True)
    present = models.PositiveIntegerField(_("实到人数"), null=True, blank=True)

    class Meta:
        verbose_name = _("教育活动")
        verbose_name_plural = _("教育活动")
        ordering = ["-date", "-recorded_at"]
        constraints = [LedgerEntry.unique_client_key("ledger_edu_activity_client_key")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.date} {self.title}"

    def clean(self) -> None:
        if self.present is not None and self.expected is not None and self.present > self.expected:
            raise ValidationError({"present": _("实到人数不能多于应到人数。")})

    @property
    def attendance_percent(self) -> int | None:
        if not self.expected or self.present is None:
            return None
        return round(self.present * 100 / self.expected)


class DocKind(models.TextChoices):
    PLAN = "plan", _("学生欺凌防治工作预案")
    CONTACTS = "contacts", _("公开联系方式（负责人、举报电话、信箱）")
    COMMITTEE = "committee", _("欺凌治理委员会说明")


class Document(models.Model):
    """One of the school's own documents; its text lives in versions, the newest is current."""

    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("文件"), max_length=12, choices=DocKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学校防欺凌文件")
        verbose_name_plural = _("学校防欺凌文件")
        ordering = ["school__path", "kind"]
        constraints = [models.UniqueConstraint(fields=["school", "kind"], name="ledger_edu_document_kind")]

    def __str__(self) -> str:
        return f"{self.school} {self.get_kind_display()}"


class DocumentVersion(models.Model):
    """An immutable version of a document: editing adds one, never changes one."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    #: The document's school again, so the permission scope is one path lookup like every other row.
    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("版本号"))
    text = models.TextField(_("正文"), max_length=50000)
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("文件版本")
        verbose_name_plural = _("文件版本")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="ledger_edu_document_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"
