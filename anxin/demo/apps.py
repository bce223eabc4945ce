from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Holds the ``anxin demo`` command; no tables of its own (a load is recorded in org.DemoLoad)."""

    name = "anxin.demo"
    label = "demo"
    verbose_name = _("演示数据")
