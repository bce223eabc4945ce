"""The error codes of the oversight figures; codes shared with other domains are theirs.

A date that does not parse is ``bad_date`` (:class:`anxin.intake.errors.IntakeError`); a period
that runs backwards or is too long ``bad_period`` and a sort or county filter that makes no sense
``bad_filter`` (:class:`anxin.ledgers.errors.LedgerError`). Values are part of the API.
"""

from enum import StrEnum


class StatsError(StrEnum):
    #: A metric name that is not one of the count table's.
    BAD_METRIC = "bad_metric"
