"""The roles people hold and the kinds of unit they hold them on: the vocabulary of the permission
matrix. Plain choices, so that every layer (audit, accounts, org and the domains) can name a role
without importing the people and units that hold them (anxin.org)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    CITY = "city", _("市")
    COUNTY = "county", _("县/区")
    SCHOOL = "school", _("学校")
    GRADE = "grade", _("年级")
    CLASS = "class", _("班级")


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市教育局管理员")
    COUNTY_ADMIN = "county_admin", _("县/区教体局管理员")
    INSPECTOR = "inspector", _("责任督学")
    PRINCIPAL = "principal", _("校长")
    VICE_PRINCIPAL = "vice_principal", _("分管副校长")
    LEGAL_VP = "legal_vp", _("法治副校长")
    MORAL_DIRECTOR = "moral_director", _("政教主任")
    SAFETY_OFFICER = "safety_officer", _("安全管理员")
    PSYCH_TEACHER = "psych_teacher", _("心理教师")
    CLASS_TEACHER = "class_teacher", _("班主任")
    COUNSELLOR = "counsellor", _("少先队/团委辅导员")
    DUTY_STAFF = "duty_staff", _("值班人员")
    GATE_GUARD = "gate_guard", _("门卫")
    DORM_STAFF = "dorm_staff", _("宿管员")


#: The kind of unit each role is held on.
ROLE_UNIT_KIND: dict[str, str] = {
    Role.CITY_ADMIN: UnitKind.CITY,
    Role.COUNTY_ADMIN: UnitKind.COUNTY,
    Role.INSPECTOR: UnitKind.COUNTY,
    Role.CLASS_TEACHER: UnitKind.CLASS,
}
for _role in Role:
    ROLE_UNIT_KIND.setdefault(_role, UnitKind.SCHOOL)
del _role

BUREAU_ROLES = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.INSPECTOR})
