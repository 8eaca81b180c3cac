"""Prometheus metrics on a per-app registry (no process-global state)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from registry.api.admission import Admission


class Metrics:
    def __init__(self, age: Callable[[], float | None], generation: Callable[[], int]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.decisions = Counter(
            "clearance_decision_requests",
            "permitted/explain requests",
            ["endpoint", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "clearance_decision_seconds",
            "permitted/explain latency",
            ["endpoint"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0),
        )
        # children bound once: `.labels()` is a dict lookup under a lock per call
        self.permitted_ok = self.decisions.labels("permitted", "ok")
        self.permitted_not_modified = self.decisions.labels("permitted", "not-modified")
        self.permitted_latency = self.latency.labels("permitted")
        staleness = Gauge(
            "clearance_snapshot_age_seconds",
            "seconds since the snapshot was last confirmed (-1: never)",
            registry=self.registry,
        )
        staleness.set_function(lambda: -1.0 if (a := age()) is None else a)
        revision = Gauge(
            "clearance_snapshot_revision",
            "store revision the snapshot serves",
            registry=self.registry,
        )
        revision.set_function(lambda: float(generation()))

    def watch_admission(self, admission: Admission) -> None:
        """Requests in flight and shed by admission control (`--max-inflight`)."""
        inflight = Gauge(
            "clearance_requests_inflight",
            "requests being handled (health endpoints not counted)",
            registry=self.registry,
        )
        inflight.set_function(lambda: float(admission.inflight))
        shed = Gauge(
            "clearance_requests_shed",
            "requests answered 503 CLR-A509 since start (over --max-inflight)",
            registry=self.registry,
        )
        shed.set_function(lambda: float(admission.shed))

    def render(self) -> bytes:
        return generate_latest(self.registry)
