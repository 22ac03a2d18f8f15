"""Read the model registry and model cards: pydantic only, no onnxruntime, no numpy.

``triage models list`` and ``show`` print cards and need nothing else; they imported
:mod:`triage.riskmodels`, which imports onnxruntime (about 0.15 s and its shared libraries) to
print text. :mod:`triage.riskmodels` takes these from here and re-exports them.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from models.card import ModelCard, Registry
from models.manifest import COVERED, MANIFEST, parse
from triage.errors import ClinicError, ModelContractError, NotFoundError, validation_message

__all__ = ["RESTORE", "check_manifest", "model_refused", "read_card", "read_registry", "registered_titles"]

#: What to do about a file of a version folder that is not there (said after its path).
RESTORE = "; restore the shipped version folder"


def model_refused(name: str, version: str, check: str, detail: str) -> ModelContractError:
    """The error that refuses model ``name`` ``version``: the check that failed and what it found."""
    return ModelContractError(f"model {name} {version} refused ({check}): {detail}")


def read_registry(directory: Path) -> Registry:
    path = directory / "registry.json"
    try:
        return Registry.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise NotFoundError(f"model registry {path} does not exist") from None
    except (
        NotADirectoryError,
        IsADirectoryError,
    ):  # models.directory names a file, or a folder is in the way
        raise NotFoundError(
            f"model registry {path}: {directory} must be the models folder holding a registry.json file"
        ) from None
    except ValidationError as exc:
        raise ModelContractError(f"model registry {path} is invalid: {_problems(exc)}") from None


def _problems(exc: ValidationError, limit: int | None = None) -> str:
    """``field.path: message; ...``; an error about the whole document (invalid JSON, a check of
    the whole card) has no field path and is the message alone (it read ``file: : Invalid JSON``)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {validation_message(e)}"
        if e["loc"]
        else validation_message(e)
        for e in exc.errors()[:limit]
    )


def read_card(path: Path, name: str, version: str) -> ModelCard:
    try:
        card = ModelCard.model_validate_json((path / "card.json").read_bytes())
    except FileNotFoundError:
        if not path.is_dir():  # e.g. a registry.json upgraded without the version folder it names
            raise model_refused(
                name,
                version,
                "folder",
                f"{path} does not exist, but {path.parent.parent / 'registry.json'} lists {name} {version}: copy "
                "the version folder with the registry that names it (they ship together)",
            ) from None
        raise model_refused(name, version, "card", f"{path / 'card.json'} does not exist{RESTORE}") from None
    except ValidationError as exc:
        raise model_refused(
            name, version, "card schema", f"{path / 'card.json'}: {_problems(exc, 5)}"
        ) from None
    if (card.name, card.version) != (name, version):
        raise model_refused(
            name, version, "card identity", f"{path / 'card.json'} describes {card.name} {card.version}"
        )
    return card


def check_manifest(path: Path, name: str, version: str, onnx_file: str) -> None:
    """Each file loading reads has the sha256 the version's MANIFEST.sha256 records (written by
    the training with the version). Loading checks it after the other checks, so their more precise
    finding wins; ``models list`` and ``show`` check it too (hashlib only), so a card edited by hand
    is not printed as the shipped one."""
    manifest = path / MANIFEST
    try:
        recorded = parse(manifest.read_bytes())
    except FileNotFoundError:
        raise model_refused(name, version, "manifest", f"{manifest} does not exist{RESTORE}") from None
    except ValueError as exc:
        raise model_refused(name, version, "manifest", f"{manifest} is malformed: {exc}") from None
    for file in COVERED:
        target = path / (onnx_file if file == "model.onnx" else file)
        try:
            digest = hashlib.sha256(target.read_bytes()).hexdigest()
        except FileNotFoundError:
            raise model_refused(name, version, "file", f"{target} does not exist{RESTORE}") from None
        if digest != recorded[file]:
            raise model_refused(
                name,
                version,
                "manifest",
                f"{target} has sha256 {digest}, but {manifest} records {recorded[file]}: the file was changed "
                "after the version was written; restore the shipped file (a correction is reviewed and "
                f"written with its {MANIFEST} line, see docs/models.md)",
            )


@lru_cache(maxsize=4)
def registered_titles(directory: Path) -> dict[tuple[str, str], str]:
    """The card title of every version ``directory``'s registry.json lists, by (name, version) -
    retired ones too, so an assessment stored by a version no longer loaded (ckd 1.0.0) still names
    its card. Read once per folder (the service loads its models once); a version whose card cannot
    be read, or a folder without a registry, gives nothing."""
    try:
        registry = read_registry(directory)
    except ClinicError:
        return {}
    titles = {}
    for name, entry in registry.models.items():
        for version in entry.versions:
            try:
                titles[name, version] = read_card(directory / name / version, name, version).title
            except ClinicError:
                continue
    return titles
