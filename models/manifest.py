"""``MANIFEST.sha256``: the sha256 of each file a version directory's loading reads, written with
the version by the training and checked when the version loads.

The format is ``sha256sum``'s (``<hex>  <file>`` per line), so an administrator can check a
copied version folder with ``sha256sum -c MANIFEST.sha256`` too. It covers ``card.json``,
``golden.jsonl`` and ``model.onnx`` (``CARD.md`` is checked against ``card.json`` by
``triage models verify``). It is a record, not a signature: it refuses a card edited by hand
(an intended use, a metric, a limitation) without the manifest line re-written with it, and makes
every card change a change of two files in review; whoever re-writes both is not stopped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

MANIFEST = "MANIFEST.sha256"
COVERED = ("card.json", "golden.jsonl", "model.onnx")


def render(files: Mapping[str, bytes]) -> bytes:
    """The manifest of ``files`` (name -> bytes): one ``sha256sum`` line per covered file."""
    return "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in COVERED).encode()


def parse(data: bytes) -> dict[str, str]:
    """``{file: sha256}`` of a manifest; ``ValueError`` naming the line for anything else, a file
    listed twice, or a covered file not listed."""
    entries: dict[str, str] = {}
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        name = name.removeprefix("*")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest) or not name:
            raise ValueError(f"line {number} is not '<sha256 in hex>  <file>': {line[:80]!r}")
        if name in entries:
            raise ValueError(f"line {number} lists {name} a second time")
        entries[name] = digest
    missing = [name for name in COVERED if name not in entries]
    if missing:
        raise ValueError(f"it does not list {', '.join(missing)}")
    return entries
