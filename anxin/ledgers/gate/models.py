"""The gate's ledgers: visitors, leave passes, student exits in school hours, dangerous items found.

A visitor's identity card is kept as its last four characters only: enough to tell two visitors of
the same name apart, too little to be a personal ID number worth stealing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.ledgers.base import LedgerEntry
from anxin.ledgers.errors import LedgerError

#: The value, not the member: migrations copy the validator, and should not import the enum.
ID_LAST4 = RegexValidator(
    r"^[0-9X]{4}$", _("请输入身份证号后4位（数字或X）。"), code=LedgerError.BAD_ID_LAST4.value
)


class Visitor(LedgerEntry):
    """来访登记: one person who came in through the gate."""

    name = models.CharField(_("来访人姓名"), max_length=50)
    id_last4 = models.CharField(_("身份证后4位"), max_length=4, validators=[ID_LAST4])
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被访教职工"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    host_text = models.CharField(_("被访人/班级"), max_length=100, blank=True)
    reason = models.CharField(_("来访事由"), max_length=200)
    items = models.CharField(_("携带物品"), max_length=200, blank=True)
    time_in = models.DateTimeField(_("进校时间"), db_index=True)
    time_out = models.DateTimeField(_("离校时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("来访登记")
        verbose_name_plural = _("来访登记")
        ordering = ["-time_in", "-pk"]
        constraints = [LedgerEntry.unique_client_key("ledger_gate_visitor_client_key")]

    def __str__(self) -> str:
        return self.name

    @property
    def inside(self) -> bool:
        return self.time_out is None

    @property
    def host_label(self) -> str:
        return str(self.host) if self.host_id else self.host_text

    def can_check_out(self) -> bool:
        return self.time_out is None


class LeavePass(LedgerEntry):
    """请假: a class teacher's (or the moral-education office's) approval for a student to be away.

    ``recorded_by`` is the approver: recording the pass is the approval.
    """

    student = models.ForeignKey(
        "org.Student", verbose_name=_("学生"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("请假开始"))
    ends_at = models.DateTimeField(_("请假结束"))
    reason = models.CharField(_("请假事由"), max_length=200)
    #: 销假: when the pupil came back, recorded by the gate or the class teacher.
    returned_at = models.DateTimeField(_("销假时间"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销假登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("请假条")
        verbose_name_plural = _("请假条")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            LedgerEntry.unique_client_key("ledger_gate_leave_client_key"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="ledger_gate_leave_span"
            ),
        ]

    def __str__(self) -> str:
        return self.student.masked_name

    def covers(self, moment) -> bool:  # noqa: ANN001
        return self.starts_at <= moment <= self.ends_at

    def can_return(self) -> bool:
        return self.returned_at is None


class ExitOutcome(models.TextChoices):
    ALLOWED = "allowed", _("持假条离校")
    STOPPED = "stopped", _("拦下")


class StopAction(models.TextChoices):
    CONTACT_TEACHER = "contact_teacher", _("联系班主任")
    NOTIFY_PARENT = "notify_parent", _("通知家长")
    BACK_TO_CLASS = "back_to_class", _("返回教室")


class StudentExit(LedgerEntry):
    """学生出校 in school hours: let through on an approved leave pass, or stopped."""

    student = models.ForeignKey(
        "org.Student", verbose_name=_("学生"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=ExitOutcome.choices)
    leave = models.ForeignKey(
        LeavePass,
        verbose_name=_("请假条"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exits",
    )
    action = models.CharField(_("处理方式"), max_length=20, choices=StopAction.choices, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("学生出校")
        verbose_name_plural = _("学生出校")
        ordering = ["-recorded_at", "-pk"]
        constraints = [LedgerEntry.unique_client_key("ledger_gate_exit_client_key")]

    def __str__(self) -> str:
        return self.student.masked_name

    @property
    def stopped(self) -> bool:
        return self.outcome == ExitOutcome.STOPPED


class ItemKind(models.TextChoices):
    KNIFE = "knife", _("管制刀具")
    LIGHTER = "lighter", _("打火机")
    OTHER = "other", _("其他")


class ItemAction(models.TextChoices):
    HELD = "held", _("暂扣")
    SECURITY = "security", _("交保卫处")
    PARENT = "parent", _("通知家长")
    POLICE = "police", _("报警")


class DangerousItem(LedgerEntry):
    """危险物品: something found at the gate, from whom, and what was done with it."""

    kind = models.CharField(_("物品类别"), max_length=10, choices=ItemKind.choices)
    description = models.CharField(_("物品说明"), max_length=200, blank=True)
    student = models.ForeignKey(
        "org.Student",
        verbose_name=_("学生"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visitor = models.ForeignKey(
        Visitor, verbose_name=_("来访人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("处理方式"), max_length=10, choices=ItemAction.choices)
    photo = models.FileField(_("照片"), upload_to="ledgers/gate/%Y/%m/", blank=True)
    photo_type = models.CharField(max_length=30, blank=True)

    class Meta:
        verbose_name = _("危险物品")
        verbose_name_plural = _("危险物品")
        ordering = ["-recorded_at", "-pk"]
        constraints = [LedgerEntry.unique_client_key("ledger_gate_item_client_key")]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def kind_label(self) -> str:
        if self.kind == ItemKind.OTHER and self.description:
            return self.description
        return str(self.get_kind_display())

    @property
    def holder_label(self) -> str:
        if self.student_id:
            return self.student.name
        if self.visitor_id:
            return self.visitor.name
        return ""
