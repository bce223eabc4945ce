"""The term's anonymous anti-bullying survey: a bureau's campaign, the one-time codes a school prints
per class, and the answers.

Anonymity: a code is tied to a class, never to a pupil, and an answer is not tied to its code at all
(a teacher who noted which pupil got which slip still cannot find that pupil's answers). An answer
keeps its class, grade and the answers, the day it came (no finer time), and nothing about the
device: no address, no session, no account. Its key is random, so even the row order says nothing.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .instrument import CURRENT_VERSION


class Campaign(models.Model):
    """A term's survey a county (or the city) bureau opens for all its schools, with a window."""

    bureau = models.ForeignKey(
        "org.Unit", verbose_name=_("发起单位"), on_delete=models.PROTECT, related_name="+"
    )
    #: The bureau's path: schools whose path starts with it take part.
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("名称"), max_length=100)
    version = models.CharField(_("问卷版本"), max_length=10, default=CURRENT_VERSION)
    #: Items the bureau added: [{"key": "x1", "text": "...", "options": ["...", ...]}].
    extra_items = models.JSONField(_("附加题"), default=list, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("专项调查")
        verbose_name_plural = _("专项调查")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, today: date) -> bool:
        return self.starts_on <= today <= self.ends_on

    def can_print_codes(self, today: date) -> bool:
        return today <= self.ends_on


class SurveyCode(models.Model):
    """A one-time code on a slip handed to one pupil of a class; it answers once."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="codes")
    school = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    klass = models.ForeignKey("org.Unit", verbose_name=_("班级"), on_delete=models.PROTECT, related_name="+")
    #: The class's path, for scope.
    unit_path = models.CharField(max_length=255, editable=False)
    code = models.CharField(_("答题码"), max_length=12, unique=True)
    used = models.BooleanField(default=False)
    used_on = models.DateField(null=True, blank=True)
    #: Answers given so far (kept until ``draft_until``, 24 hours after the last one, then forgotten).
    draft = models.JSONField(null=True, blank=True)
    draft_until = models.DateTimeField(null=True, blank=True)
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        verbose_name = _("答题码")
        verbose_name_plural = _("答题码")
        indexes = [models.Index(fields=["campaign", "unit_path"])]

    def __str__(self) -> str:
        return self.code


class Response(models.Model):
    """One pupil's answers: class and grade, the answers, the day; nothing else about who or how."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    school = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    klass = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    grade = models.PositiveSmallIntegerField()
    version = models.CharField(max_length=10)
    day = models.DateField()
    gender = models.CharField(max_length=1, blank=True)
    victim = models.PositiveSmallIntegerField()
    perpetrator = models.PositiveSmallIntegerField()
    f_hit = models.PositiveSmallIntegerField(default=0)
    f_names = models.PositiveSmallIntegerField(default=0)
    f_left_out = models.PositiveSmallIntegerField(default=0)
    f_rumours = models.PositiveSmallIntegerField(default=0)
    f_property = models.PositiveSmallIntegerField(default=0)
    f_threats = models.PositiveSmallIntegerField(default=0)
    f_sexual = models.PositiveSmallIntegerField(default=0)
    f_online = models.PositiveSmallIntegerField(default=0)
    place = models.CharField(max_length=20, blank=True)
    time_band = models.CharField(max_length=20, blank=True)
    #: Whom the pupil told, and the rest of the answers (extra items included), as given.
    answers = models.JSONField(default=dict)
    #: Safety 0–3 (很安全 … 很不安全), None when not answered.
    safe = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("调查答卷")
        verbose_name_plural = _("调查答卷")
        indexes = [models.Index(fields=["campaign", "unit_path"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.grade}"
