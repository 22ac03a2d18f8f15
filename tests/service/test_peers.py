"""The pieces under `serve --workers`: the peer line, gathered events, the writers' turn, merged metrics."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from referral.writer_lock import WriterLock
from triage.service.events import EventHub
from triage.service.metrics import ServiceMetrics
from triage.service.peers import MAX_MESSAGE, PeerLink, link_pair


def test_messages_cross_the_line_and_the_end_is_reported_once() -> None:
    ours, theirs = link_pair()
    a, b = PeerLink(ours, "primary"), PeerLink(theirs, "worker 1")
    got: list[dict[str, object]] = []
    closed: list[str] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        b.listen(loop, lambda _, message: got.append(message), lambda link: closed.append(link.name))
        assert a.send({"t": "event", "kind": "queue", "data": {"encounter_id": 7}})
        ours.send(b"not json")  # a malformed message is logged and skipped, not fatal
        assert a.send({"t": "login", "failed": ["user:x"]})
        assert not a.send({"t": "big", "text": "x" * MAX_MESSAGE}), "too big: dropped, counted"
        await asyncio.sleep(0.05)
        a.close()
        await asyncio.sleep(0.05)

    asyncio.run(scenario())
    assert got == [
        {"t": "event", "kind": "queue", "data": {"encounter_id": 7}},
        {"t": "login", "failed": ["user:x"]},
    ]
    assert a.dropped == 1
    assert closed == ["worker 1"] and b.closed
    assert not b.send({"t": "late"}), "sending on a closed line is refused, not raised"


def test_the_primary_relays_one_worker_s_events_to_the_others() -> None:
    primary = EventHub()
    to_one, one_end = link_pair()
    to_two, two_end = link_pair()
    primary.join(PeerLink(to_one, "worker 1"), relay=True)
    primary.join(PeerLink(to_two, "worker 2"), relay=True)
    one, two = EventHub(), EventHub()
    one.join(PeerLink(one_end, "primary"), relay=False)
    two.join(PeerLink(two_end, "primary"), relay=False)
    received: list[bytes] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        for hub in (primary, one, two):
            hub.bind(loop)

        async def watch() -> None:
            async for chunk in two.stream():
                received.append(chunk)
                if b"queue" in chunk:
                    return

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0.05)
        one.publish("queue", encounter_id=3)
        await asyncio.wait_for(watcher, 2)

    asyncio.run(scenario())
    assert received[-1] == b'event: queue\ndata: {"encounter_id":3}\n\n'


def test_events_for_other_processes_are_gathered_into_one_message_in_order() -> None:
    hub = EventHub()
    ours, theirs = link_pair()
    hub.join(PeerLink(ours, "worker 1"), relay=True)
    other = PeerLink(theirs, "primary")
    got: list[dict[str, object]] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        hub.bind(loop)
        other.listen(loop, lambda _, message: got.append(message), lambda _: None)
        for n in range(5):
            hub.publish("queue", encounter_id=n, urgent=n == 3)
        publisher = threading.Thread(target=lambda: hub.publish("device", device="ward-monitor"))
        publisher.start()  # a request handler's thread
        publisher.join()
        await asyncio.sleep(0.2)
        hub.publish("queue", encounter_id=9)
        await asyncio.sleep(0.2)

    asyncio.run(scenario())
    assert got == [
        {
            "t": "events",
            "events": [["queue", {"encounter_id": n, "urgent": n == 3}] for n in range(5)]
            + [["device", {"device": "ward-monitor"}]],
        },
        {"t": "events", "events": [["queue", {"encounter_id": 9}]]},
    ]


def test_writers_take_turns_across_descriptors(tmp_path: Path) -> None:
    first, second = WriterLock(tmp_path / "clinic.db"), WriterLock(tmp_path / "clinic.db")
    first.acquire()
    assert not second.try_acquire(), "the turn is taken"
    order: list[str] = []

    def wait_for_turn() -> None:
        second.acquire()
        order.append("second")
        second.release()

    waiter = threading.Thread(target=wait_for_turn)
    waiter.start()
    time.sleep(0.2)
    order.append("first done")
    first.release()
    waiter.join(5)
    assert order == ["first done", "second"]
    assert first.try_acquire()
    first.release()
    first.close()
    second.close()
    assert WriterLock(":memory:").try_acquire(), "an in-memory log needs no turn"


def test_metrics_of_several_processes_add_up() -> None:
    mine, other = ServiceMetrics(), ServiceMetrics()
    mine.assessments.labels("local_care", "api").inc(3)
    other.assessments.labels("local_care", "api").inc(2)
    other.assessments.labels("urgent_referral", "api").inc()
    mine.latency.labels("/api/v1/assessments").observe(0.01)
    other.latency.labels("/api/v1/assessments").observe(0.2)
    lines = mine.render([other.render().decode()]).decode().splitlines()
    assert 'triage_assessments_total{disposition="local_care",source="api"} 5.0' in lines
    assert 'triage_assessments_total{disposition="urgent_referral",source="api"} 1.0' in lines
    assert 'triage_http_request_seconds_count{route="/api/v1/assessments"} 2.0' in lines
    assert 'triage_http_request_seconds_bucket{le="0.025",route="/api/v1/assessments"} 1.0' in lines
    assert sum(line.startswith("# TYPE triage_assessments_total ") for line in lines) == 1
    assert mine.render() == mine.render(()), "one process alone: its own text, unchanged"
