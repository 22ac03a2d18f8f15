"""A process killed while it updates ``<log>.logouts`` (the logouts the referral log was too busy to
write, triage/service/logouts.py) must not take the other logouts waiting there with it.

The file was rewritten in place - emptied, then its remaining lines written back - each time one
logout was written to the log (and each time one was added): a process killed, or a power cut,
between the two left it empty, and every other logout still waiting was forgotten; its session,
still in the log, was taken again (a copied cookie, a tab left open) until its idle limit.

The service's session stores on a real SQLite file with a real second connection holding the lock
(``busy_timeout`` 100 ms: a logout waits that long at most); the process that writes the waiting
logouts once the log is free is a real child process, killed (SIGKILL) by strace's fault injection
at its first write to the ``.logouts`` file; then a session store started afresh, as a restarted
service's is."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from referral import sessions
from tests.fault_injection import killed_at
from tests.service.test_logout_across_processes import sessions_and_logouts
from tests.service.test_sign_in_while_locked import NURSE, log_held
from triage.service.accounts import Accounts
from triage.service.auth import Role, SessionStore
from triage.service.database import Databases

#: The child: a session store on the log that, at its first request, writes the logouts waiting.
CHILD = """
import sys
from triage.service.auth import SessionStore
from triage.service.database import Databases

store = SessionStore(Databases(sys.argv[1], 100), max_age_s=3600, idle_s=600)
store.get(sys.argv[2])
"""


def _signed_in(databases: Databases) -> str:
    """A new session of the nurse (as a sign-in stores it); its cookie value."""
    sid, digest, csrf = SessionStore.new_key()
    sessions.create(databases.get(), digest, "hushi", "en", csrf, time.time())
    return sid


def test_a_process_killed_while_writing_one_logout_keeps_the_others_waiting(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    databases = Databases(path, 100)
    databases.migrate()
    Accounts(databases).create("hushi", NURSE["password"], Role.nurse, "en", actor="test-setup")
    store = SessionStore(databases, max_age_s=3600, idle_s=600)
    first, second = _signed_in(databases), _signed_in(databases)
    with log_held(path):
        assert store.log_out(first, "hushi", "127.0.0.1") is False, "not written: the log is held"
        assert store.log_out(second, "hushi", "127.0.0.2") is False
    databases.close_all()

    # the log is free: the child writes the first logout to it, then dies updating the file
    killed_at([sys.executable, "-c", CHILD, str(path), first], "write", f"{path}.logouts")

    restarted = Databases(path, 100)
    again = SessionStore(restarted, max_age_s=3600, idle_s=600)
    assert again.get(second) is None and not again.alive(second), (
        "the second logout, still waiting when the other process died, is refused after a restart"
    )
    assert again.get(first) is None
    restarted.close_all()
    assert sessions_and_logouts(path) == (0, 2), "each logout written once"
    assert Path(f"{path}.logouts").read_text(encoding="utf-8") == "", "nothing waits any more"


def test_a_line_cut_short_by_a_crash_does_not_swallow_the_next_logout(tmp_path: Path) -> None:
    """A process killed in the middle of appending a logout leaves a line without its end; the
    next logout appended must be a line of its own, not the rest of that one."""
    path = tmp_path / "clinic.db"
    databases = Databases(path, 100)
    databases.migrate()
    Accounts(databases).create("hushi", NURSE["password"], Role.nurse, "en", actor="test-setup")
    store = SessionStore(databases, max_age_s=3600, idle_s=600)
    sid = _signed_in(databases)
    Path(f"{path}.logouts").write_text('{"session":"0f0f', encoding="utf-8")  # a logout cut short
    with log_held(path):
        assert store.log_out(sid, "hushi", "127.0.0.1") is False
        other = Databases(path, 100)
        assert not SessionStore(other, max_age_s=3600, idle_s=600).alive(sid), "another process refuses it"
    other.close_all()
    databases.close_all()
