"""No `--help` screen shows a record id as typer's 64-bit range: `referrals list --before-id`
read 'ID [1<=x<=4611686018427387904]' and the id arguments ('referrals show ID', 'devices
associations close-encounter ENCOUNTER_ID') '<int range>'; they read ID as b2d7479 made
`--encounter` read. A bad id still names the limit."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import triage.cli as cli
from triage.cli.referrals import MAX_ID


def _every_command() -> list[list[str]]:
    """The path of every command and group of the Typer app, the root first."""
    found: list[list[str]] = []

    def walk(path: list[str], command: Any) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk([*path, name], sub)

    walk([], typer.main.get_command(cli.app))
    return found


def _flat(text: str) -> str:
    """The help without its boxes and spaces, so a range the table wrapped is one string."""
    return "".join(text.replace("│", " ").split())


def test_no_help_screen_shows_a_64_bit_range() -> None:
    runner = CliRunner()
    paths = _every_command()
    assert ["referrals", "list"] in paths and ["devices", "associations", "close-encounter"] in paths
    for path in paths:
        result = runner.invoke(cli.app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        flat = _flat(result.output)
        assert str(MAX_ID) not in flat, " ".join(path)
        assert str(2**63 - 1) not in flat, " ".join(path)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (["referrals", "list"], "--before-idIDOnlyreferralsolderthanthisid"),
        (["referrals", "show"], "*ID<int>Referralid."),
        (["referrals", "acknowledge"], "*ID<int>Referralid."),
        (["referrals", "cancel"], "*ID<int>Referralid."),
        (["devices", "associations", "close-encounter"], "*ENCOUNTER_ID<int>Theencounterid."),
    ],
)
def test_an_id_reads_id_in_the_help(path: list[str], shown: str) -> None:
    flat = _flat(CliRunner().invoke(cli.app, [*path, "--help"], terminal_width=200).output)
    assert shown in flat, flat


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["referrals", "show", "0"], f'"ID": 0 is not a referral id (a whole number from 1 to {MAX_ID})'),
        (
            ["referrals", "list", "--before-id", str(MAX_ID + 1)],
            f'"--before-id": {MAX_ID + 1} is not a referral id',
        ),
        (
            ["referrals", "cancel", "x", "--actor", "a"],
            '"ID": "x" is not a referral id (a whole number from 1)',
        ),
        (
            ["devices", "associations", "close-encounter", "0", "--actor", "a", "--reason", "r"],
            '"ENCOUNTER_ID": 0 is not an encounter id (a whole number from 1 to',
        ),
    ],
)
def test_a_bad_id_still_names_the_limit(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    assert said in capsys.readouterr().err
