from django.apps import AppConfig


class OversightStatsConfig(AppConfig):
    """统计: daily counts per school, kept by a periodic rebuild, read by the bureau's dashboards."""

    name = "anxin.oversight.stats"
    label = "oversight_stats"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from importlib import import_module

        from anxin.access.matrix import install_rules

        import_module(f"{self.name}.permissions")
        import_module(f"{self.name}.tasks")
        install_rules()
