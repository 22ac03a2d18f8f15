"""`triage serve --config FILE` - as an administrator first writes a systemd unit's ExecStart - was
"No such option: --config (see `triage serve --help`)", and that help did not say where the settings
come from. The options of ``triage`` itself given after a command now say to put them before it,
and `triage serve --help` names the settings file's option."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from triage import cli


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["serve", "--config", "/etc/clinic-triage/clinic.toml"], "triage --config FILE serve"),
        (["referrals", "list", "-c", "clinic.toml"], "triage -c FILE referrals list"),
        (["serve", "--config=clinic.toml"], "triage --config FILE serve"),
        (["models", "list", "--debug"], "triage --debug models list"),
    ],
)
def test_triage_s_own_option_after_a_command_says_to_put_it_before(
    argv: list[str], hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No such option" in err, err
    assert f"is an option of triage itself, given before the command: {hint} (see" in err, err


def test_an_unknown_option_gets_no_such_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--conf", "x.toml"]) == 2
    assert "option of triage itself" not in capsys.readouterr().err


def test_serve_help_says_where_the_settings_come_from() -> None:
    shown = CliRunner().invoke(cli.app, ["serve", "--help"], terminal_width=200)
    assert shown.exit_code == 0
    assert "triage --config FILE serve" in shown.output and "TRIAGE_CONFIG" in shown.output, shown.output
