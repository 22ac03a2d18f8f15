"""Prometheus metrics for one app instance (own registry, so tests can build many apps)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.route_paths: dict[int, str] = {}
        self.requests = Counter(
            "triage_http_requests_total",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "triage_http_request_seconds",
            "HTTP request latency by route template",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.assessments = Counter(
            "triage_assessments_total",
            "Assessments stored, by disposition and source",
            ["disposition", "source"],
            registry=self.registry,
        )
        self.device_results = Counter(
            "triage_device_results_total",
            "Device results handled by the pipeline, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.device_to_queue = Histogram(
            "triage_device_result_to_queue_seconds",
            "From a device result stored in the inbox to its assessment published to the queue",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5),
            registry=self.registry,
        )
        self.referrals_proposed = Counter(
            "triage_referrals_proposed_total",
            "Referrals proposed automatically for confirmation",
            registry=self.registry,
        )
        self.login_failures = Counter(
            "triage_login_failures_total", "Failed or rate-limited logins", ["reason"], registry=self.registry
        )
        self.walk_ins_for_workers = Counter(
            "triage_writer_line_walk_ins_total",
            "Walk-ins that other service processes handed to this one to store (serve --workers)",
            registry=self.registry,
        )
        self.sse_clients = Gauge("triage_sse_clients", "Open live-update connections", registry=self.registry)

    def learn_routes(self, routes: list[Any]) -> None:
        """Remember each route's full path template (included routers keep their own paths)."""
        for route, path in route_templates(routes):
            self.route_paths[id(route)] = path

    def render(self, others: Iterable[str] = ()) -> bytes:
        """The exposition text; with ``others`` (other processes' texts), everything added up."""
        own = generate_latest(self.registry)
        texts = [text for text in others if text]
        if not texts:
            return own
        return merge_expositions([own.decode(), *texts])

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """ASGI middleware counting requests by route template, method and status, with latency.

        Plain ASGI (no ``BaseHTTPMiddleware`` task per request); the router records the matched
        route in the shared ``scope``, read after the response is sent.
        """

        async def metered(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            start = time.perf_counter()
            status = 500

            async def send_status(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, send_status)
            finally:
                matched = scope.get("route")
                route = self.route_paths.get(id(matched)) or getattr(matched, "path", "unmatched")
                if route != "/api/v1/events" and route != "/events":
                    self.latency.labels(route).observe(time.perf_counter() - start)
                self.requests.labels(route, scope["method"], str(status)).inc()

        return metered


def route_templates(routes: list[Any], prefix: str = "") -> Iterator[tuple[Any, str]]:
    """Each route with its full path template: the prefixes of the routers that include it, then
    its own path - what FastAPI's ``iter_route_contexts`` reports, read from the routers instead.
    That builds every included route's effective context (its dependencies and pydantic fields),
    which FastAPI otherwise does lazily for the router a request reaches: ~0.1 s of CPU per app,
    paid by every ``create_app`` (each service process, each test's app) for nothing.
    ``tests/service/test_app_startup.py`` checks both give the same templates."""
    from fastapi.routing import _IncludedRouter

    for route in routes:
        if isinstance(route, _IncludedRouter):
            inner = prefix + route.include_context.prefix
            yield from route_templates(route.original_router.routes, inner)
        elif path := getattr(route, "path", None):
            yield route, prefix + path


def merge_expositions(texts: list[str]) -> bytes:
    """Add up the metrics of several processes: counters, histograms and gauges are summed per
    label set; ``_created`` timestamps keep the earliest."""
    families: dict[str, Metric] = {}
    values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for text in texts:
        for family in text_string_to_metric_families(text):
            if family.name not in families:
                families[family.name] = Metric(family.name, family.documentation, family.type, family.unit)
                values[family.name] = {}
            merged = values[family.name]
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                if sample.name.endswith("_created"):
                    merged[key] = min(merged.get(key, sample.value), sample.value)
                else:
                    merged[key] = merged.get(key, 0.0) + sample.value
    for name, metric in families.items():
        for (sample_name, labels), value in values[name].items():
            metric.add_sample(sample_name, dict(labels), value)

    class _Merged:
        def collect(self) -> Iterator[Metric]:
            yield from families.values()

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Merged())
    return generate_latest(registry)
