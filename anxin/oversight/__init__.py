"""Oversight: what the county and city bureaus use to watch, compare and supervise their schools."""
