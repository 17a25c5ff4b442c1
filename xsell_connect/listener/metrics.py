"""Prometheus metrics of one listener process, in a registry of its own.

Counters and the latency histogram are updated where things happen; inbox depth,
write-back outcomes and circuit-breaker states are read when ``/metrics`` is scraped
(from the store and from the pipeline's ``PipelineStats`` port).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from xsell_connect.listener.ports import PipelineStats

__all__ = ["CONTENT_TYPE", "ListenerMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _ScrapeCollector(Collector):
    def __init__(self, depth: Callable[[], Mapping[str, int]], stats: PipelineStats | None) -> None:
        self._depth = depth
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("xsell_inbox_depth", "Inbox items by status.", labels=["status"])
        for status, count in sorted(self._depth().items()):
            depth.add_metric([status], count)
        yield depth
        if self._stats is None:
            return
        outcomes = CounterMetricFamily(
            "xsell_writeback",
            "Write-backs to the core by operation and outcome.",
            labels=["operation", "outcome"],
        )
        for (operation, outcome), count in sorted(self._stats.writeback_outcomes().items()):
            outcomes.add_metric([operation, outcome], count)
        yield outcomes
        breakers = GaugeMetricFamily(
            "xsell_circuit_breaker_state",
            "Circuit breaker per pattern: 0 closed, 1 half-open, 2 open.",
            labels=["pattern"],
        )
        for pattern, state in sorted(self._stats.breaker_states().items()):
            breakers.add_metric([pattern], state)
        yield breakers


def _child(
    counter: Counter, children: dict[tuple[str, str, str], Counter], values: tuple[str, str, str]
) -> Counter:
    child = children.get(values)
    if child is None:  # two threads may both get here: labels() gives both the same child
        child = children[values] = counter.labels(*values)
    return child


class ListenerMetrics:
    def __init__(
        self, depth: Callable[[], Mapping[str, int]], stats: PipelineStats | None = None
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.events_in = Counter(
            "xsell_events_in",
            "Canonical events accepted, by source, transport and type.",
            ["source", "transport", "type"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "xsell_deliveries",
            "Deliveries by source, transport and outcome (stored, duplicate, rejected, empty).",
            ["source", "transport", "outcome"],
            registry=self.registry,
        )
        self.verification_failures = Counter(
            "xsell_verification_failures",
            "Webhooks refused before parsing, by source and reason.",
            ["source", "reason"],
            registry=self.registry,
        )
        self.pipeline_latency = Histogram(
            "xsell_pipeline_latency_seconds",
            "Time the pipeline took for one inbox item.",
            ["outcome"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.registry.register(_ScrapeCollector(depth, stats))
        # Children by label values, looked up once: ``labels`` validates its values and
        # takes a lock on every call, twice per webhook.
        self._delivered: dict[tuple[str, str, str], Counter] = {}
        self._events_in: dict[tuple[str, str, str], Counter] = {}

    def delivered(self, source: str, transport: str, outcome: str) -> None:
        """Count one delivery in ``deliveries``."""
        _child(self.deliveries, self._delivered, (source, transport, outcome)).inc()

    def event_in(self, source: str, transport: str, kind: str) -> None:
        """Count one accepted canonical event in ``events_in``."""
        _child(self.events_in, self._events_in, (source, transport, kind)).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
