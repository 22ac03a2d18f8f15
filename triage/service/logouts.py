"""Logouts the referral log was too busy to write, known to every process of the service.

A logout while another writer holds the log past ``SIGN_IN_WAIT_MS`` (a backup, a migration) is
not waited for: the session is refused from then on, and its row's removal and its ``user.logout``
entry are written once the log is free (``SessionStore.log_out``). Only the process that took the
logout knew of it: with ``serve --workers 2`` the other process took the logged-out cookie until
the log was free. Now the logout is also appended to a small file beside the log,
``<log>.logouts`` (one JSON line per logout: the SHA-256 of the cookie - never the cookie -, the
user name and the entry's data), synced before the logout is answered; every process reads it at
each request while it holds any line, refuses those sessions, and writes them once the log is free
(a restart before that reads them too). A logout written to the log is a line too (``written``:
the digests), appended after it: the file is only ever appended to, and emptied once no logout in
it waits - it was rewritten in place, emptied and its remaining lines written back, so a process
killed (or a power cut) between the two forgot every other logout still waiting, and their
sessions were taken again. A line a crash cut short is skipped, and the next one starts on a line
of its own. Appends hold an ``flock`` on the file, and reads a shared one, so none sees half of
another's change. An in-memory log, or a file this process may not write (said once), keeps them
in this process only, as before.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
from collections.abc import Collection, Iterable
from pathlib import Path

log = logging.getLogger("triage.service")

#: A logout waiting: the user name and the audit entry's data (``client``, ``logged_out_at``).
Waiting = tuple[str, dict[str, str]]


class PendingLogouts:
    def __init__(self, database: Path | str) -> None:
        name = str(database)
        self._database = Path(name)
        self.path: Path | None = None if name in ("", ":memory:") else Path(name + ".logouts")
        self._own: dict[str, Waiting] = {}  # this process's (all of them when the file cannot be used)
        self._lock = threading.Lock()

    def add(self, key: str, username: str, data: dict[str, str]) -> None:
        """A logout not written yet: the session whose cookie's SHA-256 is ``key`` is refused by
        every process from now on."""
        with self._lock:
            self._own[key] = (username, data)
        self._append({"session": key, "username": username, "data": data})

    def waiting(self) -> dict[str, Waiting]:
        """Every logout not written yet, this process's and the others': one ``stat`` while there
        are none."""
        with self._lock:
            found = dict(self._own)
        if self.path is None:
            return found
        try:
            if self.path.stat().st_size == 0:
                return found
            with open(self.path, encoding="utf-8", errors="replace") as file:
                fcntl.flock(file.fileno(), fcntl.LOCK_SH)
                text = file.read()
        except FileNotFoundError:
            return found
        except OSError as exc:
            self._unusable(exc)
            return found
        for key, said in _waiting_in(text).items():
            found.setdefault(key, said)
        return found

    def written(self, keys: Iterable[str]) -> None:
        """These logouts are in the log now (or their sessions ended otherwise): no longer waiting."""
        done = set(keys)
        with self._lock:
            for key in done:
                self._own.pop(key, None)
        self._append({"written": sorted(done)}, settles=done)

    def _append(self, record: dict[str, object], settles: Collection[str] = ()) -> None:
        """``record`` appended to the file as one line under an exclusive ``flock``, synced; the file
        emptied once no logout in it waits. Never rewritten in place (a crash between emptying it
        and writing its lines back lost the logouts waiting) nor renamed (a process waiting for the
        lock on the old file would write to a file no one reads). A record that ``settles`` logouts
        (``written``) is not written at all when none of them waits in the file."""
        if self.path is None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            self._unusable(exc)
            return
        try:
            if os.geteuid() == 0:
                with contextlib.suppress(OSError):  # the log's owner, as SQLite does with its -wal
                    owner = self._database.stat()
                    os.fchown(fd, owner.st_uid, owner.st_gid)
            fcntl.flock(fd, fcntl.LOCK_EX)
            with os.fdopen(os.dup(fd), "r+b") as file:
                before = file.read()  # (and the position at its end)
                waiting = _waiting_in(before.decode("utf-8", errors="replace"))
                if settles and not waiting.keys() & set(settles):
                    return
                # a line a crash cut short stays alone on its line: the next record is not its end
                line = (
                    ("" if before.endswith(b"\n") or not before else "\n")
                    + json.dumps(record, separators=(",", ":"))
                    + "\n"
                )
                file.write(line.encode("utf-8"))
                file.flush()
                os.fsync(file.fileno())
                if not _waiting_in((before + line.encode("utf-8")).decode("utf-8", errors="replace")):
                    file.truncate(0)  # nothing waits: a crash here loses nothing
        except OSError as exc:
            self._unusable(exc)
        finally:
            os.close(fd)

    def _unusable(self, exc: OSError) -> None:
        """Said once: from now on this process's logouts are its own alone, as before the file."""
        if self.path is not None:
            log.warning(
                "cannot use %s (%s): a logout the referral log is too busy to write is refused by this"
                " process only until it is written - give the file to the service's user",
                self.path,
                exc.strerror or exc,
            )
        self.path = None


def _waiting_in(text: str) -> dict[str, Waiting]:
    """The logouts the file's lines leave waiting, in their order: each added by its line and no
    longer waiting after a ``written`` line naming it; a line a crash cut short says nothing."""
    found: dict[str, Waiting] = {}
    for line in text.splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
            said = json.loads(line)
            if "written" in said:
                for key in said["written"]:
                    found.pop(str(key), None)
            else:
                found[str(said["session"])] = (str(said["username"]), dict(said["data"]))
    return found
