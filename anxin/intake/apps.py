from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "anxin.intake"
    label = "intake"
    verbose_name = _("举报受理")

    def ready(self) -> None:
        from anxin.access.matrix import install_rules

        from . import panels, permissions, tasks  # noqa: F401  (resources, 工作台 panels, the escalation job)
        from .images import limit_decoder

        install_rules()
        limit_decoder()
