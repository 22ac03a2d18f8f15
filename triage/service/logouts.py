"""Logouts the referral log was too busy to write, known to every process of the service.

A logout while another writer holds the log past ``SIGN_IN_WAIT_MS`` (a backup, a migration) is
not waited for: the session is refused from then on, and its row's removal and its ``user.logout``
entry are written once the log is free (``SessionStore.log_out``). Only the process that took the
logout knew of it: with ``serve --workers 2`` the other process took the logged-out cookie until
the log was free. Now the logout is also appended to a small file beside the log,
``<log>.logouts`` (one JSON line per logout: the SHA-256 of the cookie - never the cookie -, the
user name and the entry's data), synced before the logout is answered; every process reads it at
each request while it holds any line, refuses those sessions, and writes them once the log is free
(a restart before that reads them too). Appends and rewrites hold an ``flock`` on the file, and
reads a shared one, so none sees half of another's change. An in-memory log, or a file this
process may not write (said once), keeps them in this process only, as before.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
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
        line = json.dumps({"session": key, "username": username, "data": data}, separators=(",", ":"))
        self._change(lambda lines: [*lines, line])

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
            with open(self.path, encoding="utf-8") as file:
                fcntl.flock(file.fileno(), fcntl.LOCK_SH)
                text = file.read()
        except FileNotFoundError:
            return found
        except OSError as exc:
            self._unusable(exc)
            return found
        for line in text.splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                said = json.loads(line)
                found.setdefault(str(said["session"]), (str(said["username"]), dict(said["data"])))
        return found

    def written(self, keys: Iterable[str]) -> None:
        """These logouts are in the log now (or their sessions ended otherwise): no longer waiting."""
        done = set(keys)
        with self._lock:
            for key in done:
                self._own.pop(key, None)

        def kept(lines: list[str]) -> list[str]:
            left = []
            for line in lines:
                try:
                    key = str(json.loads(line)["session"])
                except (ValueError, KeyError, TypeError):
                    continue  # (a line cut short by a crash: nothing to refuse)
                if key not in done:
                    left.append(line)
            return left

        self._change(kept)

    def _change(self, change: Callable[[list[str]], list[str]]) -> None:
        """The file's lines rewritten in place by ``change`` under an exclusive ``flock``, synced
        (never renamed: a process waiting for the lock on the old file would write to a file no
        one reads)."""
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
            with os.fdopen(os.dup(fd), "r+", encoding="utf-8") as file:
                before = file.read().splitlines()
                after = change(before)
                if after == before:
                    return
                file.seek(0)
                file.truncate()
                file.write("".join(f"{line}\n" for line in after))
                file.flush()
                os.fsync(file.fileno())
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
