"""隐患排查整治 and 视频监控: the school's grid of key places, screenings, hazards as rectification
tasks in a closed loop, cameras and footage reviews."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.ledgers.base import LedgerEntry


class PlaceKind(models.TextChoices):
    TOILET = "toilet", _("厕所")
    DORMITORY = "dormitory", _("宿舍")
    CANTEEN = "canteen", _("食堂")
    CORRIDOR = "corridor", _("楼道")
    STAIRS = "stairs", _("楼梯")
    ROOFTOP = "rooftop", _("楼顶")
    STOREROOM = "storeroom", _("储藏室")
    EVENING_CLASS = "evening_class", _("晚自习教室")
    SURROUNDINGS = "surroundings", _("校园周边")
    OTHER = "other", _("其他")


#: Where bullying hides: these places need a working camera (at the door, for toilets and dorms).
COVERAGE_KINDS = frozenset(
    {
        PlaceKind.TOILET,
        PlaceKind.DORMITORY,
        PlaceKind.CANTEEN,
        PlaceKind.CORRIDOR,
        PlaceKind.STAIRS,
        PlaceKind.ROOFTOP,
        PlaceKind.STOREROOM,
        PlaceKind.EVENING_CLASS,
    }
)


class KeyPlace(models.Model):
    """One cell of the school's grid (网格) with the staff member responsible for it."""

    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=20, choices=PlaceKind.choices)
    location = models.CharField(_("楼栋/位置"), max_length=100, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("网格责任人"), on_delete=models.PROTECT, related_name="+"
    )
    frequency_days = models.PositiveSmallIntegerField(_("排查周期（天）"), default=7)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("重点部位")
        verbose_name_plural = _("重点部位")
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="ledger_hazards_place_name"),
            models.CheckConstraint(
                condition=models.Q(frequency_days__gte=1, frequency_days__lte=365),
                name="ledger_hazards_place_frequency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    @property
    def needs_camera(self) -> bool:
        return self.kind in COVERAGE_KINDS


class ScreeningResult(models.TextChoices):
    NORMAL = "normal", _("正常")
    FOUND = "found", _("发现隐患")


class Screening(LedgerEntry):
    """One screening (排查) of one key place; recorded_by is who screened."""

    place = models.ForeignKey(
        KeyPlace, verbose_name=_("重点部位"), on_delete=models.PROTECT, related_name="screenings"
    )
    screened_on = models.DateField(_("排查日期"), default=date.today)
    result = models.CharField(_("排查结果"), max_length=10, choices=ScreeningResult.choices)
    notes = models.TextField(_("情况说明"), max_length=1000, blank=True)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("隐患排查记录")
        verbose_name_plural = _("隐患排查记录")
        constraints = [LedgerEntry.unique_client_key("ledger_hazards_screening_client_key")]

    def __str__(self) -> str:
        return f"{self.place.name} {self.screened_on}"


class HazardStatus(models.TextChoices):
    FOUND = "found", _("发现")
    RECTIFYING = "rectifying", _("整改中")
    RECTIFIED = "rectified", _("待复查")
    CLOSED = "closed", _("已销号")


class HazardAction(models.TextChoices):
    REPORT = "report", _("发现上报")
    START = "start", _("下达整改")
    RECTIFY = "rectify", _("整改完成")
    ACCEPT = "accept", _("复查销号")
    REJECT = "reject", _("退回整改")


#: The closed loop: action -> (from state, to state, permission action, required inputs).
TRANSITIONS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    HazardAction.START: (HazardStatus.FOUND, HazardStatus.RECTIFYING, "handle", ("owner", "deadline")),
    HazardAction.RECTIFY: (HazardStatus.RECTIFYING, HazardStatus.RECTIFIED, "rectify", ("photo",)),
    HazardAction.ACCEPT: (HazardStatus.RECTIFIED, HazardStatus.CLOSED, "handle", ()),
    HazardAction.REJECT: (HazardStatus.RECTIFIED, HazardStatus.RECTIFYING, "handle", ("reason",)),
}


class Hazard(LedgerEntry):
    """A hazard (隐患) and its rectification task; recorded_by is who found or reported it."""

    place = models.ForeignKey(
        KeyPlace,
        verbose_name=_("重点部位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    screening = models.ForeignKey(
        Screening,
        verbose_name=_("来自排查"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    description = models.TextField(_("隐患描述"), max_length=1000)
    status = models.CharField(
        _("状态"), max_length=12, choices=HazardStatus.choices, default=HazardStatus.FOUND
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    rectify_note = models.TextField(_("整改说明"), max_length=1000, blank=True)
    photo = models.FileField(_("整改照片"), upload_to="ledgers/hazards/%Y/%m/", blank=True)
    photo_type = models.CharField(max_length=30, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复查销号人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("隐患整改")
        verbose_name_plural = _("隐患整改")
        constraints = [LedgerEntry.unique_client_key("ledger_hazards_hazard_client_key")]
        indexes = [models.Index(fields=["school", "status", "deadline"])]

    def __str__(self) -> str:
        return self.description[:40]

    def can_start(self) -> bool:
        return self.status == HazardStatus.FOUND

    def can_rectify(self) -> bool:
        return self.status == HazardStatus.RECTIFYING

    def can_accept(self, user: object = None) -> bool:
        """Four eyes: whoever rectified it may not strike it off."""
        if self.status != HazardStatus.RECTIFIED:
            return False
        return user is None or getattr(user, "pk", None) != self.rectified_by_id

    def can_reject(self) -> bool:
        return self.status == HazardStatus.RECTIFIED

    def is_overdue(self, today: date) -> bool:
        return self.status == HazardStatus.RECTIFYING and self.deadline is not None and self.deadline < today


class HazardStep(models.Model):
    """One step of a hazard's history, kept with the hazard for the ledger and the export."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="steps")
    school = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=10, choices=HazardAction.choices)
    from_status = models.CharField(_("原状态"), max_length=12, choices=HazardStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=HazardStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("隐患整改记录")
        verbose_name_plural = _("隐患整改记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.action}"


class CameraStatus(models.TextChoices):
    OK = "ok", _("正常")
    BROKEN = "broken", _("故障")
    NO_COVERAGE = "no_coverage", _("无覆盖")


class Camera(models.Model):
    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey(
        KeyPlace, verbose_name=_("重点部位"), on_delete=models.PROTECT, related_name="cameras"
    )
    name = models.CharField(_("名称/编号"), max_length=60)
    status = models.CharField(_("状态"), max_length=12, choices=CameraStatus.choices, default=CameraStatus.OK)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("监控摄像头")
        verbose_name_plural = _("监控摄像头")
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="ledger_hazards_camera_name")]

    def __str__(self) -> str:
        return self.name


class FootageReview(LedgerEntry):
    """录像回看: who looked at which cameras over which period, and what they saw."""

    cameras = models.ManyToManyField(Camera, verbose_name=_("摄像头"), related_name="reviews")
    period_from = models.DateTimeField(_("回看开始"))
    period_to = models.DateTimeField(_("回看结束"))
    findings = models.TextField(_("发现情况"), max_length=1000, blank=True)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("录像回看记录")
        verbose_name_plural = _("录像回看记录")
        constraints = [LedgerEntry.unique_client_key("ledger_hazards_review_client_key")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.period_from):%Y-%m-%d %H:%M}" if self.period_from else ""
