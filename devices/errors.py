"""Device-gateway errors, subclasses of the project's single error tree (``referral.errors``)."""

from __future__ import annotations

import re

from referral.errors import ClinicError, ConfigError, UserInputError

__all__ = [
    "ClinicError",
    "CodecError",
    "ConfigError",
    "OperatorListError",
    "ProfileError",
    "SenderStateError",
    "UserInputError",
]


_BYTE = re.compile(r"byte (\d+): ")


class ProfileError(ConfigError):
    """A device profile (TOML) is invalid; the message names the file and the field."""

    code = "invalid_device_profile"


class CodecError(UserInputError):
    """Bytes from a device (or a capture file) cannot be decoded; says where (byte offset) and why."""

    code = "undecodable_device_data"

    @property
    def byte_offset(self) -> int | None:
        """The offset the message begins with (``byte 107: ...``), or None when it names none."""
        m = _BYTE.match(str(self))
        return int(m.group(1)) if m else None


class SenderStateError(ClinicError):
    """A sans-IO state machine was driven in a way its protocol does not allow (a programming error
    in the caller, e.g. queueing an empty message)."""

    status_hint, exit_code, code = 500, 1, "protocol_misuse"


class OperatorListError(ConfigError):
    """A clinic's operator list file (who may use a point-of-care meter) is invalid; the message
    names the file, the line and the column."""

    code = "invalid_operator_list"
