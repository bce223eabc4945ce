"""One form per case action: the inputs each transition needs, validated alike for pages and the API.

A form is built with the case (its committee, parties, staff and pending visits are the choices)
and plain data (a QueryDict from a page, a dict from JSON). Its errors become the ``detail`` of a
422 naming each missing or wrong field.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.core.formfields import choice_field
from anxin.intake.models import Place, TimeBand
from anxin.org.models import CommitteeMember
from anxin.org.pickers import StudentPicker
from anxin.org.selectors import staff_choices

from .models import (
    PARENTS_RULE,
    SERIOUS_GRAVITIES,
    Answer,
    Case,
    ContactMethod,
    Criterion,
    DeadlineKind,
    EmergencyStep,
    Gravity,
    Kind,
    MeasureKind,
    NonBullying,
    PanelSeat,
    ParentsRule,
    PartyRole,
    ReexamFinding,
)

YES_NO = (("yes", _("是")), ("no", _("否")))
TEXT = forms.Textarea(attrs={"rows": 3})


def _past_date(value: date | None, field: str, form: forms.Form) -> None:
    if value and value > timezone.localdate():
        form.add_error(field, _("日期不能晚于今天。"))
    if value and value < timezone.localdate() - timedelta(days=3660):
        form.add_error(field, _("日期不合理。"))


class CaseForm(forms.Form):
    """Base: knows the case; subclasses set their choices from it."""

    def __init__(
        self,
        data: Any = None,
        *,
        case: Case | None = None,
        files: Any = None,
        viewer: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, files, **kwargs)
        self.case = case
        #: Who fills the form in: party choices are masked (张*某) unless their duty needs the names.
        self.viewer = viewer
        generic = forms.Field.default_error_messages["required"]
        for f in self.fields.values():
            if f.error_messages.get("required") == generic:
                f.error_messages["required"] = _("此项为必填项。")
        if case is not None:
            self.setup(case)

    def setup(self, case: Case) -> None:  # noqa: B027  (optional hook)
        pass

    def party_choices(self, case: Case, roles: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
        from .permissions import sees_identities
        from .selectors import party_label

        masked = self.viewer is not None and not sees_identities(self.viewer, case)
        parties = case.parties.select_related("klass", "klass__school", "case")
        if roles:
            parties = parties.filter(role__in=roles)
        return [(p.pk, party_label(p, masked=masked)) for p in parties]


class OpenForm(forms.Form):
    title = forms.CharField(label=_("事由"), min_length=4, max_length=200)
    narrative = forms.CharField(
        label=_("事情经过"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000, required=False
    )
    kinds = forms.MultipleChoiceField(
        label=_("行为类型"), choices=Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    places = forms.MultipleChoiceField(
        label=_("地点"), choices=Place.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    time_bands = forms.MultipleChoiceField(
        label=_("时间段"), choices=TimeBand.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    occurred_on = forms.DateField(
        label=_("发生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    urgent = forms.BooleanField(label=_("紧急（有人身危险）"), required=False)

    def clean_occurred_on(self) -> date | None:
        value = self.cleaned_data.get("occurred_on")
        _past_date(value, "occurred_on", self)
        return value


class EmergencyForm(CaseForm):
    steps = forms.MultipleChoiceField(
        label=_("已采取的措施"), choices=EmergencyStep.choices, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("具体情况"),
        widget=TEXT,
        min_length=2,
        max_length=5000,
        help_text=_("例如：已将双方学生分开，未发现刀具，23:10 电话告知双方家长。"),
    )
    done_at = forms.DateTimeField(
        label=_("时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def clean_done_at(self) -> Any:
        value = self.cleaned_data.get("done_at")
        if value and value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("时间不能晚于现在。"))
        return value


class InvestigateForm(CaseForm):
    note = forms.CharField(label=_("调查安排"), widget=TEXT, max_length=5000, required=False)


class SubmitForm(CaseForm):
    summary = forms.CharField(
        label=_("调查结论"), widget=forms.Textarea(attrs={"rows": 5}), min_length=10, max_length=10000
    )


class DetermineForm(CaseForm):
    meeting_on = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    members_present = forms.TypedMultipleChoiceField(
        label=_("出席委员"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    is_bullying = forms.ChoiceField(label=_("是否构成欺凌"), choices=YES_NO, widget=forms.RadioSelect)
    kinds = forms.MultipleChoiceField(
        label=_("行为类型"), choices=Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    gravity = forms.ChoiceField(label=_("情节"), choices=[("", "—"), *Gravity.choices], required=False)
    non_bullying = forms.ChoiceField(
        label=_("不构成欺凌的情形"), choices=[("", "—"), *NonBullying.choices], required=False
    )
    parents_participation = forms.CharField(
        label=_("家长参与情况"), widget=TEXT, min_length=2, max_length=5000
    )
    reasoning = forms.CharField(label=_("认定理由"), widget=TEXT, max_length=10000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for c in Criterion:
            self.fields[f"{c.value}_answer"] = forms.ChoiceField(
                label=c.label,
                choices=Answer.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("请回答此项要件。")},
            )
            self.fields[f"{c.value}_evidence"] = forms.CharField(
                label=_("证据"),
                widget=forms.Textarea(attrs={"rows": 2}),
                min_length=2,
                max_length=5000,
                error_messages={"required": _("请写明支持该判断的证据。")},
            )

    def setup(self, case: Case) -> None:
        members = CommitteeMember.objects.filter(school_id=case.school_id, active=True).order_by("pk")
        choice_field(self, "members_present").choices = [
            (m.pk, f"{m.name}（{m.get_committee_role_display()}）") for m in members
        ]
        self.members_total = len(choice_field(self, "members_present").choices)

    def criteria_fields(self) -> list[tuple[Any, Any, Any]]:
        return [(c.label, self[f"{c.value}_answer"], self[f"{c.value}_evidence"]) for c in Criterion]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        _past_date(data.get("meeting_on"), "meeting_on", self)
        if data.get("is_bullying") == "yes":
            if not data.get("kinds"):
                self.add_error("kinds", _("认定构成欺凌的，请选择行为类型。"))
            if not data.get("gravity"):
                self.add_error("gravity", _("认定构成欺凌的，请选择情节轻重。"))
        elif data.get("is_bullying") == "no" and not data.get("non_bullying"):
            self.add_error("non_bullying", _("请说明属于打闹嬉戏、一般冲突还是其他情形。"))
        return data


class NotifyResultForm(CaseForm):
    notified_on = forms.DateField(label=_("送达日期"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("送达方式"), choices=ContactMethod.choices)
    note = forms.CharField(label=_("说明"), widget=TEXT, max_length=2000, required=False)

    def clean_notified_on(self) -> date:
        value = self.cleaned_data["notified_on"]
        _past_date(value, "notified_on", self)
        return value


class ApplyReexamForm(CaseForm):
    applicant = forms.TypedChoiceField(label=_("申请人（当事人）"), coerce=int)
    applied_on = forms.DateField(label=_("申请日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("申请理由"), widget=TEXT, min_length=4, max_length=5000)

    def setup(self, case: Case) -> None:
        choice_field(self, "applicant").choices = self.party_choices(
            case, (PartyRole.TARGET, PartyRole.BULLY)
        )

    def clean_applied_on(self) -> date:
        value = self.cleaned_data["applied_on"]
        _past_date(value, "applied_on", self)
        return value


class AssignPanelForm(CaseForm):
    school_member = forms.CharField(label=_("学校代表"), max_length=50)
    school_affiliation = forms.CharField(label=_("所在单位"), max_length=100, required=False)
    parent_member = forms.CharField(label=_("家长代表"), max_length=50)
    expert_member = forms.CharField(label=_("校外专家"), max_length=50)
    expert_affiliation = forms.CharField(label=_("专家所在单位/职业"), max_length=100, required=False)
    others = forms.CharField(label=_("其他成员（每行一人）"), widget=TEXT, max_length=1000, required=False)

    def panel(self) -> list[dict[str, str]]:
        d = self.cleaned_data
        rows = [
            {
                "name": d["school_member"],
                "seat": PanelSeat.SCHOOL.value,
                "affiliation": d.get("school_affiliation", ""),
            },
            {"name": d["parent_member"], "seat": PanelSeat.PARENT.value, "affiliation": ""},
            {
                "name": d["expert_member"],
                "seat": PanelSeat.EXPERT.value,
                "affiliation": d.get("expert_affiliation", ""),
            },
        ]
        for line in (d.get("others") or "").splitlines():
            if line.strip():
                rows.append({"name": line.strip()[:50], "seat": "other", "affiliation": ""})
        return rows


class DecideReexamForm(CaseForm):
    finding = forms.ChoiceField(label=_("复查结论"), choices=ReexamFinding.choices, widget=forms.RadioSelect)
    decided_on = forms.DateField(label=_("决定日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("复查意见"), widget=TEXT, min_length=4, max_length=10000)
    is_bullying = forms.ChoiceField(
        label=_("变更后：是否构成欺凌"), choices=[("", "—"), *YES_NO], required=False
    )
    gravity = forms.ChoiceField(
        label=_("变更后：情节"), choices=[("", "—"), *Gravity.choices], required=False
    )
    kinds = forms.MultipleChoiceField(
        label=_("变更后：行为类型"), choices=Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        _past_date(data.get("decided_on"), "decided_on", self)
        if data.get("finding") == ReexamFinding.CHANGE:
            if not data.get("is_bullying"):
                self.add_error("is_bullying", _("变更认定的，请写明变更后的结论。"))
            elif data["is_bullying"] == "yes":
                if not data.get("gravity"):
                    self.add_error("gravity", _("请选择变更后的情节。"))
                if not data.get("kinds"):
                    self.add_error("kinds", _("请选择变更后的行为类型。"))
        return data


class ReferPoliceForm(CaseForm):
    referred_on = forms.DateField(label=_("移送日期"), widget=forms.DateInput(attrs={"type": "date"}))
    agency = forms.CharField(label=_("接收单位"), max_length=100, help_text=_("例如：城关派出所"))
    note = forms.CharField(label=_("说明"), widget=TEXT, max_length=5000, required=False)

    def clean_referred_on(self) -> date:
        value = self.cleaned_data["referred_on"]
        _past_date(value, "referred_on", self)
        return value


class StartMeasuresForm(CaseForm):
    note = forms.CharField(label=_("说明"), widget=TEXT, max_length=5000, required=False)


class StartAftercareForm(CaseForm):
    starts_on = forms.DateField(label=_("回访起算日"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_starts_on(self) -> date:
        value = self.cleaned_data["starts_on"]
        _past_date(value, "starts_on", self)
        return value


class CloseForm(CaseForm):
    summary = forms.CharField(label=_("结案说明"), widget=TEXT, min_length=4, max_length=10000)


class AddPartyForm(CaseForm):
    role = forms.ChoiceField(label=_("身份"), choices=PartyRole.choices)
    #: A student id (the API; a page picks by typing a name or 学号). Text, so that every bad value
    #: gets the one answer of :func:`anxin.org.selectors.resolve_student`.
    student = forms.CharField(
        label=_("学生"), required=False, strip=True, widget=StudentPicker(purpose="case_party")
    )
    student_no = forms.CharField(
        label=_("学号（本市在读学生）"),
        max_length=30,
        required=False,
        help_text=_("上面找不到的学生（如外校学生）：填写学号，并在下面填写姓名。"),
    )
    name = forms.CharField(
        label=_("姓名"),
        max_length=50,
        required=False,
        help_text=_("校外人员只填姓名；您无权查看的学生（如外校学生）请同时填写学号和姓名。"),
    )
    description = forms.CharField(
        label=_("说明"),
        widget=TEXT,
        max_length=2000,
        required=False,
        help_text=_("校外人员请写明年龄、与学生的关系等。"),
    )

    def setup(self, case: Case) -> None:
        if self.viewer is not None:
            from anxin.org.selectors import student_choices

            # The picker shows the chosen student back only from the handler's own choices.
            picker = self.fields["student"].widget
            assert isinstance(picker, StudentPicker)
            picker.queryset = student_choices(self.viewer, for_="case_party")

    def clean(self) -> dict[str, Any]:
        from anxin.core.errors import NotFound
        from anxin.org.selectors import resolve_student

        from .selectors import party_by_number

        super().clean()

        data = self.cleaned_data
        student = None
        if (data.get("student") or "").strip():
            # The id must name a student the handler may see: the same words for one that does
            # not exist, has left, or is out of reach (an id is never a way to read a name).
            try:
                student = resolve_student(self.viewer, data["student"], for_="case_party", case=self.case)
            except NotFound as exc:
                self.add_error("student", exc.message)
        elif (data.get("student_no") or "").strip():
            if self.case is not None:
                student = party_by_number(self.viewer, self.case, data["student_no"], data.get("name") or "")
            if student is None:
                self.add_error(
                    "student_no",
                    _("找不到该学号的在读学生。您无权查看的学生（如外校学生），请同时填写学号和姓名。"),
                )
        elif not (data.get("name") or "").strip():
            self.add_error("name", _("请选择学生，或填写校外人员姓名。"))
        data["student_obj"] = student
        return data


class ContactGuardianForm(CaseForm):
    party = forms.TypedChoiceField(label=_("学生"), coerce=int)
    guardian = forms.TypedChoiceField(
        label=_("学生档案中的监护人"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("从学生档案中选择；档案中没有的监护人，请在下面填写姓名和关系。"),
    )
    guardian_name = forms.CharField(label=_("监护人"), max_length=50, required=False)
    relation = forms.CharField(label=_("关系"), max_length=20, required=False)
    contacted_at = forms.DateTimeField(
        label=_("联系时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    method = forms.ChoiceField(label=_("方式"), choices=ContactMethod.choices)
    said = forms.CharField(label=_("沟通内容"), widget=TEXT, min_length=2, max_length=5000)

    def setup(self, case: Case) -> None:
        from .permissions import sees_identities
        from .selectors import party_guardians

        choice_field(self, "party").choices = self.party_choices(case)
        masked = dict(self.party_choices(case))
        #: guardian id -> (the party whose guardian they are, the guardian)
        self.guardians = {g.pk: (party_id, g) for party_id, g in party_guardians(case)}
        show = self.viewer is not None and sees_identities(self.viewer, case)
        choice_field(self, "guardian").choices = [
            ("", _("（档案中没有，手动填写）")),
            *[
                (
                    pk,
                    f"{masked.get(party_id, '')} · {g.relation} {g.name}"
                    if show
                    else f"{masked.get(party_id, '')} · {g.relation}",
                )
                for pk, (party_id, g) in self.guardians.items()
            ],
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        chosen = data.get("guardian")
        if chosen is not None:
            party_id, guardian = self.guardians[chosen]
            if data.get("party") is not None and data["party"] != party_id:
                self.add_error("guardian", _("所选监护人不是该学生的监护人。"))
            data["guardian_name"], data["relation"] = guardian.name, guardian.relation
        else:
            for name in ("guardian_name", "relation"):
                if not (data.get(name) or "").strip() and name not in self.errors:
                    self.add_error(name, _("此项为必填项。"))
        return data

    def clean_contacted_at(self) -> Any:
        value = self.cleaned_data["contacted_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("时间不能晚于现在。"))
        return value


class AddNoteForm(CaseForm):
    text = forms.CharField(
        label=_("记录"), widget=forms.Textarea(attrs={"rows": 4}), min_length=2, max_length=10000
    )


class AttachForm(CaseForm):
    name = forms.CharField(label=_("说明"), max_length=100)
    file = forms.FileField(label=_("文件"), help_text=_("照片（JPEG/PNG/HEIC）或 PDF，不超过 10 MB。"))


class AddMeasureForm(CaseForm):
    kind = forms.ChoiceField(label=_("措施"), choices=MeasureKind.choices)
    party = forms.TypedChoiceField(label=_("对象"), coerce=int, required=False, empty_value=None)
    detail = forms.CharField(label=_("内容"), widget=TEXT, min_length=2, max_length=5000)
    hours = forms.IntegerField(label=_("矫治时长（小时）"), min_value=1, max_value=500, required=False)
    sessions = forms.IntegerField(label=_("辅导次数"), min_value=1, max_value=100, required=False)
    owner = forms.TypedChoiceField(label=_("负责人"), coerce=int)
    due_on = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))
    parents_notified_at = forms.DateTimeField(
        label=_("告知家长时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    parents_notice_method = forms.ChoiceField(
        label=_("告知方式"), choices=[("", "—"), *ContactMethod.choices], required=False
    )

    def setup(self, case: Case) -> None:
        from .selectors import case_staff

        choice_field(self, "party").choices = [("", "—"), *self.party_choices(case)]
        choice_field(self, "owner").choices = staff_choices(case_staff(case))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if kind == MeasureKind.CORRECTION and not data.get("hours"):
            self.add_error("hours", _("矫治计划须写明时长（小时）。"))
        if kind == MeasureKind.COUNSELLING and not data.get("sessions"):
            self.add_error("sessions", _("心理辅导须写明次数。"))
        if kind in PARENTS_RULE and not data.get("party"):
            self.add_error("party", _("教育惩戒和纪律处分须指明对象学生。"))
        if PARENTS_RULE.get(kind) == ParentsRule.IN_ADVANCE and not data.get("parents_notified_at"):
            self.add_error("parents_notified_at", _("严重教育惩戒须事先告知家长，请记录告知时间。"))
        if data.get("parents_notified_at") and not data.get("parents_notice_method"):
            self.add_error("parents_notice_method", _("请选择告知方式。"))
        due = data.get("due_on")
        if due and due < timezone.localdate():
            self.add_error("due_on", _("完成期限不能早于今天。"))
        return data


class CompleteMeasureForm(CaseForm):
    measure = forms.TypedChoiceField(label=_("措施"), coerce=int)
    note = forms.CharField(label=_("完成情况"), widget=TEXT, min_length=2, max_length=5000)
    parents_notified_at = forms.DateTimeField(
        label=_("告知家长时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    parents_notice_method = forms.ChoiceField(
        label=_("告知方式"), choices=[("", "—"), *ContactMethod.choices], required=False
    )

    def setup(self, case: Case) -> None:
        choice_field(self, "measure").choices = [
            (m.pk, f"{m.get_kind_display()}（{m.due_on:%m-%d}）")
            for m in case.measures.filter(done_at__isnull=True)
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.case is not None and data.get("measure"):
            m = self.case.measures.filter(pk=data["measure"]).first()
            if m and m.parents_rule in (ParentsRule.PROMPTLY, ParentsRule.IN_ADVANCE):
                if not m.parents_notified_at and not data.get("parents_notified_at"):
                    self.add_error("parents_notified_at", _("该措施须告知家长，请记录告知时间。"))
        if data.get("parents_notified_at") and not data.get("parents_notice_method"):
            self.add_error("parents_notice_method", _("请选择告知方式。"))
        return data


class RecordVisitForm(CaseForm):
    visit = forms.ChoiceField(label=_("回访"))
    visited_on = forms.DateField(label=_("回访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    party = forms.TypedChoiceField(label=_("回访对象"), coerce=int, required=False, empty_value=None)
    stopped = forms.ChoiceField(label=_("欺凌是否已停止"), choices=YES_NO, widget=forms.RadioSelect)
    note = forms.CharField(label=_("回访情况"), widget=TEXT, min_length=2, max_length=5000)

    def setup(self, case: Case) -> None:
        pending = case.deadlines.filter(
            kind__in=[k.value for k in (DeadlineKind.VISIT_1W, DeadlineKind.VISIT_1M, DeadlineKind.VISIT_3M)],
            met_at__isnull=True,
            cancelled=False,
        ).order_by("starts_on", "pk")
        choice_field(self, "visit").choices = [
            (d.kind, f"{d.get_kind_display()}（{d.due_on or _('日期待定')}）") for d in pending
        ]
        choice_field(self, "party").choices = [("", "—"), *self.party_choices(case)]

    def clean_visited_on(self) -> date:
        value = self.cleaned_data["visited_on"]
        _past_date(value, "visited_on", self)
        return value


class ReassignForm(CaseForm):
    owner = forms.TypedChoiceField(label=_("新经办人"), coerce=int)
    reason = forms.CharField(label=_("原因"), max_length=500, required=False)

    def setup(self, case: Case) -> None:
        from .selectors import case_staff

        choice_field(self, "owner").choices = staff_choices(case_staff(case))


class BureauAcknowledgeForm(CaseForm):
    note = forms.CharField(label=_("督办意见"), widget=TEXT, max_length=5000, required=False)


FORMS: dict[str, type[CaseForm]] = {
    "emergency": EmergencyForm,
    "investigate": InvestigateForm,
    "submit": SubmitForm,
    "determine": DetermineForm,
    "notify_result": NotifyResultForm,
    "apply_reexam": ApplyReexamForm,
    "assign_panel": AssignPanelForm,
    "decide_reexam": DecideReexamForm,
    "refer_police": ReferPoliceForm,
    "start_measures": StartMeasuresForm,
    "start_aftercare": StartAftercareForm,
    "close": CloseForm,
    "add_party": AddPartyForm,
    "contact_guardian": ContactGuardianForm,
    "add_note": AddNoteForm,
    "attach": AttachForm,
    "add_measure": AddMeasureForm,
    "complete_measure": CompleteMeasureForm,
    "record_visit": RecordVisitForm,
    "reassign": ReassignForm,
    "bureau_acknowledge": BureauAcknowledgeForm,
}

__all__ = ["FORMS", "OpenForm", "SERIOUS_GRAVITIES"]
