"""What can be wrong with a run log, each a ValueError with a one-line message."""

from __future__ import annotations


class RunLogError(ValueError):
    """A run log that cannot be read; the message says why, in one line."""


class NotARunLogError(RunLogError):
    """The file is not a vgtui run log."""


class NewerFormatError(RunLogError):
    """The log was written by a newer vgtui in a format this one does not read."""


class IncompleteLogError(RunLogError):
    """The log's header is not complete: its writer has just started, or died first."""
