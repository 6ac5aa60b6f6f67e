"""Prometheus metrics of one app (its own registry, so several apps can share a process).

Under ``dealos serve --workers N`` every process counts into the files of
``PROMETHEUS_MULTIPROC_DIR`` and :meth:`Metrics.render` adds them all up, so a scrape
answers for the whole server whichever process takes it.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

__all__ = ["Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dealos_http_requests",
            "HTTP requests answered, by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dealos_http_request_seconds",
            "Time to answer an HTTP request",
            ["route"],
            registry=self.registry,
        )
        self.ops = Counter(
            "dealos_push_ops",
            "Pushed ops by outcome (accepted, duplicate, or the rejection code)",
            ["outcome"],
            registry=self.registry,
        )
        self.statistics = Counter(
            "dealos_statistics_refreshes",
            "Background statistics refreshes by outcome (analyzed, unchanged, forbidden, "
            "failed); forbidden: the role may not run dealos_refresh_statistics()",
            ["outcome"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if folder:
            every_process = CollectorRegistry()
            MultiProcessCollector(every_process, path=folder)  # type: ignore[no-untyped-call]
            return generate_latest(every_process)
        return generate_latest(self.registry)
