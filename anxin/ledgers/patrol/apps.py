from django.apps import AppConfig


class PatrolConfig(AppConfig):
    name = "anxin.ledgers.patrol"
    label = "ledger_patrol"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from importlib import import_module

        from anxin.access.matrix import install_rules

        import_module(f"{self.name}.permissions")
        try:
            import_module(f"{self.name}.panels")  # optional: 工作台 panels
        except ModuleNotFoundError as exc:
            if exc.name != f"{self.name}.panels":
                raise
        install_rules()

        from anxin.intake.duty import provide

        from .selectors import leaders_on_duty_now

        provide(leaders_on_duty_now)  # urgent reports reach the leader on duty by this rota
