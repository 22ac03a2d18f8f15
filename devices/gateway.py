"""The device gateway: many devices at once, every result stored exactly once before it is ACKed.

Use::

    gateway = Gateway(endpoints, db_path, on_results=callback)   # clock=FakeClock() in tests
    await gateway.run()          # until gateway.stop() or cancellation
    gateway.status()             # -> list[DeviceStatus]

Guarantees (see docs/device-gateway.md):

* A message's raw bytes, parsed form and results are committed (WAL, ``synchronous=FULL``)
  before the device gets the final ACK (``devices.session``).
* Results are unique on (device, sample id, test, result time): resends and replays are
  acknowledged and counted as duplicates, never stored twice (``referral.inbox``).
* ``on_results`` receives newly stored results AFTER the commit and the ACK; a result is marked
  delivered only when the callback returns. A batch the callback fails on is queued again after a
  back-off while later batches go ahead; undelivered results are also handed over again when the gateway starts, so the
  callback must be idempotent on ``GatewayResult.result_id``.
* QC and non-final results are stored and delivered too, with ``auto_feed`` False and the reason
  in ``hold_reason`` (the rule: ``devices.hold``): the subscriber must never feed them to a decision
  automatically.
* Ordinary logs name devices, ports, peers and counts - never sample or patient identifiers.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import secrets
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from devices import gateway_events
from devices.endpoint import Decoded, DeviceEndpoint
from devices.gateway_checks import check_endpoints
from devices.gateway_runs import StrayRun
from devices.gateway_status import DeviceStatus as DeviceStatus  # re-exported: callers import it from here
from devices.gateway_status import MessageStored
from devices.hold import GatewayResult, classify, holds  # re-exported: callers import them from here
from devices.quarantine_notice import lost_parts_hint, lost_parts_sentence, quarantine_sentence
from devices.results import no_result_sentence
from devices.session import (
    Clock,
    Ignored,
    Junk,
    MonotonicClock,
    SessionCounters,
    SessionInfo,
    run_session,
)
from devices.tolerance import wire_note
from devices.transports.ble import open_ble
from devices.transports.link import (
    BleSpec,
    Link,
    LinkClosed,
    LinkError,
    SerialSpec,
    TcpConnectSpec,
    TcpListenSpec,
)
from devices.transports.serial_port import open_serial
from devices.transports.tcp import TcpListener, connect_tcp
from devices.wire_log import WireLog, prepare_folder
from referral.errors import ConfigError, json_text
from referral.inbox import (
    NewDeviceMessage,
    StoredDeviceResult,
    extend_quarantine,
    mark_delivered,
    record_message,
    record_quarantine,
    stored_from_row,
    undelivered_results,
)
from referral.plurals import counted
from referral.schema import connect
from referral.storage import storage_error

if TYPE_CHECKING:
    from referral.backup import UpgradeBackups

log = logging.getLogger("devices.gateway")


#: The most bytes of a run of stray bytes one quarantine row holds: each read rewrites its row, so
#: a device at the wrong baud rate for hours goes on in a new row (counted, not logged again).
STRAY_ROW_MAX = 64 * 1024


ResultsCallback = Callable[[list[GatewayResult]], Awaitable[None] | None]


class Gateway:
    """Runs every configured device endpoint concurrently against one clinic database."""

    def __init__(
        self,
        endpoints: Sequence[DeviceEndpoint],
        db_path: Path | str,
        *,
        on_results: ResultsCallback | None = None,
        clock: Clock | None = None,
        busy_timeout_ms: int = 5000,
        wire_log_dir: Path | None = None,
        delivery_retry_s: float = 1.0,
        upgrade_backups: UpgradeBackups | None = None,
        on_stored: Callable[[MessageStored], None] | None = None,
        start_said: bool = False,
    ) -> None:
        check_endpoints(endpoints)
        for folder in dict.fromkeys(f for f in (wire_log_dir, *(e.wire_log_dir for e in endpoints)) if f):
            prepare_folder(folder)
        self._endpoints = list(endpoints)
        self._db_path = Path(db_path)
        self._busy_timeout_ms = busy_timeout_ms
        self._on_results = on_results
        self._on_stored = on_stored  # each stored message, before its results are handed over
        # the caller says a port's first open failure and its opening after it (listen's "not
        # listening yet" and "listening" lines): the log says them at INFO, not a second time
        self._start_said = start_said
        self._clock: Clock = clock or MonotonicClock()
        self._wire_log_dir = wire_log_dir
        self._delivery_retry_s = delivery_retry_s
        self._status = {
            e.device_id: DeviceStatus(e.device_id, e.protocol, e.transport_label) for e in self._endpoints
        }
        self._listeners: dict[str, TcpListener] = {}
        self._delivery: asyncio.Queue[tuple[list[StoredDeviceResult], int]] = asyncio.Queue()
        self._stopping = asyncio.Event()
        self._ready = asyncio.Event()
        self._all_tried = asyncio.Event()
        # serial, TCP-connect and BLE devices: the first open attempt made (and how it failed),
        # and a link opened at least once
        self._tried = {e.device_id: asyncio.Event() for e in self._endpoints}
        self._open_error: dict[str, str] = {}
        self._opened = {e.device_id: asyncio.Event() for e in self._endpoints}
        self._session_seq = 0
        # this run's own part of every session id: the sequence starts at 1 again after a restart,
        # so without it a gateway restarted within the same second would reuse a session id and
        # append to the earlier session's wire log (and mix the two in device_messages.session_id)
        self._run_id = secrets.token_hex(4)
        try:
            # an older log is upgraded here when no service runs: its backup goes where the settings say
            self._db = connect(self._db_path, busy_timeout_ms=busy_timeout_ms, backups=upgrade_backups)
        except (OSError, sqlite3.Error) as exc:
            # a folder given for the file, a damaged or read-only log: said as the referral commands say it
            said = storage_error(exc, self._db_path) if isinstance(exc, sqlite3.Error) else None
            if said is not None:
                raise said from None
            raise ConfigError(f"cannot open the clinic database {self._db_path}: {exc}") from None

    # ----------------------------------------------------------------- public API
    def status(self) -> list[DeviceStatus]:
        return [self._status[e.device_id] for e in self._endpoints]

    def listen_address(self, device_id: str) -> tuple[str, int]:
        """The bound address of a TCP-listening device (after ``wait_ready``)."""
        return self._listeners[device_id].address

    async def wait_ready(self) -> None:
        """Wait until every TCP listener is bound (serial ports, TCP connections and BLE devices
        are being opened: :meth:`wait_opened_once`)."""
        await self._ready.wait()

    async def wait_opened_once(self) -> None:
        """Wait until every device had its first open attempt (a TCP listener: bound), which may
        take a TCP connect timeout or a BLE scan; :meth:`open_error` then says how it went."""
        await self._all_tried.wait()

    def open_error(self, device_id: str) -> str | None:
        """Why the device's first open attempt failed (it is tried again, with back-off), or None
        when it opened (and for a TCP listener, which is bound or raised at :meth:`run`)."""
        return self._open_error.get(device_id)

    def no_result_of(self, message_id: int) -> dict[str, int] | None:
        """A stored message's OBX lines that carried no result, by status, from its row's summary
        (``device_messages.parsed``); None for one stored before the summary held them."""
        rows = self._db.execute_returning_dicts(
            "SELECT parsed FROM device_messages WHERE id = ?", [message_id]
        )
        parsed = json.loads(rows[0]["parsed"]) if rows and rows[0]["parsed"] else {}
        return parsed.get("no_result")

    async def wait_open(self, device_id: str) -> None:
        """Wait until the device's link has been opened (at once for a TCP listener)."""
        await self._opened[device_id].wait()

    async def serve_link(self, device_id: str, link: Link) -> None:
        """Run one session for ``device_id`` over an already open link (in-process simulations,
        links opened by the caller). Returns when the link closes."""
        endpoint = next((e for e in self._endpoints if e.device_id == device_id), None)
        if endpoint is None:
            raise LinkError(
                f"unknown device id {json_text(device_id)}; configured: {json_text([e.device_id for e in self._endpoints])}"
            )
        await self._serve_link(endpoint, link)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Run until ``stop()``; a configuration error (bad port, address in use) is raised at once."""
        pending = undelivered_results(self._db, limit=100_000)
        if pending:
            log.info("handing %d stored but undelivered results to the subscriber", len(pending))
            self._delivery.put_nowait((pending, 0))
        tasks = [asyncio.create_task(self._deliver_forever(), name="delivery")]
        try:
            for endpoint in self._endpoints:
                if isinstance(endpoint.transport, TcpListenSpec):
                    await self._start_listener(endpoint)
                    self._tried[endpoint.device_id].set()
                    self._opened[endpoint.device_id].set()
                else:
                    tasks.append(
                        asyncio.create_task(self._run_reconnecting(endpoint), name=endpoint.device_id)
                    )
            self._ready.set()
            # each device task sets its event after its first open attempt, or when it ends
            await asyncio.gather(*(self._tried[e.device_id].wait() for e in self._endpoints))
            self._all_tried.set()
            await self._stopping.wait()
        finally:
            for listener in self._listeners.values():
                await listener.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._db.close()

    # ------------------------------------------------------------ device runners
    def _new_session(self, endpoint: DeviceEndpoint, label: str) -> tuple[SessionInfo, WireLog | None]:
        self._session_seq += 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        session_id = f"{stamp}-{self._run_id}-{self._session_seq:04d}"
        info = SessionInfo(endpoint.device_id, session_id, endpoint.protocol, label)
        folder = endpoint.wire_log_dir or self._wire_log_dir
        wire = WireLog(folder, endpoint.device_id, info.session_id) if folder is not None else None
        if wire is not None:
            wire.note(f"session open on {label}")
        return info, wire

    async def _serve_link(self, endpoint: DeviceEndpoint, link: Link) -> None:
        status = self._status[endpoint.device_id]
        info, wire = self._new_session(endpoint, link.label)
        status.link_up = True
        status.sessions += 1
        log.info("device %s: session %s open on %s", endpoint.device_id, info.session_id, link.label)
        counters = SessionCounters()
        noise: list[Ignored] = []  # bytes ignored in this session; the first are logged
        run = StrayRun()  # stray bytes quarantined since the last message: one row, one warning

        def ignored(event: Ignored) -> None:
            gateway_events.ignored(status, event, first=not noise)
            noise.append(event)

        try:
            await run_session(
                link,
                endpoint.new_driver(self._db),
                info,
                clock=self._clock,
                on_message=lambda got, inf: self._store(endpoint, got.raw, inf, wire, got.pieces, run),
                on_discard=lambda reason: gateway_events.discarded(status, reason),
                on_tolerated=lambda switch: status.tolerance_counts.update([switch]),
                on_junk=lambda junk, inf: self._store_junk(endpoint, junk, inf, run),
                wire_log=wire,
                counters=counters,
                on_refused=lambda what: gateway_events.refused_by_device(status, what),
                on_unchanged=lambda: setattr(status, "unchanged", status.unchanged + 1),
                on_unhandled=lambda what: gateway_events.unhandled(status, what),
                on_rejected=lambda event: gateway_events.rejected(status, event),
                on_ignored=ignored,
            )
        except LinkClosed as exc:
            status.last_error = str(exc)
            log.info("device %s: session %s closed (%s)", endpoint.device_id, info.session_id, exc)
        except Exception as exc:
            # Typically the database refused the commit (disk full, lock timeout). The final ACK was
            # not sent, so the device still owns the message: drop the link and let it resend.
            status.last_error = f"session failed: {type(exc).__name__}: {exc}"
            log.error(
                "device %s: session %s failed, link closed without acknowledging: %s: %s",
                endpoint.device_id,
                info.session_id,
                type(exc).__name__,
                exc,
            )
        finally:
            status.link_up = False
            if wire is not None:
                unchanged = (
                    f"; {counters.unchanged} readings without a significant change not stored"
                    if counters.unchanged
                    else ""
                )
                wire.note(
                    f"session closed; {counters.bytes_in} bytes in, {counters.bytes_out} out{unchanged}"
                )
                wire.close()

    async def _start_listener(self, endpoint: DeviceEndpoint) -> None:
        assert isinstance(endpoint.transport, TcpListenSpec)
        status = self._status[endpoint.device_id]

        def refused(peer: str) -> None:
            status.refused_peers += 1
            status.last_error = f"refused connection from {peer}"

        listener = TcpListener(
            endpoint.transport,
            lambda link: self._serve_link(endpoint, link),
            name=endpoint.device_id,
            on_refused=refused,
        )
        await listener.start()
        self._listeners[endpoint.device_id] = listener

    async def _run_reconnecting(self, endpoint: DeviceEndpoint) -> None:
        """Serial ports and TCP clients: open, serve, and after any loss reopen with back-off.

        The pause before the next attempt starts at ``reopen_initial_s`` and doubles up to
        ``reopen_max_s`` while the device is absent (the open fails) or idle (a session ends
        without a complete message: a POCT1-A2 dock that closes after every conversation, with
        nothing new); a session that brought a message sets it back to ``reopen_initial_s``."""
        try:
            await self._reconnect_forever(endpoint)
        finally:
            self._tried[endpoint.device_id].set()  # never leave run() waiting for a dead task

    async def _reconnect_forever(self, endpoint: DeviceEndpoint) -> None:
        status = self._status[endpoint.device_id]
        delay = endpoint.reopen_initial_s
        tried = self._tried[endpoint.device_id]
        failed: list[str] = []  # why each open failed since the link was last open
        while not self._stopping.is_set():
            status.reopen_attempts += 1
            try:
                link = await self._open(endpoint)
            except (LinkError, LinkClosed) as exc:
                status.last_error = str(exc)
                first = not tried.is_set()
                if first:
                    self._open_error[endpoint.device_id] = str(exc)
                tried.set()
                # said when it changes, not every 30 s all night (a port unplugged): INFO again
                said = failed[-1] == str(exc) if failed else first and self._start_said
                level = logging.INFO if said else logging.WARNING
                failed.append(str(exc))
                log.log(level, "device %s: %s; retrying in %.1f s", endpoint.device_id, exc, delay)
            else:
                if failed:  # after the warning, say that it is over
                    said = self._start_said and not self._opened[endpoint.device_id].is_set()
                    level = logging.INFO if said else logging.WARNING
                    log.log(level, "device %s: open after %d failed tries", endpoint.device_id, len(failed))
                    failed.clear()
                tried.set()
                self._opened[endpoint.device_id].set()
                before = status.messages
                try:
                    await self._serve_link(endpoint, link)
                finally:
                    await link.close()
                if status.messages > before:  # a complete message came: not idle
                    delay = endpoint.reopen_initial_s
                else:
                    log.info(
                        "device %s: session ended with no message; next in %.1f s", endpoint.device_id, delay
                    )
            await asyncio.sleep(delay)
            delay = min(delay * 2, endpoint.reopen_max_s)

    async def _open(self, endpoint: DeviceEndpoint) -> Link:
        transport = endpoint.transport
        if isinstance(transport, SerialSpec):
            return open_serial(transport)
        if isinstance(transport, TcpConnectSpec):
            return await connect_tcp(transport)
        if isinstance(transport, BleSpec):
            return await open_ble(transport)
        raise LinkError(f"device {endpoint.device_id}: unsupported transport {transport!r}")

    # ------------------------------------------------------------- persistence
    async def _store(
        self,
        endpoint: DeviceEndpoint,
        raw: bytes,
        info: SessionInfo,
        wire: WireLog | None = None,
        pieces: tuple[tuple[int, int], ...] = (),
        run: StrayRun | None = None,
    ) -> None:
        """Decode and commit one complete message (``pieces``: where its bytes lie in the
        session's stream, when known). Returns only after the COMMIT is durable."""
        if run is not None:
            run.end()  # stray bytes after a message are a new run
        status = self._status[endpoint.device_id]
        status.messages += 1
        message = NewDeviceMessage(
            device_id=endpoint.device_id, session_id=info.session_id, protocol=endpoint.protocol, raw=raw
        )
        try:
            decoded = endpoint.decode(raw, message.received_at)
        except Exception as exc:  # a decoder bug must not lose the message: keep the raw bytes
            log.exception("device %s: decoder failed", endpoint.device_id)
            decoded = Decoded(fatal=f"decoder error: {type(exc).__name__}")
        status.tolerance_counts.update(decoded.tolerated)
        status.no_result.update(decoded.no_result)
        if wire is not None:
            for switch in decoded.tolerated:
                wire.note(wire_note(switch))
        fatal = None if decoded.fatal is None else decoded.fatal.partition(": ")[0]
        again = run is not None and run.quarantined_again(fatal)  # the same again: said once
        if decoded.fatal is not None:
            record_quarantine(self._db, message, reason=decoded.fatal, byte_offset=decoded.fatal_offset)
            status.quarantined += 1
            # what, where and how to fix; quoted values, which may be patient data, elided
            sentence = quarantine_sentence(decoded.fatal, decoded.fatal_offset, pieces)
            status.last_error = sentence  # the service's device panel shows it
            log.log(
                logging.DEBUG if again else logging.WARNING, "device %s: %s", endpoint.device_id, sentence
            )
            return
        message = NewDeviceMessage(
            device_id=message.device_id,
            session_id=message.session_id,
            protocol=message.protocol,
            raw=raw,
            parsed=decoded.parsed,
            received_at=message.received_at,
        )
        recorded = record_message(
            self._db, message, decoded.results, decoded.quarantine, decode_again=endpoint.decode_again
        )
        # a row updated in place by a better version keeps the versions it replaced (referral.inbox)
        new = [stored for stored in recorded.new_results if not stored.details.get("replaced")]
        fresh = {stored.id for stored in new}
        reasons = [holds(stored) for stored in recorded.new_results]
        for stored, found in zip(recorded.new_results, reasons, strict=True):  # every reason of each
            status.count_stored(stored.id, [kind for kind, _ in found], replaced=stored.id not in fresh)
        status.duplicates += recorded.duplicate_count
        if self._on_stored is not None:
            counts = (len(recorded.new_results), recorded.duplicate_count, tuple(decoded.no_result))
            self._on_stored(
                MessageStored(endpoint.device_id, recorded.message_id, message.received_at, *counts)
            )
        # A problem of a stored (or duplicate) result is counted with that result, not again here.
        status.quarantined += len(decoded.quarantine) - decoded.with_result
        mistimed = [why for found in reasons for kind, why in found if kind == "clock"]
        if mistimed:  # the device, the test and both times: no sample or patient id
            log.warning("%s held for review: %s", counted(len(mistimed), "results"), mistimed[0])
            status.last_error = mistimed[0]  # the service's device panel shows it
        if recorded.new_results:
            status.last_result_at = message.received_at
            self._delivery.put_nowait((list(recorded.new_results), 0))
        if decoded.lost_parts:
            log.warning(
                "device %s: message %d: %s quarantined without a result (%s; the details are "
                "in device_quarantine)%s",
                endpoint.device_id,
                recorded.message_id,
                counted(len(decoded.lost_parts), "parts"),
                lost_parts_sentence(decoded.lost_parts, pieces),
                lost_parts_hint(decoded.lost_parts, endpoint.protocol),
            )
        log.info(
            "device %s: message %d stored: %s, %d replaced, %s, %s (%d of them problems of a result,"
            " e.g. an unmapped code)%s",
            endpoint.device_id,
            recorded.message_id,
            counted(len(new), "new results"),
            len(recorded.new_results) - len(new),
            counted(recorded.duplicate_count, "duplicates"),
            counted(len(decoded.quarantine), "quarantined parts"),
            decoded.with_result,
            f"; {no_result_sentence(decoded.no_result)}" if decoded.no_result else "",
        )

    def _store_junk(self, endpoint: DeviceEndpoint, junk: Junk, info: SessionInfo, run: StrayRun) -> None:
        """Quarantine bytes outside any message: a run of them for one reason with nothing between
        (an HL7 device at the wrong baud rate sends nothing else, read after read) is one row that
        grows, one count and one warning, as an ASTM device's noise is one warning a session; past
        :data:`STRAY_ROW_MAX` bytes the run goes on in a new row, counted, not logged again. Stray
        bytes that do not follow the run's last byte in the stream start a run of their own, with
        its own row, byte and time: whatever lay between (a frame the gateway stores nothing of)
        would be lost from view in one row."""
        going_on = run.goes_on(junk)
        run.end_offset = junk.offset + len(junk.raw)
        if going_on and run.quarantine_id is not None and run.size + len(junk.raw) <= STRAY_ROW_MAX:
            extend_quarantine(self._db, run.quarantine_id, junk.raw)
            run.size += len(junk.raw)
            return
        message = NewDeviceMessage(
            device_id=endpoint.device_id, session_id=info.session_id, protocol=endpoint.protocol, raw=junk.raw
        )
        run.quarantine_id = record_quarantine(self._db, message, reason=junk.reason, byte_offset=junk.offset)
        run.reason, run.size = junk.reason, len(junk.raw)
        self._status[endpoint.device_id].quarantined += 1
        log.log(
            logging.DEBUG if going_on else logging.WARNING,
            "device %s: %d stray bytes at byte %d quarantined (%s)",
            endpoint.device_id,
            len(junk.raw),
            junk.offset,
            junk.reason,
        )

    def _in_force(self, batch: list[StoredDeviceResult]) -> list[StoredDeviceResult]:
        """The batch's results as stored now: a batch handed over again after a failure must not
        bring back a version a later batch replaced (the final result a withdrawal withdrew)."""
        ids = [stored.id for stored in batch]
        rows = self._db.execute_returning_dicts(
            f"SELECT * FROM device_results WHERE id IN ({', '.join('?' for _ in ids)})", ids
        )
        now = {int(row["id"]): stored_from_row(row) for row in rows}
        return [now.get(stored.id, stored) for stored in batch]

    async def _deliver_forever(self) -> None:
        """Hand batches to the subscriber. A batch the subscriber fails on is queued again after a
        back-off (doubling up to 60 s) while later batches go ahead, so one bad batch never holds
        back other patients' results; nothing is marked delivered until the subscriber returns."""
        loop = asyncio.get_running_loop()
        while True:
            batch, attempt = await self._delivery.get()
            if attempt:  # a retry: a later version (a correction, a withdrawal) may have replaced one
                batch = self._in_force(batch)
            results = [classify(stored) for stored in batch]
            if self._on_results is not None:
                try:
                    outcome = self._on_results(results)
                    if inspect.isawaitable(outcome):
                        await outcome
                except Exception as exc:
                    delay = min(self._delivery_retry_s * 2**attempt, 60.0)
                    log.error(
                        "result subscriber failed (%s: %s); %d results queued again in %.1f s",
                        type(exc).__name__,
                        exc,
                        len(batch),
                        delay,
                    )
                    loop.call_later(delay, self._delivery.put_nowait, (batch, attempt + 1))
                    continue
            mark_delivered(self._db, [r.result_id for r in results])
