"""Errors an operator can read in one line (the CLI prints them without a traceback)."""


class PatrolError(Exception):
    """Base class for user-facing errors outside the store and settings:
    a bad source profile, an unreadable model artifact, bad input lines."""
