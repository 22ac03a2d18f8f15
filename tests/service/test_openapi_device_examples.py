"""Every device id the OpenAPI document gives as an example (``/docs``' "Try it out" fills it in) is a
device ``triage demo`` has: the association routes' ``device_id`` said ``nonin-oximeter``, which the
demo does not run, so an integrator trying the attachment on the demo attached a device that sends
nothing. Read from a real uvicorn server's ``/openapi.json``; the demo's devices are
``triage.service.demo.DEVICES``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, live_server, make_settings
from triage.service import create_app
from triage.service.demo import DEVICES, OXIMETER_ID

#: ``e.g. `name``` in a description.
_SAID = re.compile(r"e\.g\. `([^`]+)`")


def _given(where: dict[str, Any]) -> Iterator[str]:
    """The examples a parameter or schema gives, and those its description names (``e.g. `x```)."""
    yield from (str(x) for x in where.get("examples", []))
    if "example" in where:
        yield str(where["example"])
    yield from _SAID.findall(str(where.get("description", "")))


def _device_examples(node: Any) -> Iterator[str]:
    """Those of each parameter or property named ``device_id``, anywhere in the document."""
    if isinstance(node, list):
        for item in node:
            yield from _device_examples(item)
    elif isinstance(node, dict):
        if node.get("name") == "device_id":  # a path or query parameter
            yield from _given(node)
            yield from _given(node.get("schema", {}))
        if isinstance(node.get("properties"), dict) and "device_id" in node["properties"]:
            yield from _given(node["properties"]["device_id"])
        for value in node.values():
            yield from _device_examples(value)


def test_every_example_device_id_is_one_the_demo_has(tmp_path: Path) -> None:
    with live_server(create_app(make_settings(tmp_path))) as base:
        document = httpx.get(f"{base}/openapi.json", timeout=HTTP_TIMEOUT_S).json()
    examples = list(_device_examples(document))
    demo = {device_id for _, device_id in DEVICES}
    assert examples, "the document gives no example device id"
    assert set(examples) <= demo, f"not devices of the demo ({sorted(demo)}): {sorted(set(examples) - demo)}"
    assert OXIMETER_ID in examples  # the one the demo attaches to encounters: no patient id of its own
