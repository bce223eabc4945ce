"""督导 (supervision): inspectors and their schools, visits, rectification orders, 约谈 and 通报, and
the versioned scorecard policy of each county or city (DOMAIN.md §6, SCENARIOS.md §7)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.org.models import Unit


class ScorecardPolicy(models.Model):
    """Weights and thresholds of the compliance scorecard for a county (or a city's default).

    Versions are never edited: a new one takes effect from its ``effective_from`` date, so a term
    already scored keeps the rules it was scored under.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    effective_from = models.DateField(_("生效日期"))
    #: See :data:`anxin.oversight.supervision.scorecard.DEFAULT_RULES` for the shape.
    rules = models.JSONField()
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考评规则")
        verbose_name_plural = _("考评规则")
        ordering = ["unit", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "version"], name="oversight_scorecard_policy_version")
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} v{self.version}"


class InspectorAssignment(models.Model):
    """A 责任督学 (inspector, held on a county or the city) supervises one school."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任督学"), on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(Unit, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督学分配")
        verbose_name_plural = _("督学分配")
        ordering = ["school__path"]
        constraints = [
            models.UniqueConstraint(fields=["inspector", "school"], name="oversight_inspector_school")
        ]

    def __str__(self) -> str:
        return f"{self.inspector} → {self.school}"


class Finding(models.TextChoices):
    MEETS = "meets", _("符合")
    PARTLY = "partly", _("基本符合")
    FAILS = "fails", _("不符合")


class Visit(models.Model):
    """One inspector's visit (督导检查) of a school, with the checklist built from the scorecard."""

    school = models.ForeignKey(Unit, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("检查日期"))
    #: item key -> {"result": Finding, "note": str}, for each item of the scorecard checked.
    results = models.JSONField(_("检查结果"), default=dict)
    summary = models.TextField(_("总体情况"), max_length=2000, blank=True)
    #: Made by the form (or the API caller) once per visit: a visit kept on a phone without signal
    #: and sent again when it returns is stored once.
    client_key = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督导检查")
        verbose_name_plural = _("督导检查")
        ordering = ["-visited_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspector", "client_key"], name="oversight_visit_client_key")
        ]

    def __str__(self) -> str:
        return f"{self.school.name} {self.visited_on:%Y-%m-%d}"

    def findings(self) -> list[tuple[str, dict[str, str]]]:
        """The items that did not fully meet the plan: what a rectification order is made from."""
        return [(k, v) for k, v in self.results.items() if v.get("result") != Finding.MEETS]


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    school = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="oversight/visits/%Y/%m/")
    content_type = models.CharField(max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督导检查照片")
        verbose_name_plural = _("督导检查照片")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.pk}"


class OrderLevel(models.TextChoices):
    NOTICE = "notice", _("整改通知")
    LISTED = "listed", _("挂牌督办")


class OrderStatus(models.TextChoices):
    ISSUED = "issued", _("待整改")
    RESPONDED = "responded", _("待复查")
    RETURNED = "returned", _("退回重新整改")
    CLOSED = "closed", _("整改完成")
    CANCELLED = "cancelled", _("已撤销")


class OrderAction(models.TextChoices):
    ISSUE = "issue", _("下达整改")
    RESPOND = "respond", _("反馈整改情况")
    CLOSE = "close", _("复查通过，整改完成")
    SEND_BACK = "send_back", _("退回重新整改")
    EXTEND = "extend", _("延长整改期限")
    CANCEL = "cancel", _("撤销整改通知")


#: The closed loop: action -> (from states, to state, permission action, required inputs).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str, tuple[str, ...]]] = {
    OrderAction.RESPOND: (
        (OrderStatus.ISSUED, OrderStatus.RETURNED),
        OrderStatus.RESPONDED,
        "respond",
        ("response",),
    ),
    OrderAction.CLOSE: ((OrderStatus.RESPONDED,), OrderStatus.CLOSED, "check", ()),
    OrderAction.SEND_BACK: ((OrderStatus.RESPONDED,), OrderStatus.RETURNED, "check", ("reason",)),
    # Issued in error, or overtaken (the school closed, a wider order replaced it): withdrawn with
    # a reason, never deleted.
    OrderAction.CANCEL: (
        (OrderStatus.ISSUED, OrderStatus.RETURNED, OrderStatus.RESPONDED),
        OrderStatus.CANCELLED,
        "check",
        ("reason",),
    ),
}

#: A later deadline, with a reason, while the order waits for the school (see services.order_extend).
EXTENDABLE = (OrderStatus.ISSUED, OrderStatus.RETURNED)

#: Waiting for the school: these are the orders that can be overdue.
OPEN_AT_SCHOOL = (OrderStatus.ISSUED, OrderStatus.RETURNED)


class Order(models.Model):
    """A rectification order (整改通知 / 挂牌督办) from a bureau or an inspector to one school."""

    school = models.ForeignKey(Unit, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("事由"), max_length=100)
    #: [{"text": str, "item": scorecard item key or ""}], at least one.
    items = models.JSONField(_("整改事项"), default=list)
    level = models.CharField(_("级别"), max_length=10, choices=OrderLevel.choices, default=OrderLevel.NOTICE)
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.ISSUED, db_index=True
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("来自督导检查"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("下达人"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("下达时间"), auto_now_add=True)
    response = models.TextField(_("整改情况"), max_length=4000, blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to="oversight/orders/%Y/%m/", blank=True)
    evidence_type = models.CharField(max_length=30, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("复查时间"), null=True, blank=True)
    returned_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    #: When the overdue sweep told the issuer and the county (once per order).
    escalated_at = models.DateTimeField(_("逾期上报时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.title}"

    @property
    def number(self) -> str:
        return f"ZG{self.pk:05d}" if self.pk else ""

    def is_overdue(self, today: date) -> bool:
        return self.status in OPEN_AT_SCHOOL and self.deadline < today

    def can(self, action: str) -> bool:
        if action == OrderAction.EXTEND:
            return self.status in EXTENDABLE
        move = TRANSITIONS.get(action)
        return move is not None and self.status in move[0]


class OrderStep(models.Model):
    """One step of an order's history, shown on its page."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="steps")
    school = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=10, choices=OrderAction.choices)
    from_status = models.CharField(_("原状态"), max_length=10, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=OrderStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class Interview(models.Model):
    """A 约谈: a bureau summons someone responsible at a school."""

    school = models.ForeignKey(Unit, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    person = models.CharField(_("被约谈人"), max_length=50)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    held_on = models.DateField(_("约谈日期"))
    reason = models.TextField(_("约谈事由"), max_length=2000)
    outcome = models.TextField(_("约谈结果"), max_length=2000, blank=True)
    order = models.ForeignKey(
        Order,
        verbose_name=_("相关整改通知"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("约谈记录")
        verbose_name_plural = _("约谈记录")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.school.name} {self.held_on:%Y-%m-%d}"


class Notice(models.Model):
    """A 通报 from a bureau to all its schools; each school's principal confirms reading it."""

    unit = models.ForeignKey(Unit, verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"), max_length=10000)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class NoticeReceipt(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    school = models.ForeignKey(Unit, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通报回执")
        verbose_name_plural = _("通报回执")
        ordering = ["school__path"]
        constraints = [models.UniqueConstraint(fields=["notice", "school"], name="oversight_notice_receipt")]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.school_id}"
