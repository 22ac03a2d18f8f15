"""A device profile saved with a UTF-8 byte order mark (Windows Notepad writes one) is read as the
same profile: it was refused as "not valid TOML: Invalid statement (at line 1, column 1)" though it
reads right, where a policy or settings file so saved is accepted (e92f8ee). Another encoding stays
refused, naming its first bad byte as the file counts it. Real files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from devices.profile import PROFILE_DIR, ProfileError, load_profile


@pytest.mark.parametrize("name", ["sysmex-xn550", "nonin-oximeter", "generic-hl7"])
def test_a_profile_with_a_byte_order_mark_is_the_same_profile(name: str, tmp_path: Path) -> None:
    bundled = PROFILE_DIR / f"{name}.toml"
    saved = tmp_path / f"{name}.toml"
    saved.write_bytes(codecs.BOM_UTF8 + bundled.read_bytes())
    assert load_profile(saved).model_dump(exclude={"source"}) == load_profile(bundled).model_dump(
        exclude={"source"}
    )


def test_another_encoding_after_a_byte_order_mark_names_the_files_byte(tmp_path: Path) -> None:
    gbk = tmp_path / "analyzer.toml"
    gbk.write_bytes(codecs.BOM_UTF8 + 'device_id = "化验"\n'.encode("gbk"))
    with pytest.raises(ProfileError) as info:
        load_profile(gbk)
    assert str(info.value) == f"{gbk}: byte 16 is not UTF-8; save the device profile as UTF-8"
