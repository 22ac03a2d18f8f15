"""One writer for several processes: workers hand their walk-ins to the primary to store.

With ``triage serve --workers N`` every process serves HTTP, but the walk-ins (the service's
write-heavy request, :mod:`triage.service.walk_ins`) are all written by the primary's group
committer. Each worker holds a *writer line* to the primary - a ``SOCK_SEQPACKET`` socket pair
of its own, apart from the event line (:mod:`triage.service.peers`), because nothing may be
dropped here: a worker sends a request and waits for the answer, which comes only after the
primary's commit, so "acknowledged means durable" holds for every process.

A message is one packet: a JSON header line, a newline, then raw bytes (the assessment's JSON
text, passed on as it is). Requests carry an ``id``; the answer carries the same ``id`` and
either the stored row or the error the primary raised (:class:`ForwardedError` re-raises it in
the worker with the same HTTP status, code, message key and params).

When the line is not there (one process, or a walk-in too big for one packet) the process
writes itself, taking turns with the others (:mod:`referral.writer_lock`). When the primary goes
away with requests in flight, those requests fail with 503 and say that the walk-in may have
been stored: resending with the same ``idempotency_key`` is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Mapping
from typing import Any

from triage.errors import ClinicError
from triage.service.api.deps import committer
from triage.service.clinic import Clinic
from triage.service.peers import drain, hang_up
from triage.service.runtime import Runtime
from triage.service.walk_ins import WalkIn, decode_row, encode_row

log = logging.getLogger("triage.service.writer")
BUFFER = 4 << 20  # socket buffer asked for; the kernel may grant less (net.core.wmem_max)


class ForwardedError(ClinicError):
    """An error the primary raised while storing a worker's walk-in, re-raised in the worker with
    its HTTP status, code, message key (``says``) and ``params``."""

    def __init__(
        self,
        message: str,
        status_hint: int,
        code: str,
        *,
        says: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, says=says, params=params)
        self.status_hint = status_hint
        self.code = code

    @classmethod
    def from_reply(cls, error: dict[str, Any]) -> ForwardedError:
        """The error of a writer-line answer (:func:`error_reply`)."""
        says, params = error.get("says"), error.get("params")
        return cls(
            str(error.get("message")),
            int(error.get("status", 500)),
            str(error.get("code")),
            says=says if isinstance(says, str) else None,
            params=params if isinstance(params, dict) else None,
        )


def error_reply(exc: ClinicError) -> dict[str, Any]:
    """A :class:`ClinicError` as the writer line carries it: message, status, code, ``says`` and
    ``params``, so the worker's page can still say it in the user's language."""
    return {
        "message": str(exc),
        "status": exc.status_hint,
        "code": exc.code,
        "says": exc.says,
        "params": exc.params,
    }


class WriterGoneError(ClinicError):
    """The primary ended before it answered: the walk-in may or may not be stored."""

    status_hint, exit_code, code = 503, 1, "writer_unavailable"


def line_pair() -> tuple[socket.socket, socket.socket]:
    """A connected writer line: keep one end, hand the other to the worker process."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    for end in (ours, theirs):
        end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
        end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
    return ours, theirs


def _frame(header: dict[str, Any], blob: bytes) -> bytes:
    return json.dumps(header, separators=(",", ":"), default=str).encode() + b"\n" + blob


def _unframe(data: bytes) -> tuple[dict[str, Any], bytes]:
    head, _, blob = data.partition(b"\n")
    header = json.loads(head)
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    return header, blob


def _largest_packet(sock: socket.socket) -> int:
    # A SEQPACKET message must fit the sender's buffer (less the kernel's own bookkeeping).
    return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)) // 2


