"""A policy file in another encoding after a UTF-8 byte order mark is refused naming its first bad
byte as the file counts it, as without the mark: the offset was counted after the mark, 3 bytes
short (byte 11 where the file's byte 14 is the GBK one). Real files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from triage.errors import ConfigError
from triage.policy import load_policy


@pytest.mark.parametrize(("mark", "byte"), [(b"", 11), (codecs.BOM_UTF8, 14)])
def test_the_bad_byte_is_the_files(mark: bytes, byte: int, tmp_path: Path) -> None:
    policy = tmp_path / "clinic.toml"
    policy.write_bytes(mark + 'version = "化验"\n'.encode("gbk"))
    with pytest.raises(ConfigError) as info:
        load_policy(policy)
    assert str(info.value) == f"policy file {policy}: byte {byte} is not UTF-8; save the file as UTF-8"
