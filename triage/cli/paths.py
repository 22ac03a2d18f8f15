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


def in_existing_folder(path: Path, option: str) -> Path:
    """``path`` (a file, or a folder, named by ``option``) may be created, but only in a folder that
    exists: a mistyped folder (``--db /srv/clinc/clinic.db``) was created with the file, and the
    command went on with a new, empty log or wire log where nobody looks. One line naming the
    option, the path and the missing folder instead (exit 2)."""
    folder = path.parent
    if not folder.exists():
        raise UserInputError(
            f"{option} {path}: the folder {folder} does not exist (a mistyped path?); check it, or create"
            f" the folder first (mkdir -p {folder})"
        )
    return path
