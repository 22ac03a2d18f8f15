"""A settings file named by ``$TRIAGE_CONFIG`` says so in every error about it: "settings file
/etc/clinic-triage/clinic.toml does not exist" sent an administrator who had given no --config
looking for where that path came from (a systemd unit's EnvironmentFile=, a login profile's
export). Each way the file or a setting in it is refused, with the real CLI and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.cli import main

FROM_ENV = "($TRIAGE_CONFIG)"


def _said(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    return captured.err


@pytest.mark.parametrize(
    ("text", "after"),
    [
        (None, " does not exist"),
        ("[service\n", ": invalid TOML: "),
        ("[databse]\npath = 'x.db'\n", ": databse: unknown key"),
        ("[database]\nbusy_timeout_ms = -1\n", ": database.busy_timeout_ms: "),
    ],
    ids=["missing", "not-toml", "misspelt-table", "bad-value"],
)
def test_each_refusal_of_the_file_says_the_variable_named_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str | None,
    after: str,
) -> None:
    config = tmp_path / "clinic.toml"
    if text is not None:
        config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    err = _said(capsys, "referrals", "migrate", "--db", str(tmp_path / "c.db"))
    assert err.startswith(f"error: settings file {config} {FROM_ENV}{after}"), err


def test_a_folder_given_says_the_variable_named_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRIAGE_CONFIG", str(tmp_path))
    err = _said(capsys, "referrals", "migrate", "--db", str(tmp_path / "c.db"))
    assert err == f"error: settings file {tmp_path} {FROM_ENV} is a directory; give the TOML file\n", err


def test_serve_s_checks_of_the_paths_in_it_say_the_variable_named_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "clinic.toml"
    missing = tmp_path / "policy.toml"
    config.write_text(f'[policy]\nfile = "{missing}"\n', encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    monkeypatch.setenv("TRIAGE_DATABASE__PATH", str(tmp_path / "c.db"))
    err = _said(capsys, "serve", "--port", "0")
    assert err.startswith(
        f"error: settings file {config} {FROM_ENV}: policy.file: {missing} does not exist"
    ), err


def test_given_with_config_it_is_not_said_to_come_from_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text("[databse]\n", encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(tmp_path / "other.toml"))
    err = _said(capsys, "--config", str(config), "referrals", "migrate", "--db", str(tmp_path / "c.db"))
    assert err.startswith(f"error: settings file {config}: databse: unknown key"), err


def test_the_ready_line_says_the_variable_named_the_settings_file(tmp_path: Path) -> None:
    from tests.admin.test_serve_first_run import ready_line

    config = tmp_path / "clinic.toml"
    config.write_text(f'[database]\npath = "{tmp_path / "c.db"}"\n', encoding="utf-8")
    ready, _ = ready_line({"TRIAGE_CONFIG": str(config)}, tmp_path / "serve.log")
    assert ready.startswith(f"ready: settings {config} {FROM_ENV}; clinic "), ready
