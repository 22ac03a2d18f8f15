"""A POCT1-A2 meter's ``DCP.application_timeout`` that is no positive number of seconds is said.

What was wrong: the driver read the meter's HEL.R01 timeout with ``float()`` and kept it only when
it was above 0, so ``nan``, ``0``, ``-5`` or ``abc`` were ignored without a word (the profile's
timeout kept), and ``inf`` or ``1e999`` became the 3600 s ceiling, also unsaid: the integrator
never learnt the meter announces a timeout the host cannot use - and the meter keeps expecting it.
The hello is still acknowledged AA (its timeout is no data, the host's own is a safe stand-in),
and the element and its value are now reported as not handled (counted by the gateway, the first
of each a warning, noted in the wire log). A positive timeout is taken as before (kept within
1-3600 s)."""

from __future__ import annotations

import pytest

from devices import simulated_poct1a
from devices.codecs.poct1a import parse_message
from devices.poct1a_conversation import Poct1aDriver
from devices.session import Send, Unhandled
from tests.devices.gateway.test_poct1a_conversation import PROFILE


def _hello(value: str) -> bytes:
    raw = simulated_poct1a.hello("1", timeout_s=30)
    return raw.replace(b'DCP.application_timeout V="30"', f'DCP.application_timeout V="{value}"'.encode())


@pytest.mark.parametrize("value", ["nan", "0", "-5", "inf", "1e999", "abc", "-inf"])
def test_a_timeout_that_is_no_positive_number_of_seconds_is_said_and_the_hosts_kept(value: str) -> None:
    driver = Poct1aDriver(PROFILE)
    events = driver.feed(_hello(value), 100.0)
    assert [type(e) for e in events] == [Send, Unhandled]
    assert isinstance(events[0], Send) and parse_message(events[0].data).value("ACK/ACK.type_cd") == "AA"
    kept = PROFILE.poct1a.application_timeout
    assert events[1] == Unhandled(
        f'DCP.application_timeout "{value}" of HEL.R01 (no positive number of seconds; {kept:g} s kept)'
    )
    assert driver.timeout_s == kept and driver.next_deadline() == 100.0 + kept


@pytest.mark.parametrize(("value", "taken"), [("30", 30.0), ("0.5", 1.0), ("7200", 3600.0)])
def test_a_positive_timeout_is_taken_within_its_bounds_without_a_word(value: str, taken: float) -> None:
    driver = Poct1aDriver(PROFILE)
    events = driver.feed(_hello(value), 100.0)
    assert [type(e) for e in events] == [Send] and driver.timeout_s == taken


def test_no_timeout_announced_is_no_problem() -> None:
    raw = simulated_poct1a.hello("1", timeout_s=30).replace(b'<DCP.application_timeout V="30"/>', b"")
    assert b"application_timeout" not in raw
    driver = Poct1aDriver(PROFILE)
    assert [type(e) for e in driver.feed(raw, 100.0)] == [Send]
    assert driver.timeout_s == PROFILE.poct1a.application_timeout
