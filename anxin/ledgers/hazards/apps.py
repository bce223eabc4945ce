from anxin.ledgers.apps import LedgerAreaConfig


class HazardsConfig(LedgerAreaConfig):
    default = True
    name = "anxin.ledgers.hazards"
    label = "ledger_hazards"
