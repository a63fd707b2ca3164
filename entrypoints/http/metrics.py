"""Prometheus metrics: requests by method, route template and status, and a latency histogram.

Each app has its own registry, so several apps (tests) in one process do not collide. The route label is
the template (`/api/v1/jobs/{id:uuid}`), never the raw path, so the label set stays small.
"""

import time
from typing import Any

from litestar import Response
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

UNMATCHED = "<unmatched>"
# The method comes from the client: anything else is one label value, so no one can grow the label set.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mailscore_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "mailscore_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )  # fmt: skip
        self.cache_lookups = Counter(
            "mailscore_cache_lookups", "Cache lookups by cache and result (hit, miss)", ["cache", "result"],
            registry=self.registry,
        )  # fmt: skip
        self.cache_hit_ratio = Gauge(
            "mailscore_cache_hit_ratio", "Share of this process's lookups that were hits", ["cache"],
            registry=self.registry,
        )  # fmt: skip
        self.rate_limited = Counter(
            "mailscore_rate_limited", "Requests refused with 429, by the budget that was spent", ["scope"],
            registry=self.registry,
        )  # fmt: skip
        self._lookups: dict[str, list[int]] = {}  # cache -> [hits, misses]
        self._lookup_counts: dict[tuple[str, int], Any] = {}  # (cache, outcome) -> its counter child
        self._hit_ratios: dict[str, Any] = {}
        # The labelled children, looked up once per label set (the labels are bounded, see above).
        self._request_counts: dict[tuple[str, str, int], Any] = {}
        self._latencies: dict[tuple[str, str], Any] = {}

    def hit(self, cache: str) -> None:
        """The CacheStats port: a lookup that found a fresh entry."""
        self._count(cache, 0)

    def miss(self, cache: str) -> None:
        self._count(cache, 1)

    def _count(self, cache: str, outcome: int) -> None:
        counter = self._lookup_counts.get((cache, outcome))
        if counter is None:
            counter = self._lookup_counts[cache, outcome] = self.cache_lookups.labels(cache, ("hit", "miss")[outcome])
        counter.inc()
        counts = self._lookups.setdefault(cache, [0, 0])
        counts[outcome] += 1
        ratio = self._hit_ratios.get(cache)
        if ratio is None:
            ratio = self._hit_ratios[cache] = self.cache_hit_ratio.labels(cache)
        ratio.set(counts[0] / (counts[0] + counts[1]))

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def record(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500

            async def send_and_note(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_and_note)
            finally:
                route = scope.get("path_template") or UNMATCHED
                method = scope.get("method", "")
                method = method if method in KNOWN_METHODS else "OTHER"
                counter = self._request_counts.get((method, route, status))
                if counter is None:
                    counter = self._request_counts[method, route, status] = self.requests.labels(
                        method, route, str(status)
                    )
                latency = self._latencies.get((method, route))
                if latency is None:
                    latency = self._latencies[method, route] = self.latency.labels(method, route)
                counter.inc()
                latency.observe(time.perf_counter() - started)

        return record

    def response(self) -> Response[Any]:
        # Litestar adds the charset to a text/* type itself: given CONTENT_TYPE_LATEST whole, the header
        # named it twice, which strict scrapers (Prometheus 3, Go's mime parser) refuse.
        media_type = CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")
        return Response(generate_latest(self.registry), media_type=media_type, encoding="utf-8")
