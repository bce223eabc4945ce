"""值班巡逻: the duty rota, shift handovers, patrol points with their QR check-ins, dormitory rounds."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.ledgers.base import LedgerEntry


def new_token() -> str:
    """The secret in a point's QR link: unguessable, so a photo of another school's code opens nothing."""
    return secrets.token_urlsafe(16)


class PointType(models.TextChoices):
    DORM_FLOOR = "dorm_floor", _("宿舍楼层")
    DORMITORY = "dormitory", _("宿舍")
    TOILET = "toilet", _("厕所")
    CANTEEN = "canteen", _("食堂")
    CORRIDOR = "corridor", _("楼道楼梯")
    CLASSROOM = "classroom", _("教室")
    PLAYGROUND = "playground", _("操场")
    GATE = "gate", _("校门口及周边")
    OTHER = "other", _("其他")


#: Points patrolled at night (one night round by default) rather than in the day.
DORM_TYPES = frozenset({PointType.DORM_FLOOR, PointType.DORMITORY})


class Shift(models.TextChoices):
    DAY = "day", _("白班")
    NIGHT = "night", _("夜班")


class Frequency(models.TextChoices):
    """How often a point must be patrolled: so many rounds a day, a night (18:00–08:00) or a week."""

    DAY = "day", _("每天")
    NIGHT = "night", _("每晚")
    WEEK = "week", _("每周")


class PatrolSettings(models.Model):
    """How many patrol rounds a school schedules a day; absent means the defaults."""

    school = models.OneToOneField(
        "org.Unit", verbose_name=_("学校"), on_delete=models.CASCADE, related_name="patrol_settings"
    )
    day_rounds = models.PositiveSmallIntegerField(_("普通巡查点每日巡查次数"), default=2)
    night_rounds = models.PositiveSmallIntegerField(_("宿舍巡查点每晚巡查次数"), default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("巡查设置")
        verbose_name_plural = _("巡查设置")

    def __str__(self) -> str:
        return str(self.school)


class PatrolPoint(models.Model):
    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    place_type = models.CharField(
        _("地点类型"), max_length=20, choices=PointType.choices, default=PointType.OTHER
    )
    building = models.CharField(_("楼栋"), max_length=40, blank=True)
    floor = models.CharField(_("楼层"), max_length=10, blank=True)
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    #: Blank: the school's setting (a dormitory point every night, any other every day).
    frequency = models.CharField(_("巡查频次"), max_length=10, choices=Frequency.choices, blank=True)
    #: Null: the school's number of rounds for the frequency (one a week for a weekly point).
    rounds = models.PositiveSmallIntegerField(_("每期巡查次数"), null=True, blank=True)
    #: Warned first when a round is missed; none: whoever is on duty for the shift (值班安排).
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("巡查点")
        verbose_name_plural = _("巡查点")
        ordering = ["school", "building", "floor", "name"]

    def __str__(self) -> str:
        return " ".join(p for p in (self.building, self.floor and f"{self.floor}F", self.name) if p)

    @property
    def is_dorm(self) -> bool:
        return self.place_type in DORM_TYPES

    def required(self, day_rounds: int, night_rounds: int) -> tuple[str, int]:
        """(frequency, rounds per period): the point's own, else the school's ``PatrolSettings``."""
        kind = self.frequency or (Frequency.NIGHT if self.is_dorm else Frequency.DAY)
        if self.rounds is not None:
            return kind, self.rounds
        school: dict[str, int] = {Frequency.DAY: day_rounds, Frequency.NIGHT: night_rounds}
        return kind, school.get(kind, 1)


class PatrolCheckin(LedgerEntry):
    """One tap on 打卡 at a point, with what was found there (if anything)."""

    point = models.ForeignKey(
        PatrolPoint, verbose_name=_("巡查点"), on_delete=models.PROTECT, related_name="checkins"
    )
    finding = models.TextField(_("发现的问题"), max_length=2000, blank=True)
    photo = models.FileField(_("照片"), upload_to="ledgers/patrol/%Y/%m/", blank=True)
    needs_report = models.BooleanField(_("需要上报"), default=False)
    report = models.ForeignKey(
        "intake.Report",
        verbose_name=_("上报记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta(LedgerEntry.Meta):
        verbose_name = _("巡查打卡")
        verbose_name_plural = _("巡查打卡")
        constraints = [LedgerEntry.unique_client_key("ledger_patrol_checkin_client_key")]

    def __str__(self) -> str:
        return (
            f"{self.point} {timezone.localtime(self.recorded_at):%Y-%m-%d %H:%M}"
            if self.recorded_at
            else str(self.point)
        )


class DutyShift(models.Model):
    """One person rostered on one date and shift (值班安排); a night shift runs 18:00–08:00 next day."""

    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("日期"))
    shift = models.CharField(_("班次"), max_length=10, choices=Shift.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("值班人员"), on_delete=models.PROTECT, related_name="+"
    )
    is_leader = models.BooleanField(_("值班领导"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")
        ordering = ["date", "shift", "-is_leader", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "date", "shift", "person"], name="ledger_patrol_duty_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_shift_display()} {self.person}"


class ShiftHandover(LedgerEntry):
    """交接班: recorded by the one handing over; the receiver confirms (signs) on their own account."""

    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接班人"), on_delete=models.PROTECT, related_name="+"
    )
    handed_at = models.DateTimeField(_("交接时间"))
    keys = models.BooleanField(_("钥匙"), default=False)
    radio = models.BooleanField(_("对讲机"), default=False)
    pending = models.BooleanField(_("未完成事项"), default=False)
    hazards = models.BooleanField(_("安全隐患"), default=False)
    notes = models.TextField(_("交接内容"), max_length=2000, blank=True)
    received_at = models.DateTimeField(_("接班确认时间"), null=True, blank=True)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("交接班记录")
        verbose_name_plural = _("交接班记录")
        constraints = [LedgerEntry.unique_client_key("ledger_patrol_handover_client_key")]

    def __str__(self) -> str:
        when = f" {timezone.localtime(self.handed_at):%Y-%m-%d %H:%M}" if self.handed_at else ""
        return f"{self.recorded_by} → {self.receiver}{when}"


class DormRound(LedgerEntry):
    """熄灯后巡查 of one building floor: who should be there, who is, which beds are empty."""

    building = models.CharField(_("楼栋"), max_length=40)
    floor = models.CharField(_("楼层"), max_length=10, blank=True)
    patrolled_at = models.DateTimeField(_("巡查时间"))
    expected = models.PositiveSmallIntegerField(_("应到人数"))
    present = models.PositiveSmallIntegerField(_("实到人数"))
    absent_beds = models.CharField(_("缺勤床位"), max_length=300, blank=True, help_text=_("如 312-4, 315-1"))
    anomalies = models.TextField(_("异常情况"), max_length=2000, blank=True)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("熄灯后巡查")
        verbose_name_plural = _("熄灯后巡查")
        constraints = [LedgerEntry.unique_client_key("ledger_patrol_dorm_client_key")]

    def __str__(self) -> str:
        when = f" {timezone.localtime(self.patrolled_at):%Y-%m-%d %H:%M}" if self.patrolled_at else ""
        return f"{self.building} {self.floor}{when}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.present is not None and self.expected is not None and self.present > self.expected:
            raise ValidationError({"present": _("实到人数不能多于应到人数。")})

    @property
    def has_issue(self) -> bool:
        return bool(self.absent_beds.strip() or self.anomalies.strip() or self.present < self.expected)
