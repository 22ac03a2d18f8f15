"""Several processes serving one clinic: ``triage serve --workers N``.

One Python process runs one core at a time (the interpreter lock), so on a 2-core clinic box a
single process leaves half the machine idle under load. With ``--workers N`` the process started
by ``triage serve`` (the *primary*) binds the socket, starts N-1 *workers* and serves too:

- the primary accepts every connection and deals them round the processes in turn, passing each
  worker's share over a Unix socket (:mod:`triage.service.acceptor`); each process then serves its
  connections to the end (keep-alive included);
- only the primary runs the device gateway and its pipeline;
- the primary writes every process's walk-ins: workers hand them over on a writer line
  (:mod:`triage.service.writer`) and answer once the primary's commit returned. Other writes (rare:
  logins, referrals, overrides) each process makes itself, taking turns
  (:mod:`referral.writer_lock`); staff sessions live in the log, so any process can answer any
  request;
- live-update events, failed logins and metrics travel between them on socket pairs
  (:mod:`triage.service.peers`), relayed by the primary;
- the primary watches its workers: one that dies is started again (after 1, 2, 5, 10, then 30 s),
  and workers end when the primary ends.

A worker gets the primary's settings object on its standard input, as JSON: it never re-reads the
settings file or the environment, so every process runs with exactly the same settings.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from triage.service.acceptor import Acceptor, HandedConnections, hand_over
from triage.service.events import EventHub
from triage.service.peers import PeerLink, link_pair
from triage.service.shared_state import PeerState
from triage.service.writer import line_pair
from triage.settings import Settings

log = logging.getLogger("triage.service")
RESTART_PAUSES_S = (1.0, 2.0, 5.0, 10.0, 30.0)


@dataclass
class _Worker:
    index: int
    process: subprocess.Popen[bytes]
    channel: socket.socket  # connections handed to this worker go here
    restarts: int = 0


#: How long a worker's death by a signal waits to be recognised as the service's own stop.
SIGNAL_GRACE_S = 0.5


class WorkerPool:
    """The primary's side: start, watch, restart and stop the other worker processes."""

    def __init__(
        self,
        settings: Settings,
        listener: socket.socket,
        hub: EventHub,
        count: int,
        log_level: str,
        state: PeerState | None = None,
    ) -> None:
        self._settings = settings
        self._state = state or PeerState()
        self._listener = listener
        self._hub = hub
        self._count = count
        self._log_level = log_level
        self._workers: dict[int, _Worker] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._turn = 0
        self._serve_writes: Callable[[socket.socket, str], None] | None = None

    def acceptor(self) -> Acceptor:
        """The primary's acceptor, dealing connections round the processes."""
        return Acceptor(self._listener, self._deal if self._count > 1 else None)

    def _deal(self, connection: socket.socket) -> bool:
        """Called by the accept thread: True when the connection went to a worker."""
        self._turn = (self._turn + 1) % self._count
        if self._turn == 0:
            return False  # the primary's turn
        with self._lock:
            worker = self._workers.get(self._turn)
        # A worker that is down, still starting or not listening: the primary serves it.
        return (
            worker is not None
            and worker.process.poll() is None
            and self._state.worker_ready(worker.index)
            and hand_over(worker.channel, connection)
        )

    @property
    def count(self) -> int:
        """Processes serving HTTP, the primary included."""
        return self._count

    def start(self, serve_writes: Callable[[socket.socket, str], None] | None = None) -> None:
        """Start the workers (the service calls this once the primary is ready, so their start-up
        does not slow the primary's on a small box). ``serve_writes`` takes the primary's end of
        each worker's writer line; without it the workers write their walk-ins themselves."""
        if self._stopping.is_set():
            return
        self._serve_writes = serve_writes
        for index in range(1, self._count):
            if index not in self._workers:
                self._spawn(index, restarts=0)

    def _spawn(self, index: int, restarts: int) -> None:
        self._state.forget_worker(index)
        ours, theirs = link_pair()
        channel, worker_channel = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        channel.setblocking(False)
        writes, worker_writes = line_pair()
        payload = {
            "settings": self._settings.model_dump(mode="json"),
            "index": index,
            "log_level": self._log_level,
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "triage.service.workers",
                str(worker_channel.fileno()),
                str(theirs.fileno()),
                str(worker_writes.fileno()) if self._serve_writes else "-",
            ],
            pass_fds=(worker_channel.fileno(), theirs.fileno(), worker_writes.fileno()),
            stdin=subprocess.PIPE,
            # A session of its own (setsid, done by subprocess in C between fork and exec: safe with
            # the primary's threads, as preexec_fn is not): a terminal's Ctrl-C and hangup reach the
            # terminal's process group, the primary's, and never a worker, from its first instruction
            # - the primary stops its workers itself (stop); a worker whose primary is gone ends when
            # its link to it closes.
            start_new_session=True,
        )
        theirs.close()
        worker_channel.close()
        worker_writes.close()
        if self._serve_writes is not None:
            self._serve_writes(writes, f"worker {index}")
        else:
            writes.close()
        assert process.stdin is not None
        process.stdin.write(json.dumps(payload).encode())
        process.stdin.close()
        with self._lock:
            old = self._workers.get(index)
            if old is not None:
                old.channel.close()
            self._workers[index] = _Worker(index, process, channel, restarts)
        self._hub.join(PeerLink(ours, f"worker {index}"), relay=True)
        threading.Thread(
            target=self._watch, args=(index, process), name=f"watch-worker-{index}", daemon=True
        ).start()

    def stopping(self) -> None:
        """The service is stopping (its signal handler says so): a worker that ends now - a service
        manager's SIGTERM reaches every process of the group - is not a crash to restart."""
        self._stopping.set()

    def _watch(self, index: int, process: subprocess.Popen[bytes]) -> None:
        code = process.wait()
        # Ended by a signal: give the primary's own handler, if the signal was the group's, a moment.
        if self._stopping.wait(SIGNAL_GRACE_S if code < 0 else 0):
            return
        with self._lock:
            restarts = self._workers[index].restarts
        pause = RESTART_PAUSES_S[min(restarts, len(RESTART_PAUSES_S) - 1)]
        log.error(
            "worker %d (pid %d) ended with code %s; starting it again in %.0f s",
            index,
            process.pid,
            code,
            pause,
        )
        if self._stopping.wait(pause):
            return
        self._spawn(index, restarts + 1)

    def stop(self, timeout_s: float | None = None) -> None:
        """Ask every worker to finish (SIGTERM: graceful), then kill what is left - by default once
        a worker's own graceful shutdown (:func:`~triage.service.server.stop_grace_s`) and a margin
        are over (a fixed 5 s, now shorter than that grace, would kill a worker still waiting for one)."""
        if timeout_s is None:
            from triage.service.server import STOP_MARGIN_S, stop_grace_s

            timeout_s = float(stop_grace_s(self._settings.database.busy_timeout_ms) + STOP_MARGIN_S)
        self._stopping.set()
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()


