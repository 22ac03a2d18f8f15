"""A device profile naming an encoding the gateway cannot frame is refused when it is read.

The link layers find STX, ETX, CR (ASTM), VT and FS (MLLP) as bytes in the raw stream before any
text is decoded, so a profile with ``encoding = "utf-16"`` (STX sent as 02 00), ``"utf-32"``, an
EBCDIC code page (``cp037``: "|" is 0x4F) or a stateful one (``utf-7``, ``hz``, ``iso2022_jp``)
was accepted, and every message of the device was then quarantined as "message does not start with
an H record: "籈幜簦籼..."" - the capture was fine, the profile wrong, and nothing said so. Now
``load_profile`` refuses it naming the setting, the file and the encodings that work; ``replay``
and ``serve`` (the settings' gateway.profiles) stop with that one line, exit 2, real processes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devices.errors import ProfileError
from devices.profile import PROFILE_DIR, load_profile
from tests.devices.traces.golden_io import DATA

WORKS = "use one that is: latin-1, cp1252, utf-8, gb18030, big5, shift_jis, euc-kr, cp1251"


def _profile(folder: Path, encoding: str) -> Path:
    """The bundled XN-550 profile with a top-level ``encoding`` (it sets none: latin-1)."""
    text = (PROFILE_DIR / "sysmex-xn550.toml").read_text(encoding="utf-8")
    assert "\nencoding" not in text
    at = text.index("\n[")
    path = folder / f"xn550-{encoding}.toml"
    path.write_text(f'{text[:at]}\nencoding = "{encoding}"{text[at:]}', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("encoding", "why"),
    [
        ("utf-16", "in it STX (0x02) is written FF FE 02 00, and the byte 0x02 is no character alone"),
        ("utf-16-le", "in it STX (0x02) is written 02 00, and the byte 0x02 is no character alone"),
        ("utf-32", "in it STX (0x02) is written FF FE 00 00 02 00 00 00"),
        ("cp037", 'in it "|" (0x7C) is written 4F, and the byte 0x7C reads as "@"'),
        ("cp500", 'in it "|" (0x7C) is written BB, and the byte 0x7C reads as "@"'),
        ("utf-7", "in it STX (0x02) is written 2B 41 41 49 2D"),
        ("hz", "in it ASCII 0x7E is written 7E 7E"),
        ("iso2022_jp", "in it ASCII 0x1B is written 1B, and the byte 0x1B is no character alone"),
        ("utf-8-sig", "in it STX (0x02) is written EF BB BF 02"),
    ],
)
def test_an_encoding_that_is_not_ascii_compatible_is_refused(encoding: str, why: str, tmp_path: Path) -> None:
    path = _profile(tmp_path, encoding)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    said = str(caught.value)
    assert said.startswith(f"{path}: invalid device profile: encoding: ")
    assert f'"{encoding}" is not ASCII-compatible: {why}' in said
    assert said.endswith(WORKS)


def test_a_transform_that_is_no_character_encoding_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        ProfileError, match=r'encoding: "rot13" is a bytes-to-bytes transform, not a character'
    ):
        load_profile(_profile(tmp_path, "rot13"))


@pytest.mark.parametrize(
    "encoding",
    ["latin-1", "cp1252", "utf-8", "gb18030", "gbk", "big5", "shift_jis", "euc-kr", "cp1251", "ascii"],
)
def test_the_ascii_compatible_encodings_are_taken(encoding: str, tmp_path: Path) -> None:
    assert load_profile(_profile(tmp_path, encoding)).encoding == encoding


def _triage(*args: str) -> subprocess.CompletedProcess[str]:
    triage = str(Path(sys.executable).with_name("triage"))
    return subprocess.run([triage, *args], capture_output=True, text=True, check=False, timeout=120)


def test_replay_stops_with_one_line_naming_the_profile(tmp_path: Path) -> None:
    path = _profile(tmp_path, "utf-16")
    done = _triage("devices", "replay", str(DATA / "sysmex-xn550.astm"), "--profile", str(path))
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(
        f'error: --profile {path}: invalid device profile: encoding: "utf-16" is not'
    )
    assert "quarantined" not in done.stderr


def test_serve_refuses_the_settings_profile_before_it_starts(tmp_path: Path) -> None:
    path = _profile(tmp_path, "cp037")
    settings = tmp_path / "clinic.toml"
    database = tmp_path / "clinic.db"
    settings.write_text(
        f'[database]\npath = "{database}"\n[gateway]\nprofiles = ["{path}"]\n', encoding="utf-8"
    )
    done = _triage("--config", str(settings), "serve", "--port", "0")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f'error: {path}: invalid device profile: encoding: "cp037" is not')
    assert done.stderr.rstrip().endswith(WORKS)
    assert not database.exists()
