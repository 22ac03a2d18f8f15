"""The host side of a POCT1-A2 conversation, as a gateway ``LinkDriver`` (sans-IO).

A point-of-care device (or its dock) connects and leads::

    device                          host (this driver)
    HEL.R01  hello, capabilities -> ACK.R01 AA    (reads DCP.application_timeout; one that is no
                                    positive number of seconds is reported ``Unhandled``)
    DST.R01  status              -> ACK.R01 AA    (notes DST.new_observations_qty), then
                                    DTV.R01 SET_TIME once, when the profile sets set_time, then
                                    OPL.R01 operator list, when the profile names one and this
                                      meter has not acknowledged this list yet (one message per
                                      DSC.max_message_sz, each waiting for its ACK), then
                                      EOT.R01 OPL (end of topic; waits for its ACK), then
                                    REQ.R01 ROBS  when it has observations (after_status
                                                  "request_observations", the default), or
                                    END.R01       when it has none, or
                                    DTV.R01 START_CONTINUOUS once ("start_continuous"), or
                                    nothing ("wait")
    ACK.R01  of our REQ/DTV/END  -> (never acknowledged); an AE to our REQ/DTV ends the
                                    conversation: END.R01, nothing requested again
    ESC.R01  (escape)            -> ACK.R01 AA, then END.R01 (the device could not handle ours)
    OBS.R01 / OBS.R02, repeated  -> stored, THEN ACK.R01 AA (persist before ACK)
    EOT.R01  end of topic OBS    -> ACK.R01 AA, then END.R01 NRM (request mode)
    END.R01                      -> (conversation over; nothing sent)
    KPA.R01  (keep-alive)        -> ACK.R01 AA
    anything else that parses    -> ACK.R01 AA, reported as ``Unhandled`` (counted and logged by
    (EVS.R01, OPL.R01/R02,          the gateway): e.g. an OPL.R02 operator list update or an
     REQ.R01, DTV.R01/R02)           EVS.R01 event the gateway does not read

Every ACK echoes the acknowledged message's ``HDR.control_id`` in ``ACK.ack_control_id``. A
message that does not parse (malformed XML, DOCTYPE, unknown root, no control id) is stored whole
in quarantine and answered ``AE`` with the reason in ``ACK.note_txt`` (its control id when it can
still be read). Silence longer than the application timeout (the device's
``DCP.application_timeout``, else the profile's) while a conversation is open ends it: a partial
message is discarded (nothing committed, so the device still owns it) and END.R01 is sent.

A device's AE to our REQ/DTV, or its ESC, is reported as a ``Refused`` event (counted for the
device, its note written to the session's wire log) and ends the conversation with END.R01; the
host never sends a REQ/DTV again on that connection, so a device that cannot do what we ask is not
asked for ever. A device that reconnects starts a new conversation.

The operator list is never a reason to lose results: the device's AE to an OPL.R01 (or to the
EOT.R01 closing it), or silence past the application timeout while the host waits for that ACK,
is reported as a ``Refused`` event too (counted, note in the wire log), the remaining pages are
not sent, the topic is closed and the conversation goes on to the observations. Only a list the
meter acknowledged completely (every OPL.R01 and the EOT.R01 with AA) is recorded as delivered
(``devices.operator_delivery``, kept where the gateway keeps its state: the clinic database);
any other outcome sends it again in the next conversation.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from devices.codecs.poct1a import (
    OBSERVATION_TYPES,
    Poct1aError,
    Poct1aMessage,
    build_ack,
    build_directive,
    build_end,
    build_request_observations,
    parse_message,
    recover_control_id,
)
from devices.codecs.poct1a_framing import Poct1aFrame, Poct1aFramer, Poct1aJunk
from devices.codecs.poct1a_operators import build_end_of_topic, build_operator_list, operator_pages
from devices.operator_delivery import (
    AcknowledgedLists,
    OperatorListDelivery,
    OperatorListOffer,
    RememberedLists,
)
from devices.operator_list import Operator
from devices.profile import DeviceProfile
from devices.session import Discarded, Junk, LinkEvent, Received, Refused, Send, Unhandled
from referral.errors import json_text

#: Bounds on a device-announced application timeout (seconds).
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 1.0, 3600.0
#: Device messages this host acts on; any other that parses is acknowledged and reported
#: ``Unhandled`` (observations, ACK.R01 and END.R01 are handled before this set is looked at).
HANDLED = frozenset({"HEL.R01", "DST.R01", "ESC.R01", "EOT.R01", "KPA.R01"})


def _note(message: Poct1aMessage) -> str:
    """The device's free text in a message (``ACK.note_txt``, ``ESC.note_txt``...), or ''."""
    for element in message.root.walk():
        if element.tag.endswith(".note_txt") and element.attrs.get("V", "").strip():
            return element.attrs["V"].strip()[:500]
    return ""


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


