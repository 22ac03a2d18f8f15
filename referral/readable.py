"""Why this user may not read a file, or write in a folder, said with its owner and mode and what to
do: no database here, so the settings and policy readers (pure cores) can say it too."""

from __future__ import annotations

import os
import pwd
import stat
from collections.abc import Callable
from pathlib import Path


def user_said(uid: int) -> tuple[str, str]:
    """A user as said, and as ``sudo -u`` takes it."""
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}", f"'#{uid}'"
    return f"{name} (uid {uid})", name


def not_allowed(info: os.stat_result, what: str, own_fix: str, others_fix: Callable[[str], str]) -> str:
    """This user may not do ``what`` to a file whose ``stat`` is ``info``: its owner and mode, and
    the way out (``others_fix`` is given the owner as ``sudo -u`` takes it)."""
    me, _ = user_said(os.getuid())
    mode = f"{stat.S_IMODE(info.st_mode):04o}"
    if info.st_uid == os.getuid():
        return f"this user, {me}, its owner, may not {what} (mode {mode}): {own_fix}"
    owner, sudo = user_said(info.st_uid)
    return f"this user, {me}, may not {what} (owner {owner}, mode {mode}): {others_fix(sudo)}"


def read_problem(path: Path | str) -> str | None:
    """Why this user cannot read the file at ``path`` (a settings file), with its owner and mode
    and what to do, when its permissions are why; ``None`` when it can be read or is not there."""
    target = Path(path)
    try:
        info = target.stat()
    except OSError:
        return None
    if os.access(target, os.R_OK):
        return None
    return not_allowed(
        info,
        "read it",
        f"chmod u+r {target}",
        lambda sudo: (
            f"run this as its owner, the service's user (sudo -u {sudo} ...), or let this user"
            f" read it (chmod o+r {target})"
        ),
    )


def folder_problem(folder: Path) -> str | None:
    """Why ``folder``, named by a setting for files to be written in, cannot take them - not there,
    not a folder, out of this user's reach, on a read-only filesystem, or not this user's to write -
    and what to do; ``None`` when it can."""
    try:
        info = folder.stat()
    except FileNotFoundError:
        return f"{folder} does not exist; create it (mkdir -p {folder}), owned by the service's user"
    except OSError as exc:  # a folder above it this user may not enter (EACCES), a file above it
        me, _ = user_said(os.getuid())
        return f"this user, {me}, cannot reach {folder} ({exc.strerror}); check the folders above it"
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder} is a file, not a folder; give a folder"
    if os.statvfs(folder).f_flag & os.ST_RDONLY:
        return f"{folder} is on a read-only filesystem; give a folder on a disk that can be written"
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    return not_allowed(
        info,
        f"write in {folder}",
        f"chmod u+wx {folder}",
        lambda sudo: (
            f"run this as its owner, the service's user (sudo -u {sudo} ...), or give it to this user"
        ),
    )
