"""Output folders named on the command line (``--out``, ``--data-dir``): created before any work."""

from __future__ import annotations

from pathlib import Path

from triage.errors import UserInputError


def output_folder(path: Path, option: str = "--out") -> Path:
    """Create ``path`` (and its parents) or say in one line why it cannot be, naming the option.

    Checked before the work starts, so a long run does not end in a traceback when it writes.
    """
    if path.exists() and not path.is_dir():
        raise UserInputError(f"{option} {path}: is a file; give a folder (it is created if missing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(
            f"{option} {path}: cannot create the folder ({exc.strerror}); give a folder that can be written"
        ) from None
    return path
