from anxin.ledgers.apps import LedgerAreaConfig


class GateConfig(LedgerAreaConfig):
    default = True
    name = "anxin.ledgers.gate"
    label = "ledger_gate"
