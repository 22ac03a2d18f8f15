"""Output folders named on the command line (``--out``, ``--data-dir``): created before any work;
an earlier run's files a new run no longer writes, removed. And ``triage`` as a line the CLI
suggests names it (:func:`triage_command`)."""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from triage.command_name import (
    triage_command as triage_command,  # re-exported: the CLI's modules import it here
)
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
            f" the folder first ({shlex.join(['mkdir', '-p', str(folder)])})"  # as a shell takes it
        )
    return path


#: The file in an output folder that lists what the last run of a command wrote there (relative
#: path and sha256 of each file), so the next run into the same folder can remove what it no longer
#: writes.
WRITTEN_MANIFEST = "written-files.json"


@dataclass
class EarlierOutputs:
    """What :func:`replace_earlier_outputs` did with an earlier run's files."""

    #: removed: written by the earlier run, not by this one, unchanged since
    removed: list[Path]
    #: left: written by the earlier run, not by this one, but changed since (someone's edit)
    changed: list[Path]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _recorded(manifest: Path, command: str) -> dict[str, str]:
    """The files (relative path -> sha256) an earlier run of ``command`` recorded; nothing when
    there is no manifest, or it is not one of this command's (read as: no file is known)."""
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
        files = recorded["files"] if recorded.get("written_by") == command else {}
    except (OSError, ValueError, AttributeError, KeyError):
        return {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def replace_earlier_outputs(
    out: Path, written: list[Path], command: str, *, keep_under: Path | None = None
) -> EarlierOutputs:
    """Remove from ``out`` the files the previous run of ``command`` wrote there and this run did
    not (a rebuild's figures of a frame no longer in the study, which stayed beside the new ones
    looking current), then record in ``out/written-files.json`` what this run wrote.

    Only files the manifest lists are removed, and only when unchanged since (the same sha256):
    a file the command never wrote, one edited since, one outside ``out`` or under ``keep_under``
    (the run's input folder), and a symbolic link are left as they are."""
    manifest = out / WRITTEN_MANIFEST
    root = out.resolve()
    now = {p.resolve().relative_to(root).as_posix(): p for p in written if p.resolve().is_relative_to(root)}
    removed: list[Path] = []
    changed: list[Path] = []
    for name, digest in sorted(_recorded(manifest, command).items()):
        path = out / name
        if name in now or path.is_symlink() or not path.is_file():
            continue
        inside = path.resolve()
        if not inside.is_relative_to(root) or (keep_under and inside.is_relative_to(keep_under.resolve())):
            continue
        if _sha256(path) != digest:
            changed.append(path)
            continue
        path.unlink()
        removed.append(path)
    record = {
        "written_by": command,
        "note": f"the files the last `{command}` wrote here; the next one removes those it does not"
        " write again, when unchanged",
        "files": {name: _sha256(path) for name, path in sorted(now.items()) if path.is_file()},
    }
    partial = manifest.with_name(manifest.name + ".partial")
    partial.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(manifest)
    return EarlierOutputs(removed, changed)
