from anxin.ledgers.apps import LedgerAreaConfig


class EducationConfig(LedgerAreaConfig):
    default = True
    name = "anxin.ledgers.education"
    label = "ledger_education"
