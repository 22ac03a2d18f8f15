"""Prometheus metrics for one app instance (own registry, so tests can build many apps)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
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
        self.sse_clients = Gauge("triage_sse_clients", "Open live-update connections", registry=self.registry)

    def learn_routes(self, routes: list[Any]) -> None:
        """Remember each route's full path template (included routers keep their own paths)."""
        from fastapi.routing import iter_route_contexts

        for context in iter_route_contexts(routes):
            if context.path:
                self.route_paths[id(context.route)] = context.path

    def render(self) -> bytes:
        return generate_latest(self.registry)

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
