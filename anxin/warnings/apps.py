from django.apps import AppConfig


class WarningsConfig(AppConfig):
    """预警: rules over the other ledgers that tell the right person early, with the reasons."""

    name = "anxin.warnings"
    label = "ledger_warnings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from importlib import import_module

        from anxin.access.matrix import install_rules

        import_module(f"{self.name}.permissions")
        import_module(f"{self.name}.panels")
        # The evaluation task keeps the import path that queued task rows store (see its module).
        import_module("anxin.warnings.tasks")
        install_rules()
