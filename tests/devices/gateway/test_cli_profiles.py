"""`triage devices listen | simulate` with a device profile: a profile that cannot be read, is unknown,
or has a setting, key or mapping table the serial port or codecs cannot use is refused when it is
read, in one line naming the file, the table and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devices.gateway.devices_cli import BAUDS, TRACES, settings_file
from tests.ports import free_port
from triage.cli import main


def test_a_profile_that_is_a_folder_or_not_utf8_is_named_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Said "cannot read device profile: 'utf-8' codec can't decode byte ... in position 13: ..."."""
    gbk = tmp_path / "analyzer.toml"
    gbk.write_bytes('device_id = "化验"\n'.encode("gbk"))
    for profile, message in (
        (gbk, f"{gbk}: byte 13 is not UTF-8; save the device profile as UTF-8"),
        (tmp_path, f"{tmp_path}: is a folder; give the device profile TOML file"),
    ):
        code = main(
            ["--config", str(settings_file(tmp_path)), "devices", "listen", "--profile", str(profile)]
        )
        assert code == 2
        assert capsys.readouterr().err == f"error: --profile {message}\n"


def test_an_unknown_profile_name_is_named_as_typed_with_the_known_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from devices.profile import PROFILE_DIR, bundled_profile_names

    code = main(["--config", str(settings_file(tmp_path)), "devices", "listen", "--profile", "sysmex-xn999"])
    err = capsys.readouterr().err
    known = ", ".join(bundled_profile_names())
    assert code == 2
    assert err == f"error: --profile sysmex-xn999: unknown device profile; known: {known}\n"
    assert str(PROFILE_DIR) not in err and "sysmex-xn550, sysmex-xp100" in known


def test_a_bad_serial_setting_in_a_profile_names_the_file_the_key_and_the_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """[serial] baud = 0 was accepted, and listen then stopped with the port's message ('serial
    port /dev/ttyUSB0: baud rate 0 must be positive'), naming neither the file nor the key;
    pydantic's messages did not say what the file held, and for parity and data bits not in the
    words --parity and --bytesize use ('Input should be "N", "E", ...': "even" got no hint)."""
    from devices.profile import PROFILE_DIR

    PARITIES = "N (none), E (even), O (odd), M (mark) or S (space)"

    generic = (PROFILE_DIR / "generic-astm.toml").read_text()
    profile = tmp_path / "analyzer.toml"
    for setting, message in (
        ("baud = 0", f"serial.baud: {BAUDS} (got 0)"),
        ("baud = 960", f"serial.baud: {BAUDS} (got 960)"),  # no UART runs at it
        ('parity = "X"', f'serial.parity: must be {PARITIES} (got "X")'),
        # the words other tools use, and --parity's lower case: the letter to write is named
        ('parity = "even"', f'serial.parity: must be {PARITIES} (got "even"): write "E"'),
        ('parity = "n"', f'serial.parity: must be {PARITIES} (got "n"): write "N"'),
        ("stopbits = 3", "serial.stopbits: must be 1, 1.5 or 2 (got 3)"),
        ("bytesize = 9", "serial.bytesize: must be 5, 6, 7 or 8 data bits (got 9)"),
    ):
        key = setting.split(" ", 1)[0]
        profile.write_text(
            "\n".join(setting if line.startswith(f"{key} =") else line for line in generic.splitlines())
        )
        code = main(
            ["--config", str(settings_file(tmp_path)), "devices", "listen", "--profile", str(profile)]
        )
        assert code == 2
        assert capsys.readouterr().err == f"error: --profile {profile}: invalid device profile: {message}\n"


