"""A value that is no number, given to a number option: click said '"abc" is not a valid int range',
read as though a range (1-10) were wanted where --limit takes one whole number."""

from __future__ import annotations

import pytest

from triage.cli import main


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["referrals", "list", "--limit", "abc"], 'Invalid value for "--limit": "abc" is not a whole number'),
        (["serve", "--workers", "two"], 'Invalid value for "--workers": "two" is not a whole number'),
        (
            ["devices", "listen", "--baud", "9600baud"],
            'Invalid value for "--baud": "9600baud" is not a whole number',
        ),
        (["devices", "simulate", "--drip", "x"], 'Invalid value for "--drip": "x" is not a number'),
        (["devices", "listen", "--stopbits", "one"], 'Invalid value for "--stopbits": "one" is not a number'),
    ],
)
def test_a_value_that_is_no_number_is_said_so(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    command = f"triage {args[0]}" if args[0] == "serve" else f"triage {args[0]} {args[1]}"
    assert err == f"error: {command}: {said} (see `{command} --help`)\n"
    assert "valid int" not in err and "range" not in err


def test_a_number_out_of_its_range_still_names_the_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["referrals", "list", "--limit", "0"]) == 2
    assert '"--limit": 0 is not in the range 1<=x<=100000' in capsys.readouterr().err
