"""A case: one matter of possible bullying handled by the procedure of DOMAIN.md §3 and §4.

The states and the transitions between them are declared once, in :mod:`anxin.cases.workflow`;
this module holds the data. Narratives and party identities are encrypted at rest
(:mod:`anxin.core.crypto`, keys from ``FIELD_ENCRYPTION_KEYS``, ``anxin rotate_keys``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField

from anxin.core.crypto import EncryptedCharField, EncryptedJSONField, EncryptedTextField
from anxin.org.models import CommitteeMember, Student, Unit, mask_name

from .states import FINAL_STATES, DeadlineKind, State
from .workflow import CaseWorkflow


class Kind(models.TextChoices):
    """The five kinds of conduct of DOMAIN.md §1."""

    PHYSICAL = "physical", _("肢体")
    VERBAL = "verbal", _("言语/人格尊严")
    PROPERTY = "property", _("财物")
    RELATIONAL = "relational", _("排斥孤立")
    CYBER = "cyber", _("网络")


class Gravity(models.TextChoices):
    GENERAL = "general", _("一般")
    HEAVIER = "heavier", _("较重")
    SERIOUS = "serious", _("严重")
    ILLEGAL = "illegal", _("涉嫌违法")


#: Gravities the county bureau must be told of at once (DOMAIN.md §3.6).
SERIOUS_GRAVITIES = (Gravity.SERIOUS, Gravity.ILLEGAL)


class Criterion(models.TextChoices):
    """What the committee weighs for each determination (DOMAIN.md §1)."""

    INTENT = "intent", _("主观故意或恶意")
    IMBALANCE = "imbalance", _("力量不对等（年龄、体格、人数）")
    HARM = "harm", _("造成身体、财产或精神损害")
    RESISTANCE = "resistance", _("被欺凌方能否反抗、是否有挑衅")
    PATTERN = "pattern", _("持续性或单次严重性")


class Answer(models.TextChoices):
    YES = "yes", _("是")
    NO = "no", _("否")
    UNCLEAR = "unclear", _("无法确定")


class NonBullying(models.TextChoices):
    HORSEPLAY = "horseplay", _("打闹嬉戏")
    CONFLICT = "conflict", _("一般冲突")
    OTHER = "other", _("其他")


class Case(CaseWorkflow, models.Model):
    school = models.ForeignKey(Unit, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="cases")
    number = models.CharField(_("案件编号"), max_length=40, unique=True)
    status = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.ACCEPTED, db_index=True)
    urgent = models.BooleanField(_("紧急"), default=False)
    title = EncryptedCharField(_("事由"), max_length=200)
    narrative = EncryptedTextField(_("事情经过"), blank=True, null=True)
    kinds = models.JSONField(_("行为类型"), default=list, blank=True)
    places = models.JSONField(_("地点"), default=list, blank=True)
    time_bands = models.JSONField(_("时间段"), default=list, blank=True)
    occurred_on = models.DateField(_("发生日期"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="cases_owned",
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("立案时间"))
    #: The local date the case was opened on: the investigation period counts from it.
    opened_on = models.DateField(_("立案日期"))
    #: People whose duty brings them to this case (class teachers of the students involved,
    #: owners of measures, committee members): they see it although their role is not school-wide.
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cases_watched")
    policy = models.ForeignKey(
        "DeadlinePolicy", verbose_name=_("期限规则版本"), on_delete=models.PROTECT, related_name="cases"
    )
    # The finding in force (the latest determination, or the re-examination's change of it).
    is_bullying = models.BooleanField(_("构成欺凌"), null=True, blank=True)
    gravity = models.CharField(_("情节"), max_length=10, choices=Gravity.choices, blank=True)
    #: When the parties were told the finding in writing: the appeal window counts from it.
    result_notified_on = models.DateField(_("认定结果送达日期"), null=True, blank=True)
    serious = models.BooleanField(_("严重案件"), default=False, db_index=True)
    bureau_notified_at = models.DateTimeField(_("已报告教育局"), null=True, blank=True)
    bureau_acknowledged_at = models.DateTimeField(_("教育局已知悉"), null=True, blank=True)
    police_referred_on = models.DateField(_("移送公安日期"), null=True, blank=True)
    #: The earliest pending deadline the school must meet (the appeal window is the parties', not
    #: the school's): kept by :func:`anxin.cases.deadlines.refresh_next_due` so lists sort and
    #: filter on one indexed column instead of joining every deadline.
    next_due = models.DateField(_("最近期限"), null=True, blank=True)
    #: A pending deadline waits for a year's holiday calendar (no date can be computed yet).
    due_unknown = models.BooleanField(default=False)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closing_summary = EncryptedTextField(_("结案说明"), blank=True, null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["school", "status", "opened_at"]),
            models.Index(fields=["school", "status", "next_due"]),
            models.Index(fields=["status", "next_due"]),
            models.Index(fields=["serious", "status"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATES


class PartyRole(models.TextChoices):
    TARGET = "target", _("受欺凌学生")
    BULLY = "bully", _("实施者")
    WITNESS = "witness", _("旁观者")


class Party(models.Model):
    """A person in the case: a student of this or another school, or an outsider (社会人员)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("身份"), max_length=10, choices=PartyRole.choices)
    student = models.ForeignKey(
        Student,
        verbose_name=_("学生"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_parties",
    )
    #: The student's school when it is not the case's school: that school is involved and sees
    #: only this part of the case.
    school = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    klass = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = EncryptedCharField(_("姓名"), max_length=100)
    description = EncryptedTextField(_("说明"), blank=True, null=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        # The child who was hurt first, then those said to have done it, then witnesses.
        ordering = [
            models.Case(
                models.When(role="target", then=models.Value(0)),
                models.When(role="bully", then=models.Value(1)),
                default=models.Value(2),
            ),
            "pk",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "student", "role"],
                condition=models.Q(student__isnull=False),
                name="cases_party_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.masked_name}"

    @property
    def is_outsider(self) -> bool:
        return self.student_id is None

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    IN_PERSON = "in_person", _("当面")
    WRITTEN = "written", _("书面通知")
    SMS = "sms", _("短信")
    OTHER = "other", _("其他")


class GuardianContact(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="guardian_contacts")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="guardian_contacts")
    guardian_name = EncryptedCharField(_("监护人"), max_length=100)
    relation = models.CharField(_("关系"), max_length=20)
    contacted_at = models.DateTimeField(_("联系时间"))
    method = models.CharField(_("方式"), max_length=12, choices=ContactMethod.choices)
    said = EncryptedTextField(_("沟通内容"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("家长联系记录")
        verbose_name_plural = _("家长联系记录")
        ordering = ["contacted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.relation}"


class EventKind(models.TextChoices):
    OPENED = "opened", _("立案")
    TRANSITION = "transition", _("环节变更")
    NOTE = "note", _("记录")
    PARTY = "party", _("当事人")
    CONTACT = "contact", _("家长联系")
    ATTACHMENT = "attachment", _("附件")
    MEASURE = "measure", _("处理措施")
    VISIT = "visit", _("回访")
    NOTIFICATION = "notification", _("通知")
    DEADLINE = "deadline", _("期限")


class CaseEvent(models.Model):
    """The case's chronological log (档案的时间线). Its rows are never edited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=15, choices=EventKind.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = EncryptedTextField(blank=True, null=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("案件日志")
        verbose_name_plural = _("案件日志")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.title}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="cases/%Y/%m/")
    name = models.CharField(_("名称"), max_length=100)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class EmergencyStep(models.TextChoices):
    SEPARATION = "separation", _("隔离双方学生")
    MEDICAL = "medical", _("救治受伤学生")
    PARENTS = "parents", _("通知双方家长")
    PSYCH = "psych", _("心理疏导")
    POLICE = "police", _("报警")
    OTHER = "other", _("其他")


class Determination(models.Model):
    """A committee meeting's finding (认定). A later one (after re-investigation) supersedes it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="determinations")
    meeting_on = models.DateField(_("会议日期"))
    members_present = models.ManyToManyField(CommitteeMember, verbose_name=_("出席委员"), related_name="+")
    members_total = models.PositiveSmallIntegerField(_("委员总数"))
    #: criterion -> {"answer": yes/no/unclear, "evidence": text}
    criteria = EncryptedJSONField(_("认定要件"))
    is_bullying = models.BooleanField(_("构成欺凌"))
    kinds = models.JSONField(_("行为类型"), default=list, blank=True)
    gravity = models.CharField(_("情节"), max_length=10, choices=Gravity.choices, blank=True)
    non_bullying = models.CharField(
        _("不构成欺凌的情形"), max_length=10, choices=NonBullying.choices, blank=True
    )
    parents_participation = EncryptedTextField(_("家长参与情况"))
    reasoning = EncryptedTextField(_("认定理由"), blank=True, null=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("认定")
        verbose_name_plural = _("认定")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.meeting_on}"


class MeasureKind(models.TextChoices):
    # Educational discipline levels (DOMAIN.md §4)
    DISCIPLINE_GENERAL = "discipline_general", _("一般教育惩戒")
    DISCIPLINE_HEAVIER = "discipline_heavier", _("较重教育惩戒")
    DISCIPLINE_SEVERE = "discipline_severe", _("严重教育惩戒")
    SANCTION = "sanction", _("纪律处分")
    # Education, correction and support (DOMAIN.md §3.5)
    EDUCATION = "education", _("批评教育")
    APOLOGY = "apology", _("赔礼道歉")
    CORRECTION = "correction", _("矫治计划")
    COUNSELLING = "counselling", _("心理辅导")
    FAMILY_GUIDANCE = "family_guidance", _("家庭教育指导")
    POLICE_TALK = "police_talk", _("警示谈话/训诫")
    OTHER = "other", _("其他")


class ParentsRule(models.TextChoices):
    MAY = "may", _("可告知家长")
    PROMPTLY = "promptly", _("及时告知家长")
    IN_ADVANCE = "in_advance", _("事先告知家长")


#: Which discipline levels oblige the school to tell the parents, and when (DOMAIN.md §4).
PARENTS_RULE = {
    MeasureKind.DISCIPLINE_GENERAL: ParentsRule.MAY,
    MeasureKind.DISCIPLINE_HEAVIER: ParentsRule.PROMPTLY,
    MeasureKind.DISCIPLINE_SEVERE: ParentsRule.IN_ADVANCE,
    MeasureKind.SANCTION: ParentsRule.PROMPTLY,
}


class Measure(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    party = models.ForeignKey(
        Party,
        verbose_name=_("对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    kind = models.CharField(_("措施"), max_length=20, choices=MeasureKind.choices)
    detail = EncryptedTextField(_("内容"))
    hours = models.PositiveSmallIntegerField(_("矫治时长（小时）"), null=True, blank=True)
    sessions = models.PositiveSmallIntegerField(_("辅导次数"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        related_name="case_measures",
    )
    due_on = models.DateField(_("完成期限"))
    parents_notified_at = models.DateTimeField(_("告知家长时间"), null=True, blank=True)
    parents_notice_method = models.CharField(
        _("告知方式"), max_length=12, choices=ContactMethod.choices, blank=True
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = EncryptedTextField(_("完成情况"), blank=True, null=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("处理措施")
        verbose_name_plural = _("处理措施")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["owner", "done_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.due_on})"

    @property
    def parents_rule(self) -> str:
        return PARENTS_RULE.get(self.kind, "")


class ReexamFinding(models.TextChoices):
    UPHOLD = "uphold", _("维持原认定")
    CHANGE = "change", _("变更认定")
    REINVESTIGATE = "reinvestigate", _("退回重新调查")


class PanelSeat(models.TextChoices):
    SCHOOL = "school", _("学校代表")
    PARENT = "parent", _("家长代表")
    EXPERT = "expert", _("校外专家")


class Reexamination(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reexaminations")
    applicant = models.ForeignKey(Party, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+")
    applied_on = models.DateField(_("申请日期"))
    reason = EncryptedTextField(_("申请理由"))
    via_receipt = models.BooleanField(_("通过回执码申请"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: [{"name": ..., "seat": school/parent/expert, "affiliation": ...}]
    panel = EncryptedJSONField(_("复查小组"), default=list, blank=True)
    panel_assigned_at = models.DateTimeField(_("组成复查小组时间"), null=True, blank=True)
    panel_assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finding = models.CharField(_("复查结论"), max_length=15, choices=ReexamFinding.choices, blank=True)
    finding_note = EncryptedTextField(_("复查意见"), blank=True, null=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The state the case was in when the application came, to return to on "uphold".
    returned_from = models.CharField(max_length=20, choices=State.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("复查")
        verbose_name_plural = _("复查")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.applied_on}"


VISIT_KINDS = (DeadlineKind.VISIT_1W, DeadlineKind.VISIT_1M, DeadlineKind.VISIT_3M)


class Deadline(models.Model):
    """One computed deadline, with the rule that produced it (so later policy changes do not move it)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("期限"), max_length=15, choices=DeadlineKind.choices)
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    reexamination = models.ForeignKey(
        Reexamination, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    starts_on = models.DateField(_("起算日"))
    days = models.PositiveSmallIntegerField(_("天数"))
    unit = models.CharField(_("计算方式"), max_length=10)  # "calendar" | "working"
    #: None while the holiday calendar of a year it reaches is unknown (see ``calendar_gap``).
    due_on = models.DateField(_("截止日期"), null=True, blank=True, db_index=True)
    remind_on = models.DateField(_("提醒日期"), null=True, blank=True)
    calendar_gap = models.PositiveSmallIntegerField(_("缺少节假日安排的年份"), null=True, blank=True)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("期限")
        verbose_name_plural = _("期限")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["met_at", "cancelled", "due_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"

    @property
    def pending(self) -> bool:
        return self.met_at is None and not self.cancelled


class AlertStage(models.TextChoices):
    REMIND = "remind", _("到期提醒")
    OVERDUE = "overdue", _("已逾期（经办人）")
    PRINCIPAL = "principal", _("逾期上报校长")
    BUREAU = "bureau", _("逾期上报教育局")


class DeadlineAlert(models.Model):
    """That one stage of one deadline was announced: the unique row makes it happen exactly once."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="alerts")
    stage = models.CharField(max_length=10, choices=AlertStage.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("期限提醒")
        verbose_name_plural = _("期限提醒")
        constraints = [models.UniqueConstraint(fields=["deadline", "stage"], name="cases_alert_once")]

    def __str__(self) -> str:
        return f"{self.deadline_id}:{self.stage}"


class Visit(models.Model):
    """An aftercare visit (事后回访)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    deadline = models.OneToOneField(
        Deadline, null=True, blank=True, on_delete=models.PROTECT, related_name="visit"
    )
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("回访日期"))
    stopped = models.BooleanField(_("欺凌已停止"))
    note = EncryptedTextField(_("回访情况"))
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["visited_on", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.visited_on}"


class DeadlinePolicy(models.Model):
    """Deadline rules of a city (defaults) or a county (overrides). Versions are never edited."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="deadline_policies")
    version = models.PositiveIntegerField()
    #: See :data:`anxin.cases.policy.DEFAULT_RULES` for the shape.
    rules = models.JSONField()
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("期限规则")
        verbose_name_plural = _("期限规则")
        ordering = ["unit", "-version"]
        constraints = [models.UniqueConstraint(fields=["unit", "version"], name="cases_policy_version")]

    def __str__(self) -> str:
        return f"{self.unit.name} v{self.version}"


class CaseReport(models.Model):
    """An intake report the case was opened from (one report belongs to at most one case)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="report_links")
    report = models.OneToOneField("intake.Report", on_delete=models.PROTECT, related_name="case_link")

    class Meta:
        verbose_name = _("案件来源报告")
        verbose_name_plural = _("案件来源报告")

    def __str__(self) -> str:
        return f"{self.case_id}←{self.report_id}"
