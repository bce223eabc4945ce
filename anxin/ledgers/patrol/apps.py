from anxin.ledgers.apps import LedgerAreaConfig


class PatrolConfig(LedgerAreaConfig):
    default = True
    name = "anxin.ledgers.patrol"
    label = "ledger_patrol"

    def ready(self) -> None:
        super().ready()
        from anxin.intake.duty import provide

        from .selectors import leaders_on_duty_now

        provide(leaders_on_duty_now)  # urgent reports reach the leader on duty by this rota
