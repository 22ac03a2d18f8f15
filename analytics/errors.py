"""Analytics errors, in the project's single error tree."""

from __future__ import annotations

from referral.errors import ClinicError, DependencyMissingError, UserInputError


class AnalyticsInputError(UserInputError):
    code = "invalid_analytics_input"


class FormulaError(AnalyticsInputError):
    code = "invalid_formula"


class NetworkInputError(AnalyticsInputError):
    code = "invalid_network"


class ConvergenceError(ClinicError):
    status_hint, exit_code, code = 422, 1, "no_convergence"


__all__ = [
    "AnalyticsInputError",
    "ConvergenceError",
    "DependencyMissingError",
    "FormulaError",
    "NetworkInputError",
]
