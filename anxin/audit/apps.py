from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "anxin.audit"
    label = "audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        from anxin.access.matrix import install_rules

        from . import checks, permissions, tasks  # noqa: F401  (resources, the daily checkpoint, the role check)

        install_rules()