@pytest.mark.parametrize(
    ("table", "setting", "message"),
    [
        (
            "serial",
            'baud = "9600"',
            'serial.baud: must be a whole number, not text: write it without quotes (got "9600")',
        ),
        ("serial", "baud = 9600.5", "serial.baud: must be a whole number (got 9600.5)"),
        (
            "serial",
            'xonxoff = "yes"',
            'serial.xonxoff: must be true or false, not text: write it without quotes (got "yes")',
        ),
        ("serial", "rtscts = 1", "serial.rtscts: must be true or false (got 1)"),
        (
            "serial",
            "bytesize = 8.0",
            "serial.bytesize: must be 5, 6, 7 or 8 data bits, a whole number (got 8.0)",
        ),
        (
            "link",
            'reply_timeout = "15"',
            'link.reply_timeout: must be a number, not text: write it without quotes (got "15")',
        ),
        (
            "tolerance",
            'lowercase_checksum = "on"',
            "tolerance.lowercase_checksum: must be true or false, not text",
        ),
        (
            "astm",
            'test_code_components = ["4"]',
            "astm.test_code_components.0: must be a whole number, not text",
        ),
        (
            "clock",
            'max_ahead = "600"',
            "clock.max_ahead: must be a number, not text: write it without quotes",
        ),
    ],
)
def test_a_quoted_number_or_switch_in_a_profile_is_refused_naming_the_file_the_table_and_the_key(
    table: str, setting: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """baud = "9600", xonxoff = "yes", rtscts = 1 were read as 9600 and true: a quoted value (or a
    setting copied from another tool) is often a typo the profile author should see, and "yes"
    or 1 for a switch hid which of the two was meant."""
    from devices.profile import PROFILE_DIR

    lines = (PROFILE_DIR / "generic-astm.toml").read_text().splitlines()
    key = setting.split(" ", 1)[0]
    lines = [line for line in lines if not line.startswith(f"{key} =")]
    if f"[{table}]" in lines:
        lines.insert(lines.index(f"[{table}]") + 1, setting)
    else:
        lines += [f"[{table}]", setting]
    profile = tmp_path / "analyzer.toml"
    profile.write_text("\n".join(lines) + "\n")
    code = main(["--config", str(settings_file(tmp_path)), "devices", "listen", "--profile", str(profile)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith(f"error: --profile {profile}: invalid device profile: {message}"), err
    assert err.count("\n") == 1


@pytest.mark.timeout(60)  # without the check, listen with a connect-mode profile ran on
@pytest.mark.parametrize(
    ("bundled", "trace", "table", "setting", "message"),
    [
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            "astm",
            'sample_id_fields = ["O3"]',
            'astm.sample_id_fields: "O3" is not a field of the O record: write "O.N", N from 2',
        ),
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            "astm",
            'patient_id_fields = ["O.3"]',
            'astm.patient_id_fields: "O.3" is not a field of the P record: write "P.N"',
        ),
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            "astm",
            "test_code_components = [0]",
            "astm.test_code_components: must list R.3 component numbers counted from 1, e.g. [4] (got [0])",
        ),
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            "link",
            "receive_timeout = 0",
            "link.receive_timeout: Input should be greater than 0 (got 0)",
        ),
        (
            "mindray-bs380",
            "mindray-bs380.hl7",
            "hl7",
            'end_bytes = "1c0g"',
            'hl7.end_bytes: must be the bytes that end an MLLP frame, in hex, e.g. "1c0d" (FS CR) (got "1c0g")',
        ),
        (
            "mindray-bs380",
            "mindray-bs380.hl7",
            "hl7",
            "start_byte = 300",
            "hl7.start_byte: Input should be less than or equal to 255 (got 300)",
        ),
        (
            "mindray-bs380",
            "mindray-bs380.hl7",
            "hl7",
            'charset_default = "UNICODE UTF-8"',
            "hl7.charset_default: is not read: a message without MSH-18 is decoded with the profile's "
            "top-level encoding",
        ),
        (
            "mindray-bs380",
            "mindray-bs380.hl7",
            "tcp",
            'mode = "connect"',
            'tcp: mode "connect" needs host: the address of the device (or its dock) to connect to',
        ),
        (
            "mindray-bs380",
            "mindray-bs380.hl7",
            "",
            'ignored_codes = ["ALT", "GLU"]',
            '(top level): ignored_codes and [mapping] both name "GLU": keep each code in one',
        ),
        (
            "nonin-oximeter",
            "nonin-oximeter.txt",
            "",
            'line_skip_patterns = ["[abc"]',
            'line_skip_patterns: "[abc" is not a regular expression: unterminated character set',
        ),
    ],
)
def test_a_profile_key_the_codecs_cannot_use_is_refused_when_the_profile_is_read(
    bundled: str,
    trace: str,
    table: str,
    setting: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """These were accepted, then replay (and the gateway, at the device's first message) stopped
    with a traceback ("O3", "1c0g", 300, "[abc"), or worked silently wrong: component 0 gave every
    test of a message one code, so all but the first were taken for resends and not stored; a
    zero timer ended every session at once; charset_default was never read; a connect-mode
    device without a host was sought at 0.0.0.0; a code both ignored and mapped was mapped."""
    from devices.profile import PROFILE_DIR

    text = (PROFILE_DIR / f"{bundled}.toml").read_text()
    key = setting.split(" ", 1)[0]
    lines = [line for line in text.splitlines() if not line.startswith(f"{key} =")]
    # a top-level key goes before the first table; a table key in its own (new or existing) table
    if table and f"[{table}]" in lines:
        lines.insert(lines.index(f"[{table}]") + 1, setting)
    elif table:
        lines += [f"[{table}]", setting]
    else:
        lines.insert(next(i for i, line in enumerate(lines) if line.startswith("[")), setting)
    profile = tmp_path / "device.toml"
    profile.write_text("\n".join(lines) + "\n")
    protocol = "line" if trace.endswith(".txt") else trace.rsplit(".", 1)[1]
    for argv in (
        ["devices", "replay", str(TRACES / trace), "-p", protocol, "--profile", str(profile)],
        ["devices", "listen", "--profile", str(profile)],
    ):
        code = main(["--config", str(settings_file(tmp_path)), *argv])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.startswith(f"error: --profile {profile}: invalid device profile: {message}")
        assert err.count("\n") == 1


@pytest.mark.timeout(60)  # without the check, listen started on the profile's port
@pytest.mark.parametrize(
    ("bundled", "trace", "edit", "message"),
    [
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            ('code = "wbc"', 'code = "wbcc"'),
            'mapping.WBC.code: unknown observation code "wbcc"; known codes: albumin_creatinine_ratio, ',
        ),
        (
            "sysmex-xn550",
            "sysmex-xn550.astm",
            ('unit = "10*9/L"', 'unit = "10*9/LL"'),
            'mapping.WBC.unit: wbc: unit "10*9/LL" is not accepted; use one of: 10*9/L',
        ),
        (  # no unit: each listed unit goes to triage as sent, so each must be one it takes
            "siemens-dca_vantage",
            "siemens-dca_vantage.astm",
            ('"mg/mmol"]', '"mg/mmmol"]'),
            'mapping.Ratio.device_units: albumin_creatinine_ratio: unit "mg/mmmol" is not accepted; use one of:',
        ),
        (
            "urine-strip",
            "urine-strip.txt",
            ('"TR" = "trace"', '"TR" = "traces"'),
            'mapping.GLU.answers: "traces" is not an answer of urine_glucose (one of: neg, trace, 1+, ',
        ),
    ],
)
def test_a_mapping_table_naming_what_triage_does_not_know_is_refused_when_the_profile_is_read(
    bundled: str,
    trace: str,
    edit: tuple[str, str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A typo in a [mapping] code, unit or answer was accepted: replay quarantined every result
    of that test ("unknown observation code 'wbcc'") and listen ran, each such result held for
    review, found only when the device sent that test."""
    from devices.profile import PROFILE_DIR

    text = (PROFILE_DIR / f"{bundled}.toml").read_text()
    assert edit[0] in text
    profile = tmp_path / "device.toml"
    profile.write_text(text.replace(edit[0], edit[1], 1))
    protocol = "line" if trace.endswith(".txt") else trace.rsplit(".", 1)[1]
    for argv in (
        ["devices", "replay", str(TRACES / trace), "-p", protocol, "--profile", str(profile)],
        ["devices", "listen", "--profile", str(profile), "--tcp-listen", f"127.0.0.1:{free_port()}"],
    ):
        code = main(["--config", str(settings_file(tmp_path)), *argv])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.startswith(f"error: --profile {profile}: invalid device profile: {message}")
        assert err.count("\n") == 1
