from anxin.ledgers.apps import LedgerAreaConfig


class CareConfig(LedgerAreaConfig):
    default = True
    name = "anxin.ledgers.care"
    label = "ledger_care"
