"""The organisation: city → county/district → school → grade → class, its people and their roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.access.roles import ROLE_UNIT_KIND, Role, UnitKind
from anxin.core.crypto import EncryptedCharField

#: Which kind of unit may sit under which.
CHILD_KIND = {
    UnitKind.CITY: UnitKind.COUNTY,
    UnitKind.COUNTY: UnitKind.SCHOOL,
    UnitKind.SCHOOL: UnitKind.GRADE,
    UnitKind.GRADE: UnitKind.CLASS,
}


class Stage(models.TextChoices):
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    NINE_YEAR = "nine_year", _("九年一贯制")
    COMPLETE = "complete", _("完全中学")
    VOCATIONAL = "vocational", _("中职")


#: Grade numbers (1–12, 13–15 for vocational years) that a school of each stage teaches.
STAGE_GRADES: dict[str, list[int]] = {
    Stage.PRIMARY: [1, 2, 3, 4, 5, 6],
    Stage.JUNIOR: [7, 8, 9],
    Stage.SENIOR: [10, 11, 12],
    Stage.NINE_YEAR: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    Stage.COMPLETE: [7, 8, 9, 10, 11, 12],
    Stage.VOCATIONAL: [13, 14, 15],
}

GRADE_NAMES = {
    1: "一年级",
    2: "二年级",
    3: "三年级",
    4: "四年级",
    5: "五年级",
    6: "六年级",
    7: "初一",
    8: "初二",
    9: "初三",
    10: "高一",
    11: "高二",
    12: "高三",
    13: "中职一年级",
    14: "中职二年级",
    15: "中职三年级",
}


class Unit(models.Model):
    """One node of the organisation tree.

    ``path`` is the chain of codes from the city down, each followed by ``/``. Scope checks are
    prefix matches on it, so a bureau sees its whole subtree with one indexed condition.
    """

    kind = models.CharField(_("类型"), max_length=10, choices=UnitKind.choices)
    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    school = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The school this unit belongs to (itself for a school); empty above school level.",
    )
    number = models.PositiveSmallIntegerField(
        _("序号"), null=True, blank=True, help_text="Grade number (1–15) of a grade; class number of a class."
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.path = self.compute_path()
        if self.kind == UnitKind.SCHOOL:
            self.school = self
            if self.pk is None:
                # A school must point at itself; save once to get an id.
                self.school = None
                super().save(*args, **kwargs)
                self.school = self
                kwargs.pop("force_insert", None)
                super().save(update_fields=["school"])
                return
        elif self.kind in (UnitKind.GRADE, UnitKind.CLASS):
            self.school_id = self.parent.school_id
        else:
            self.school = None
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if self.kind == UnitKind.CLASS and self.parent_id:
            return f"{self.parent.name}({self.number})班" if self.number else self.name
        return self.name

    def clean(self) -> None:
        if self.kind == UnitKind.CITY:
            if self.parent_id:
                raise ValidationError({"parent": _("市级单位不能有上级。")})
        elif not self.parent_id or CHILD_KIND.get(self.parent.kind) != self.kind:
            raise ValidationError({"parent": _("上级单位类型不正确。")})

    def compute_path(self) -> str:
        return (self.parent.path if self.parent_id else "/") + self.code + "/"

    def is_within(self, other: Unit) -> bool:
        return self.path.startswith(other.path)


class SchoolProfile(models.Model):
    """What a school publishes and how it runs; one per school unit."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="profile", primary_key=True)
    stage = models.CharField(_("学段"), max_length=12, choices=Stage.choices)
    boarding = models.BooleanField(_("寄宿制"), default=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_person = models.CharField(_("防欺凌负责人"), max_length=50, blank=True)
    hotline = models.CharField(_("举报电话"), max_length=30, blank=True)
    email = models.EmailField(_("举报邮箱"), blank=True)

    class Meta:
        verbose_name = _("学校信息")
        verbose_name_plural = _("学校信息")

    def __str__(self) -> str:
        return self.unit.name


class User(AbstractUser):
    """A staff account. Students and guardians have no accounts."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色任职")
        verbose_name_plural = _("角色任职")
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="org_assignment_unique")]
        indexes = [models.Index(fields=["role", "unit"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"

    def clean(self) -> None:
        expected = ROLE_UNIT_KIND[self.role]
        if self.unit_id and self.unit.kind != expected:
            # Inspectors may also serve the city.
            if not (self.role == Role.INSPECTOR and self.unit.kind == UnitKind.CITY):
                raise ValidationError(
                    {"unit": _("该角色必须任职于%(kind)s。") % {"kind": UnitKind(expected).label}}
                )


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", _("主任（校长）")
    LEGAL_VP = "legal_vp", _("法治副校长")
    SAFETY_VP = "safety_vp", _("分管安全副校长")
    MORAL_DIRECTOR = "moral_director", _("政教主任")
    TEACHER = "teacher", _("教职工代表")
    PARENT = "parent", _("家长代表")
    EXPERT = "expert", _("校外专家")
    STUDENT = "student", _("学生代表")


class CommitteeMember(models.Model):
    """A member of a school's 欺凌治理委员会; external members need no account."""

    school = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="committee_members")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="committees")
    name = models.CharField(_("姓名"), max_length=50)
    committee_role = models.CharField(_("委员会职务"), max_length=20, choices=CommitteeRole.choices)
    is_external = models.BooleanField(_("校外成员"), default=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    active = models.BooleanField(_("在任"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("欺凌治理委员会成员")
        verbose_name_plural = _("欺凌治理委员会成员")
        ordering = ["school", "committee_role", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_committee_role_display()}）"


def mask_name(name: str | None) -> str:
    """A person's name as 张*某 (张* for two characters): for readers whose duty does not need it."""
    name = name or ""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Student(models.Model):
    """Only what the features need: no ID number, no address, no birth date."""

    school = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    klass = models.ForeignKey(Unit, verbose_name=_("班级"), on_delete=models.PROTECT, related_name="students")
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    student_no = models.CharField(_("学号"), max_length=30)
    boarder = models.BooleanField(_("住校"), default=False)
    is_active = models.BooleanField(_("在读"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("学生")
        verbose_name_plural = _("学生")
        ordering = ["klass__path", "student_no"]
        constraints = [models.UniqueConstraint(fields=["school", "student_no"], name="org_student_no_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_name(self) -> str:
        """张*某 style: enough for staff outside the duty to know a student exists, no more."""
        return mask_name(self.name)


class KeyGroup(models.TextChoices):
    LEFT_BEHIND = "left_behind", _("留守儿童")
    MIGRANT = "migrant", _("随迁子女")
    SINGLE_PARENT = "single_parent", _("单亲家庭")
    DISABILITY = "disability", _("残疾")
    HARDSHIP = "hardship", _("家庭经济困难")
    BEHAVIOUR = "behaviour", _("行为异常关注")


class KeyGroupFlag(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="key_groups")
    group = models.CharField(_("重点群体"), max_length=20, choices=KeyGroup.choices)
    reason = EncryptedCharField(_("原因"), max_length=200)
    since = models.DateField(_("起始日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("重点群体标记")
        verbose_name_plural = _("重点群体标记")
        constraints = [models.UniqueConstraint(fields=["student", "group"], name="org_keygroup_unique")]

    def __str__(self) -> str:
        return self.get_group_display()


class Guardian(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardians")
    # Encrypted at rest, like the case file's guardian names: never filtered or sorted on.
    name = EncryptedCharField(_("姓名"), max_length=50)
    relation = models.CharField(_("关系"), max_length=20)
    phone = EncryptedCharField(_("手机号"), max_length=20)

    class Meta:
        verbose_name = _("监护人")
        verbose_name_plural = _("监护人")

    def __str__(self) -> str:
        return f"{self.name}（{self.relation}）"


class DemoLoad(models.Model):
    """Marks a database whose organisation data came from ``anxin demo``."""

    seed = models.IntegerField()
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"demo seed={self.seed}"