def run_worker(channel_fd: int, link_fd: int, writes_fd: int | None) -> None:
    """A worker process: the primary's settings from stdin, then serve until told to stop."""
    from triage.service import create_app
    from triage.service.server import SWITCH_INTERVAL_S, ClinicServer
    from triage.service.writer import WriterLink

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the primary's (ClinicServer.stopped_by_primary)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # so is a closed terminal's hangup: the primary stops it
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    payload = json.loads(sys.stdin.buffer.read())
    settings = Settings.model_validate(payload["settings"])
    # The device gateway runs in the primary only: one process owns each serial port and socket.
    service = settings.service.model_copy(update={"run_gateway": False})
    settings = settings.model_copy(update={"service": service})
    app = create_app(settings, worker=int(payload["index"]))
    app.state.runtime.extras["freeze_gc"] = True
    if writes_fd is not None:
        app.state.runtime.extras["writer_link"] = WriterLink(socket.socket(fileno=writes_fd))
    connections = HandedConnections(socket.socket(fileno=channel_fd))
    server = ClinicServer(
        app,
        service.host,
        service.port,
        str(payload["log_level"]),
        connections=connections,
        stopped_by_primary=True,
    )
    link = PeerLink(socket.socket(fileno=link_fd), "primary")
    app.state.runtime.hub.join(link, relay=False, on_closed=lambda _: server.stop())
    server.run()


if __name__ == "__main__":
    run_worker(int(sys.argv[1]), int(sys.argv[2]), None if sys.argv[3] == "-" else int(sys.argv[3]))