@dataclass(slots=True)
class _OperatorTopic:
    """An operator list on its way to the meter: pages still to send, the control id whose ACK
    the host waits for, whether every message so far was accepted, and whether EOT was sent;
    ``meter`` is the meter it was begun for."""

    offer: OperatorListOffer
    meter: str
    pages: list[tuple[Operator, ...]] = field(default_factory=list)
    waiting: str = ""
    accepted: bool = True
    closing: bool = False


class Poct1aDriver:
    """One POCT1-A2 conversation per session (a device that reconnects starts a new one)."""

    protocol = "poct1a"

    def __init__(
        self,
        profile: DeviceProfile,
        wall_clock: Callable[[], datetime] | None = None,
        tolerated: Callable[[], list[LinkEvent]] | None = None,
        operator_lists: OperatorListDelivery | None = None,
        acknowledged_lists: AcknowledgedLists | None = None,
    ) -> None:
        """``wall_clock`` stamps HDR.creation_dttm (default: now in the profile's zone) and says
        which day it is for operators' certifications; ``tolerated`` returns the tolerance
        switches fired since it was last called (the decoder fires them while storing a message),
        reported as events after each feed; ``operator_lists`` is the profile's operator list
        (``devices.link_drivers`` builds it from ``[poct1a] operator_list``), None for none;
        ``acknowledged_lists`` is where the lists each meter acknowledged are kept (the gateway
        gives the clinic database's; default: in memory, for this driver only)."""
        self._settings = profile.poct1a
        self._tolerated = tolerated or list
        self._framer = Poct1aFramer(profile.poct1a.max_message_size)
        self._wall = wall_clock or (lambda: datetime.now(profile.zone))
        self._sent = 0
        self._open = False
        self._continuous = False
        self._time_set = False
        self._operator_lists = operator_lists
        self._acknowledged_lists: AcknowledgedLists = acknowledged_lists or RememberedLists()
        self._topic: _OperatorTopic | None = None
        #: The meter (DEV.device_id, else DEV.serial_id of its HEL.R01; '' before a hello): the
        #: operator list it acknowledged is remembered under this name.
        self.meter = ""
        #: Operator lists this conversation delivered completely (every message acknowledged AA).
        self.operator_lists_delivered = 0
        #: Our REQ/DTV messages not yet acknowledged by the device: control id -> what it was.
        self._asked: dict[str, str] = {}
        #: The device refused something we sent (AE or ESC): nothing is asked again.
        self.refused = False
        self._deadline: float | None = None
        #: What the device said: its timeout and maximum message size (HEL.R01), its last count
        #: of new observations (DST.R01) and its latest acknowledgements of our messages.
        self.timeout_s = profile.poct1a.application_timeout
        self.device_max_message: int | None = None
        self.new_observations: int | None = None
        self.acknowledged_by_device: deque[tuple[str, str]] = deque(maxlen=64)  # (our control id, AA/AE)

    # ----------------------------------------------------------------- LinkDriver
    def feed(self, data: bytes, now: float) -> list[LinkEvent]:
        events: list[LinkEvent] = []
        for item in self._framer.feed(data):
            if isinstance(item, Poct1aFrame):
                events += self._message(item.data, ((0, item.offset),))
            elif isinstance(item, Poct1aJunk):
                events.append(Junk(item.reason or "bytes outside a POCT1-A2 message", item.data, item.offset))
            else:
                # quarantined as stray bytes are, the limit's worth (what the device sent) saying it
                # was cut; no ACK: there is no message to answer
                events.append(Junk(item.said(), item.head, item.offset))
        if data and self._open:
            self._deadline = now + self.timeout_s
        return events + self._tolerated()

    def poll(self, now: float) -> list[LinkEvent]:
        if self._deadline is None or now < self._deadline:
            return []
        events: list[LinkEvent] = []
        within = f"the application timeout of {self.timeout_s:g} s"
        if self._framer.dropping is not None:
            events.append(Discarded(self._rest_of_cut(f"no end tag within {within}")))
        elif self._framer.buffered:
            events.append(
                Discarded(
                    f"no complete POCT1-A2 message within {within}; {self._framer.buffered} bytes discarded"
                )
            )
        self._framer.reset()
        if self._topic is not None:  # the meter never acknowledged the list: go on to the results
            events += self._topic_unanswered(now)
            return events
        events.append(Send(self._end("")))
        return events

    def next_deadline(self) -> float | None:
        return self._deadline

    def link_lost(self, reason: str) -> list[LinkEvent]:
        if self._framer.dropping is not None:
            return [Discarded(self._rest_of_cut(f"link lost ({reason}) before its end tag"))]
        unfinished = self._framer.unfinished
        if unfinished is None:
            return []
        offset, size = unfinished
        return [
            Discarded(
                f"link lost ({reason}) inside the POCT1-A2 message at byte {offset} ({size} bytes, "
                "no end tag yet); not acknowledged, the device still owns it"
            )
        ]

    def _rest_of_cut(self, why: str) -> str:
        """What became of the rest of a message cut at the size limit, its head already
        quarantined, when ``why`` ended the wait for its end tag: no new unfinished message."""
        cut = self._framer.dropping
        assert cut is not None
        return (
            f"the rest of the POCT1-A2 message {cut.root} at byte {cut.offset}, cut at the size limit of "
            f"{cut.size} bytes (its first {cut.size} bytes quarantined), dropped: {why}; not acknowledged, "
            "the device still owns it"
        )

    # ----------------------------------------------------------------- messages
    def _control_id(self) -> str:
        self._sent += 1
        return str(self._sent)

    def _ack(self, acked: str, code: str = "AA", note: str = "") -> bytes:
        return build_ack(self._control_id(), acked, code, note=note[:200], now=self._wall())

    def _end(self, reason: str) -> bytes:
        self._open = False
        self._deadline = None
        return build_end(self._control_id(), reason, now=self._wall())

    def _message(self, raw: bytes, pieces: tuple[tuple[int, int], ...]) -> list[LinkEvent]:
        """``raw``, a message the framer cut from the stream at the byte ``pieces`` gives."""
        try:
            message = parse_message(raw)
        except Poct1aError as exc:
            # Stored whole (the decoder quarantines it for the same reason), then refused.
            self._open = True
            return [Received(raw, pieces), Send(self._ack(recover_control_id(raw) or "", "AE", str(exc)))]
        kind = message.message_type
        if kind == "ACK.R01":  # an acknowledgement is never acknowledged
            acked = message.value("ACK/ACK.ack_control_id") or ""
            code = (message.value("ACK/ACK.type_cd") or "").upper()
            self.acknowledged_by_device.append((acked, code))
            if self._topic is not None and acked == self._topic.waiting:
                return self._topic_acknowledged(code, _note(message))
            what = self._asked.pop(acked, None)
            if what is not None and code == "AE":
                return self._refusal(f"{what} with AE", _note(message))
            return []
        if kind == "END.R01":
            self._open = False
            self._deadline = None
            self._topic = None
            return []
        self._open = True
        if kind in OBSERVATION_TYPES:
            # Persist before ACK: the session commits Received before it sends the ACK.
            return [Received(raw, pieces), Send(self._ack(message.control_id))]
        events: list[LinkEvent] = [Send(self._ack(message.control_id))]
        if kind not in HANDLED:
            events.append(Unhandled(f"{kind} from the device"))
        elif kind == "HEL.R01":
            events += self._hello(message)
        elif kind == "DST.R01":
            events += self._status(message)
        elif kind == "ESC.R01":
            events += self._refusal("a host message with ESC.R01", _note(message))
        elif kind == "EOT.R01":
            topic = (message.value("EOT/EOT.topic_cd") or "").upper()
            if topic == "OBS" and self._settings.after_status == "request_observations":
                events.append(Send(self._end("NRM")))
        return events

    def _refusal(self, what: str, note: str) -> list[LinkEvent]:
        """The device refused something we sent: count it, log its note, ask nothing again and
        end the conversation (once: a second refusal before the device's END sends no more)."""
        self.refused = True
        self._asked.clear()
        self._topic = None  # an operator list in flight is abandoned with the conversation
        events: list[LinkEvent] = [Refused(what, note)]
        if self._open:
            events.append(Send(self._end("")))
        return events

    def _ask(self, what: str, build: Callable[[str], bytes]) -> Send:
        control_id = self._control_id()
        if len(self._asked) < 16:  # a device that never acknowledges cannot grow this
            self._asked[control_id] = what
        return Send(build(control_id))

    def _hello(self, message: Poct1aMessage) -> list[LinkEvent]:
        """Read the device's HEL.R01; a ``DCP.application_timeout`` that is no positive number of
        seconds (``nan``, ``0``, ``-5``, ``inf``) is not taken, and said: the timeout in force is
        kept, a safe stand-in (the hello carries no result, so it is acknowledged all the same)."""
        events: list[LinkEvent] = []
        for element in message.root.walk():
            if element.tag == "DEV":
                self.meter = element.value("DEV.device_id") or element.value("DEV.serial_id") or ""
            elif element.tag == "DCP":
                text = element.value("DCP.application_timeout")
                timeout = _number(text)
                if timeout is not None and 0 < timeout < math.inf:  # nan is neither
                    self.timeout_s = min(max(timeout, MIN_TIMEOUT_S), MAX_TIMEOUT_S)
                elif text and text.strip():
                    events.append(
                        Unhandled(
                            f"DCP.application_timeout {json_text(text)} of HEL.R01 (no positive number of "
                            f"seconds; {self.timeout_s:g} s kept)"
                        )
                    )
            elif element.tag == "DSC":
                # a whole number or nothing (devices.codecs.poct1a.COUNTS): 0 is no limit
                self.device_max_message = int(element.value("DSC.max_message_sz") or 0) or None
        return events

    def _status(self, message: Poct1aMessage) -> list[LinkEvent]:
        qty = message.value("DST/DST.new_observations_qty")  # a whole number (COUNTS), or nothing
        self.new_observations = int(qty) if qty else None
        if self.refused or self._topic is not None:
            # refused: never ask again on this connection; a list in flight: its end asks next
            return []
        events: list[LinkEvent] = []
        if self._settings.set_time and not self._time_set:
            # The device sets its clock to this message's HDR.creation_dttm (our wall clock).
            self._time_set = True
            events.append(
                self._ask("DTV.R01 SET_TIME", lambda cid: build_directive(cid, "SET_TIME", now=self._wall()))
            )
        lists = self._operator_lists
        offer = lists.offer(self.meter, self._wall().date(), self._acknowledged_lists) if lists else None
        if offer is not None:
            if self.meter:
                self._acknowledged_lists.begun(self.meter)
            pages = operator_pages(offer.operators, self.device_max_message)
            self._topic = _OperatorTopic(offer, self.meter, pages)
            return [*events, self._next_page()]
        return [*events, *self._after_status()]

    def _after_status(self) -> list[LinkEvent]:
        """What the profile's ``after_status`` asks once the status (and any list) is done."""
        mode = self._settings.after_status
        if mode == "request_observations":
            if self.new_observations == 0:
                return [Send(self._end("NRM"))]
            return [self._ask("REQ.R01 ROBS", lambda cid: build_request_observations(cid, now=self._wall()))]
        if mode == "start_continuous" and not self._continuous:
            self._continuous = True
            return [
                self._ask(
                    "DTV.R01 START_CONTINUOUS",
                    lambda cid: build_directive(cid, "START_CONTINUOUS", now=self._wall()),
                )
            ]
        return []

    # ----------------------------------------------------------------- the operator list topic
    def _next_page(self) -> Send:
        assert self._topic is not None
        self._topic.waiting = self._control_id()
        page = self._topic.pages.pop(0)
        return Send(build_operator_list(self._topic.waiting, page, now=self._wall()))

    def _close_topic(self) -> Send:
        assert self._topic is not None
        self._topic.waiting = self._control_id()
        self._topic.closing = True
        return Send(build_end_of_topic(self._topic.waiting, "OPL", now=self._wall()))

    def _topic_acknowledged(self, code: str, note: str) -> list[LinkEvent]:
        """The meter's ACK of our OPL.R01 or of the EOT.R01 closing it."""
        topic = self._topic
        assert topic is not None
        events: list[LinkEvent] = []
        if code != "AA":
            topic.accepted = False
            topic.pages.clear()
            what = "EOT.R01 closing the operator list" if topic.closing else "OPL.R01 operator list"
            events.append(Refused(f"{what} with {code or 'no ACK.type_cd'}", note))
        if not topic.closing:
            return [*events, self._next_page() if topic.pages else self._close_topic()]
        self._topic = None
        if topic.accepted:
            if topic.meter:
                self._acknowledged_lists.acknowledged(
                    topic.meter, topic.offer.digest, len(topic.offer.operators)
                )
            self.operator_lists_delivered += 1
        return [*events, *self._after_status()]

    def _topic_unanswered(self, now: float) -> list[LinkEvent]:
        """No ACK of our OPL.R01/EOT.R01 within the application timeout: counted, the topic
        closed without waiting, and the conversation goes on (a new timeout runs)."""
        topic = self._topic
        assert topic is not None
        what = "EOT.R01 closing the operator list" if topic.closing else "OPL.R01 operator list"
        events: list[LinkEvent] = [
            Refused(
                f"{what} (no ACK.R01 within the application timeout)",
                f"{self.timeout_s:g} s without an answer",
            )
        ]
        if not topic.closing:
            events.append(self._close_topic())
        self._topic = None
        self._deadline = now + self.timeout_s
        return [*events, *self._after_status()]
