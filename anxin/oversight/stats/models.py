"""The count table: one row per school, day, metric and subgroup (Zulip's ``analytics`` tables).

Dashboards, the big screen and the API read only this table, so a city page never scans reports,
cases or ledgers. Rows are written only by :func:`.services.rebuild`, which replaces a day's rows
whole; nothing edits a row in place.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    # Flows: what happened on the day; a period's figure is the sum of its days.
    REPORTS = "reports", _("举报数（按渠道）")
    REPORTS_KIND = "reports_kind", _("举报数（按行为类型）")
    REPORTS_URGENT = "reports_urgent", _("紧急举报")
    REPORTS_PLACE_TIME = "reports_place_time", _("举报地点×时间段")
    ACK_MINUTES = "ack_minutes", _("首次确认用时合计（分钟）")
    ACK_COUNT = "ack_count", _("已确认的举报")
    CASES_OPENED = "cases_opened", _("立案数")
    CASES_CLOSED = "cases_closed", _("结案数")
    DETERMINATIONS = "determinations", _("认定（按情节）")
    DETERMINATIONS_KIND = "determinations_kind", _("认定为欺凌（按行为类型）")
    REEXAMS_APPLIED = "reexams_applied", _("复查申请")
    REEXAMS_DECIDED = "reexams_decided", _("复查决定（按结论）")
    POLICE_REFERRALS = "police_referrals", _("移送公安")
    WARNINGS_RAISED = "warnings_raised", _("新预警（按规则）")
    WARNINGS_HANDLED = "warnings_handled", _("已处理预警（按结果）")
    LEDGER_DUE = "ledger_due", _("台账应做（按职责）")
    LEDGER_DONE = "ledger_done", _("台账已做（按职责）")
    POSTERS_PRINTED = "posters_printed", _("海报打印次数")
    SURVEY_ANSWERS = "survey_answers", _("专项调查答卷")
    #: Answers of pupils bullied 每月两三次 or more: the survey's prevalence numerator.
    SURVEY_BULLIED = "survey_bullied", _("专项调查被欺凌答卷")
    # Stocks: the state at the end of the day; a period's figure is its last day's.
    CASES_OPEN = "cases_open", _("在办案件")
    CASES_SERIOUS_OPEN = "cases_serious_open", _("在办严重案件")
    CASES_OVERDUE = "cases_overdue", _("有逾期期限的案件")
    DEADLINES_OVERDUE = "deadlines_overdue", _("逾期期限（按类型）")
    WARNINGS_OPEN = "warnings_open", _("未处理预警")
    #: The cases' states can only be read as they are now: written for today, kept for past days.
    CASES_STATE = "cases_state", _("案件状态分布（当日快照）")


STOCKS = frozenset(
    {
        Metric.CASES_OPEN,
        Metric.CASES_SERIOUS_OPEN,
        Metric.CASES_OVERDUE,
        Metric.DEADLINES_OVERDUE,
        Metric.WARNINGS_OPEN,
        Metric.CASES_STATE,
    }
)
#: Metrics a rebuild of a past day leaves alone: they cannot be reconstructed after the fact.
SNAPSHOTS = frozenset({Metric.CASES_STATE})


class Duty(models.TextChoices):
    """The ledger duties whose completeness is counted per day (keys of LEDGER_DUE/LEDGER_DONE)."""

    SAFETY_1530 = "1530", _("1530安全教育")
    PATROL = "patrol", _("巡查与宿舍查寝")


class DailyCount(models.Model):
    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    metric = models.CharField(_("指标"), max_length=30, choices=Metric.choices)
    #: The subgroup (a channel, a kind, a state, "place|time band"...); empty when there is none.
    key = models.CharField(_("分组"), max_length=60, blank=True, default="")
    value = models.BigIntegerField(_("数值"))

    class Meta:
        verbose_name = _("每日统计")
        verbose_name_plural = _("每日统计")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "day", "metric", "key"], name="oversight_stats_daily_unique"
            )
        ]
        # (metric, day, ...) covers every dashboard query: a page reads the index alone, never the table.
        indexes = [
            models.Index(fields=["metric", "day", "school", "key", "value"]),
            models.Index(fields=["day", "school"]),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.day} {self.metric}:{self.key}={self.value}"


class MonthlyCount(models.Model):
    """The daily rows of one month rolled up, so that a page over terms or years reads months.

    A flow's value is the sum of the month's days; a stock's is its value on the month's last
    counted day (the month's end, or today in the current month). Kept by
    :func:`.services.rebuild` after it rewrites the days of a month.
    """

    school = models.ForeignKey("org.Unit", verbose_name=_("学校"), on_delete=models.CASCADE, related_name="+")
    #: The first day of the month.
    month = models.DateField(_("月份"))
    metric = models.CharField(_("指标"), max_length=30, choices=Metric.choices)
    key = models.CharField(_("分组"), max_length=60, blank=True, default="")
    value = models.BigIntegerField(_("数值"))

    class Meta:
        verbose_name = _("每月统计")
        verbose_name_plural = _("每月统计")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "month", "metric", "key"], name="oversight_stats_monthly_unique"
            )
        ]
        # Covers the trend and per-school queries: read from the index alone.
        indexes = [models.Index(fields=["metric", "month", "school", "key", "value"])]

    def __str__(self) -> str:
        return f"{self.school_id} {self.month:%Y-%m} {self.metric}:{self.key}={self.value}"
