"""Errors of the pooled reports, in the project's single error tree."""

from __future__ import annotations

from referral.errors import DependencyMissingError, UserInputError


class ReportInputError(UserInputError):
    """An input of a pooled report is unusable (the message names the file)."""

    code = "invalid_report_input"


class EngineMissingError(DependencyMissingError):
    """The requested query engine (Spark) is not installed or cannot start."""

    code = "engine_missing"
