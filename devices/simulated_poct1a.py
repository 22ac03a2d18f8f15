"""The device side of a SYNTHETIC POCT1-A2 glucose/HbA1c meter dock: the messages it sends.

Written from the POCT1-A2 message layout (HDR/DEV/DCP/DSC/DST/SVC/PT/OBS/OPR/CTC elements, every
value in a ``V`` attribute); every message names the sender ``SIMULATOR`` and the data is
synthetic. Used by :class:`devices.simulator.SimulatedDevice` (kind ``poct1a-meter``), by
``triage devices simulate --kind poct1a-meter`` and by the tests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime

from devices.codecs.poct1a import (
    Poct1aError,
    Poct1aMessage,
    build_message,
    parse_message,
    v_element,
)
from devices.codecs.poct1a_framing import Poct1aFrame, Poct1aFramer
from devices.simulated_results import SimulatedSample
from devices.transports.link import Link

#: The device's application timeout announced in HEL.R01 (DCP.application_timeout), seconds.
APPLICATION_TIMEOUT_S = 60
OPERATOR = "SIM-NURSE-01"


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def hello(control_id: str, *, timeout_s: float = APPLICATION_TIMEOUT_S, now: datetime | None = None) -> bytes:
    """HEL.R01: device identity (SYNTHETIC), application timeout and capabilities."""
    body = (
        "<DEV>"
        + v_element("DEV.device_id", "SIM-POCT-0001")
        + v_element("DEV.vendor_id", "SIMULATOR")
        + v_element("DEV.model_id", "poct1a-meter")
        + v_element("DEV.serial_id", "SYNTHETIC-0001")
        + v_element("DEV.manufacturer_name", "clinic-triage simulator (SYNTHETIC)")
        + v_element("DEV.sw_version", "1.0")
        + "<DCP>"
        + v_element("DCP.application_timeout", f"{timeout_s:g}")
        + "</DCP><DSC>"
        + v_element("DSC.connection_profile_cd", "SA")
        + v_element("DSC.topics_supported_cd", "OBS")
        + v_element("DSC.directives_supported_cd", "START_CONTINUOUS")
        + v_element("DSC.max_message_sz", "65536")
        + "</DSC></DEV>"
    )
    return build_message("HEL.R01", control_id, body, now)


def operator_list_update(control_id: str, *, now: datetime | None = None) -> bytes:
    """OPL.R02 from the device: an operator list update (the simulated operator, SYNTHETIC) - a
    message a host may not handle (``FaultPlan.operator_list_update``)."""
    body = "<OPR>" + v_element("OPR.operator_id", OPERATOR) + v_element("OPR.name", "SYNTHETIC") + "</OPR>"
    return build_message("OPL.R02", control_id, body, now)


def status(control_id: str, new_observations: int, *, now: datetime | None = None) -> bytes:
    """DST.R01 with DST.new_observations_qty."""
    when = _stamp(now) if now else None
    body = "<DST>" + (v_element("DST.status_dttm", when) if when else "")
    body += v_element("DST.new_observations_qty", str(new_observations)) + v_element("DST.condition_cd", "R")
    return build_message("DST.R01", control_id, body + "</DST>", now)


def observation(
    sample: SimulatedSample, control_id: str, *, resend: bool = False, now: datetime | None = None
) -> bytes:
    """OBS.R01 (patient) or, for a QC sample, OBS.R02 (liquid QC, role LQC, control material in
    CTC). ``resend`` marks it SVC.reason_cd RES."""
    observations = "".join(
        "<OBS>"
        + v_element("OBS.observation_id", r.vendor_code, SN="SIMULATOR")
        + v_element("OBS.value", r.value, U=r.unit)
        + v_element("OBS.method_cd", "M")
        + "</OBS>"
        for r in sample.results
    )
    svc = (
        v_element("SVC.role_cd", "LQC" if sample.qc else "OBS")
        + v_element("SVC.observation_dttm", _stamp(sample.observed_at))
        + v_element("SVC.reason_cd", "RES" if resend else "NEW")
    )
    if sample.qc:
        holder = "<CTC>" + v_element("CTC.name", "SYNTHETIC control level 1") + observations + "</CTC>"
    else:
        holder = "<PT>" + v_element("PT.patient_id", sample.patient_id) + observations + "</PT>"
    order = "<ORD>" + v_element("ORD.order_id", sample.sample_id) + "</ORD>"
    operator = "<OPR>" + v_element("OPR.operator_id", OPERATOR) + "</OPR>"
    kind = "OBS.R02" if sample.qc else "OBS.R01"
    return build_message(kind, control_id, f"<SVC>{svc}{holder}{operator}{order}</SVC>", now)


def end_of_topic(control_id: str, topic: str = "OBS", *, now: datetime | None = None) -> bytes:
    return build_message("EOT.R01", control_id, "<EOT>" + v_element("EOT.topic_cd", topic) + "</EOT>", now)


class HostReplies:
    """The device's view of what the host sent: complete XML messages read from a link with a
    deadline. Replies that do not parse (bytes lost or corrupted on the way) are skipped, as a
    device would; the read in progress is kept between calls, so no byte is lost."""

    def __init__(
        self, link: Link, wait: Callable[[asyncio.Task[bytes], float | None], Awaitable[bytes | None]]
    ) -> None:
        self._link = link
        self._wait = wait
        self._framer = Poct1aFramer()
        self._ready: deque[bytes] = deque()
        self._task: asyncio.Task[bytes] | None = None

    async def next(self, deadline: float) -> Poct1aMessage | None:
        """The next host message, or None when ``deadline`` passes first."""
        while True:
            while self._ready:
                try:
                    return parse_message(self._ready.popleft())
                except Poct1aError:
                    continue
            if self._task is None:
                self._task = asyncio.ensure_future(self._link.read())
            data = await self._wait(self._task, deadline)
            if data is None:
                return None
            self._task = None
            self._ready.extend(ev.data for ev in self._framer.feed(data) if isinstance(ev, Poct1aFrame))

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
