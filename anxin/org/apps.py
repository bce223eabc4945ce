from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "anxin.org"
    label = "org"
    verbose_name = _("组织机构")

    def ready(self) -> None:
        from anxin.access.matrix import install_rules

        from . import panels, permissions  # noqa: F401  (registers resources and 工作台 panels)

        install_rules()