class WriterLink:
    """A worker's end of the writer line. Use it on the worker's event loop."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.closed = False
        self.largest = _largest_packet(sock)
        self._pending: dict[int, asyncio.Future[tuple[dict[str, Any], bytes]]] = {}
        self._next = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    async def store(self, walk_in: WalkIn) -> dict[str, Any] | None:
        """The stored row, written by the primary; ``None`` when this process must write it itself
        (line closed, or the walk-in does not fit one packet)."""
        if self.closed:
            return None
        header, blob = walk_in.encode()
        self._next += 1
        ident = self._next
        data = _frame({"id": ident, **header}, blob)
        if len(data) > self.largest:
            return None
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            loop.add_reader(self.sock.fileno(), self._readable)
        future: asyncio.Future[tuple[dict[str, Any], bytes]] = loop.create_future()
        self._pending[ident] = future
        try:
            await loop.sock_sendall(self.sock, data)
        except OSError:
            self._pending.pop(ident, None)
            self.close()
            return None  # not sent: nothing was stored by the primary; write it here
        reply, payload = await future
        error = reply.get("error")
        if isinstance(error, dict):
            raise ForwardedError.from_reply(error)
        return decode_row(reply, payload)

    def _readable(self) -> None:
        packets, ended = drain(self.sock, self.largest * 2 + 65536)
        for data in packets:
            try:
                reply, payload = _unframe(data)
                future = self._pending.pop(int(reply["id"]))
            except (ValueError, KeyError, TypeError):
                log.error("ignored a malformed answer on the writer line (%d bytes)", len(data))
                continue
            if not future.done():
                future.set_result((reply, payload))
        if ended:
            self.close()

    def close(self) -> None:
        """Fail what is in flight (the primary is gone) and stop using the line."""
        if self.closed:
            return
        self.closed = True
        hang_up(self.sock, self._loop)
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(
                    WriterGoneError(
                        "the process that writes the referral log ended before confirming this "
                        "walk-in; it may or may not be stored - send it again with the same "
                        "idempotency_key to be sure"
                    )
                )


class WriterService:
    """The primary's end of every writer line: store each worker's walk-ins in its group commit.

    Make it on the primary's event loop once the clinic is loaded; :meth:`attach` may be called
    from any thread (the worker pool starts and restarts workers on threads of its own).
    """

    def __init__(self, runtime: Runtime, clinic: Clinic) -> None:
        self._runtime = runtime
        self._clinic = clinic
        self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task[None]] = set()

    def attach(self, sock: socket.socket, name: str) -> None:
        sock.setblocking(False)
        self._loop.call_soon_threadsafe(self._listen, sock, name)

    def _listen(self, sock: socket.socket, name: str) -> None:
        largest = _largest_packet(sock) * 2 + 65536

        def readable() -> None:
            packets, ended = drain(sock, largest)
            for data in packets:
                task = self._loop.create_task(self._answer(sock, name, data))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if ended:  # the worker ended; its restart brings a new line
                hang_up(sock, self._loop)

        self._loop.add_reader(sock.fileno(), readable)

    async def _answer(self, sock: socket.socket, name: str, data: bytes) -> None:
        ident: Any = None
        try:
            header, blob = _unframe(data)
            ident = header.pop("id")
            walk_in = WalkIn.decode(header, blob)
            row = await committer(self._runtime).run(walk_in.unit(self._clinic))
            reply, payload = encode_row(row)
            self._runtime.metrics.walk_ins_for_workers.inc()
        except ClinicError as exc:
            reply, payload = {"error": error_reply(exc)}, b""
        except ValueError as exc:
            log.error("ignored a malformed request from %s on the writer line: %s", name, exc)
            if ident is None:
                return
            reply, payload = (
                {"error": {"message": f"malformed request: {exc}", "status": 500, "code": "internal_error"}},
                b"",
            )
        except Exception:
            log.exception("storing a walk-in for %s failed", name)
            reply, payload = (
                {
                    "error": {
                        "message": "storing the walk-in failed (see the service log)",
                        "status": 500,
                        "code": "internal_error",
                    }
                },
                b"",
            )
        # When the worker is gone, its client resends (with its idempotency key).
        with contextlib.suppress(OSError):
            await self._loop.sock_sendall(sock, _frame({"id": ident, **reply}, payload))


async def store_walk_in(rt: Runtime, clinic: Clinic, walk_in: WalkIn) -> dict[str, Any]:
    """Store a walk-in: through the primary when this is a worker with a writer line, else here.

    A service asked to stop (SIGTERM) waits a few seconds for the requests still running, then
    cancels them: a walk-in still waiting for its turn at the log (another writer held it) then
    answers 503 ``writer_unavailable`` - it may yet be stored, by the shutdown's last commit - not
    uvicorn's bare 500 with a traceback in the log, which told the client nothing was stored."""
    try:
        link = rt.extras.get("writer_link")
        if isinstance(link, WriterLink):
            row = await link.store(walk_in)
            if row is not None:
                return row
        # One durable commit shared with concurrent requests (triage/service/commit.py).
        return await committer(rt).run(walk_in.unit(clinic))
    except asyncio.CancelledError:
        if not rt.stopping:
            raise
        raise WriterGoneError(
            "the service is stopping and stopped waiting for the referral log before this walk-in"
            " was confirmed; it may or may not be stored - send it again with the same"
            " idempotency_key once the service is back"
        ) from None
