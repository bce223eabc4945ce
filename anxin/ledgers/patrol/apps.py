from anxin.ledgers.apps import LedgerAreaConfig


class PatrolConfig(LedgerAreaConfig):
    default = True
    name = "anxin.ledgers.patrol"
    label = "ledger_patrol"
