"""预警 (early warnings) and the per-bureau thresholds of the rules that raise them.

A warning is about one subject (a student, a class, a key place, a report, a hazard) and is raised
by one rule. While it is open or acknowledged it is the only one for its (school, rule, subject): a
later evaluation that finds the same thing again merges into it (``last_seen``, ``reasons``), so the
responsible person gets one item to deal with, not one per run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    STUDENT_NAMED = "student_named", _("学生多次被提及")
    CARE_PLAN_OVERDUE = "care_plan_overdue", _("帮扶计划逾期未回顾")
    WATCH_EXIT = "watch_exit", _("重点关注学生擅自离校被拦")
    PLACE_REPEAT = "place_repeat", _("重点部位反复出现隐患")
    CLASS_NO_TALKS = "class_no_talks", _("班级长期无谈心谈话")
    CLASS_NO_1530 = "class_no_1530", _("班级长期无1530安全教育记录")
    HAZARD_OVERDUE = "hazard_overdue", _("隐患整改逾期")
    URGENT_UNACKNOWLEDGED = "urgent_unacknowledged", _("紧急举报无人确认")
    PATROL_OVERDUE = "patrol_overdue", _("巡查点未按频次巡查")
    TALK_FOLLOW_UP = "talk_follow_up", _("谈心谈话待回访")
    LEAVE_UNRETURNED = "leave_unreturned", _("请假学生逾期未销假")
    #: Computed by anxin.surveys (above this app), which registers it: see rules.register_rule.
    SURVEY_HOTSPOT = "survey_hotspot", _("专项调查显示欺凌多发地点与时段")


#: Reminders: the warning is about a duty with a clear "done" (the round made up, the talk followed
#: up, the pupil back), so the evaluation closes it itself once the duty is done.
REMINDERS = frozenset({Rule.PATROL_OVERDUE, Rule.TALK_FOLLOW_UP, Rule.LEAVE_UNRETURNED})


class SubjectType(models.TextChoices):
    STUDENT = "student", _("学生")
    CLASS = "class", _("班级")
    PLACE = "place", _("重点部位")
    PATROL_POINT = "patrol_point", _("巡查点")
    REPORT = "report", _("举报")
    HAZARD = "hazard", _("隐患")
    SURVEY = "survey", _("专项调查")


class Severity(models.TextChoices):
    NOTICE = "notice", _("提示")
    WARNING = "warning", _("预警")
    URGENT = "urgent", _("紧急")


class Status(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已知悉")
    ACTED = "acted", _("已处置")
    DISMISSED = "dismissed", _("已排除")


#: The states in which a warning is still live; one live warning per (school, rule, subject).
LIVE = (Status.OPEN, Status.ACKNOWLEDGED)


class Warning(models.Model):  # noqa: A001 - the domain word; never imported bare next to builtins.Warning
    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    #: Where the warning sits in the tree, for scope: the student's or the class's path, else the school's.
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    rule = models.CharField(_("规则"), max_length=30, choices=Rule.choices)
    subject_type = models.CharField(_("对象类型"), max_length=12, choices=SubjectType.choices)
    subject_id = models.PositiveBigIntegerField(_("对象编号"))
    #: Masked (李*雨 · 初一(1)班): safe for a notification or a list seen over a shoulder.
    subject_label = models.CharField(_("对象"), max_length=200)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: Others the warning is addressed to besides the responsible person: the safety officer once a
    #: late patrol round is escalated, the gate staff of an unreturned pupil. They see it as their own.
    addressed = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("同时告知"), blank=True, related_name="+"
    )
    #: Plain sentences saying why, each with its evidence (dates, counts; never another child's name).
    reasons = models.JSONField(_("预警原因"), default=list)
    #: Stable keys of the rows behind the reasons (``talk:12``), to tell new evidence from old.
    evidence = models.JSONField(default=list, editable=False)
    severity = models.CharField(_("程度"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    first_seen = models.DateTimeField(_("首次发现"), default=timezone.now)
    last_seen = models.DateTimeField(_("最近发现"), default=timezone.now)
    #: How many times the evidence changed while the warning was live (1 when raised).
    occurrences = models.PositiveIntegerField(_("次数"), default=1)
    acknowledged_at = models.DateTimeField(_("知悉时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: What was done (acted) or why it is not a concern (dismissed).
    close_note = models.TextField(_("处置情况/排除原因"), blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-last_seen", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "rule", "subject_type", "subject_id"],
                condition=models.Q(status__in=["open", "acknowledged"]),
                name="ledger_warnings_one_live_per_subject",
            )
        ]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["responsible", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} · {self.subject_label}"

    @property
    def live(self) -> bool:
        return self.status in LIVE


class WarningPolicy(models.Model):
    """A bureau's thresholds for the rules; a county's override its city's, both override the code."""

    unit = models.OneToOneField(
        "org.Unit", verbose_name=_("教育局"), on_delete=models.PROTECT, related_name="warning_policy"
    )
    #: rule -> {threshold name: integer}; unknown names and non-integers are ignored.
    thresholds = models.JSONField(_("阈值"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("预警阈值")
        verbose_name_plural = _("预警阈值")

    def __str__(self) -> str:
        return f"{self.unit} 预警阈值"
