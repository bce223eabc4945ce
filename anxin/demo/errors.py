"""Codes the demo city's commands and pages answer with."""

from enum import StrEnum


class DemoError(StrEnum):
    DEMO_REFUSED = "demo_refused"
    DEMO_ONLY = "demo_only"
    DEMO_BAD_OPTION = "demo_bad_option"
    DEMO_NOT_EMPTY = "demo_not_empty"
    DEMO_EXISTS = "demo_exists"
    DEMO_REFERENCED = "demo_referenced"
    NO_DEVICE = "no_device"
