"""One helper says a count with its noun (``referral/plurals.py``): the referral log's commands and
the regional reports each had their own ``counted``, one taking the singular and separating
thousands (``20,000 encounters``), the other the plural without (``1024 entries``)."""

from __future__ import annotations

import pytest

from referral.plurals import counted


@pytest.mark.parametrize(
    ("number", "plural", "said"),
    [
        (0, "entries", "0 entries"),
        (1, "entries", "1 entry"),
        (1, "facilities", "1 facility"),
        (1, "encounters", "1 encounter"),
        (1, "audit_events", "1 audit_event"),
        (1, "ties", "1 tie"),
        (1, "receiving hospitals", "1 receiving hospital"),
        (2, "ties", "2 ties"),
        (2, "referrals", "2 referrals"),
        (1024, "entries", "1,024 entries"),
        (20_000, "encounters", "20,000 encounters"),
    ],
)
def test_a_count_is_said_with_its_noun_in_the_right_number(number: int, plural: str, said: str) -> None:
    assert counted(number, plural) == said


def test_the_log_commands_and_the_reports_say_counts_with_the_one_helper() -> None:
    from analytics.reports import key_figures, report
    from triage.cli import referrals_log

    assert referrals_log.counted is counted and report.counted is counted and key_figures.counted is counted
