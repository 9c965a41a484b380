"""Prometheus metrics (`prometheus_client`), served on HOST:METRICS_PORT at /metrics, never on the
Slack port. Every name starts `leader_quiz_`; `deploy/alerts.yml` and the Grafana dashboard in
`deploy/` are written against these.

With one gunicorn worker (the default) a replica is one process, so its registry is the whole
replica; across replicas Prometheus adds them up. With WEB_CONCURRENCY > 1, `serve` sets
PROMETHEUS_MULTIPROC_DIR before the fork (unless it is set already): each worker writes its
samples there and the master's endpoint sums them (prometheus_client's multiprocess mode; the
gauges declare how they combine, and a worker's live gauges go when it exits)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client import multiprocess as prometheus_multiprocess

CLICKS = Counter("leader_quiz_clicks_total", "Daily-question button clicks, by outcome", ["outcome"])
ACK_SECONDS = Histogram(
    "leader_quiz_ack_seconds",
    "From a Slack request's arrival to the app's answer (Slack's limit is 3 s)",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
SLACK_CALLS = Counter(
    "leader_quiz_slack_calls_total",
    "Slack Web API calls, by method and result (ok, 429, 5xx, error)",
    ["method", "result"],
)
SLACK_RETRIES = Counter(
    "leader_quiz_slack_retries_total",
    "Sends the outbox tried again, by reason (429, 5xx, connection, ...)",
    ["reason"],
)
OUTBOX_DEPTH = Gauge(
    "leader_quiz_outbox_depth",
    "Sends waiting in the outbox, by kind (post, reply, count, home, reminder, ...)",
    ["kind"],
    multiprocess_mode="livesum",
)
OUTBOX_LATE = Gauge(
    "leader_quiz_outbox_late_seconds",
    "How late the oldest waiting send of each kind is past its due time",
    ["kind"],
    multiprocess_mode="livemax",
)
OUTBOX_DROPPED = Counter(
    "leader_quiz_outbox_dropped_total",
    "Sends the outbox gave up, by kind and reason (expired, superseded, failed, uninstalled, stopped)",
    ["kind", "reason"],
)
DAILY_POSTS = Counter(
    "leader_quiz_daily_posts_total", "Daily questions, by result (posted, failed, flagged, ...)", ["result"]
)
POSTS_OVERDUE = Gauge(
    "leader_quiz_posts_overdue_seconds",
    "How long the most overdue channel's question has been due and not posted (0: none)",
    multiprocess_mode="livemax",
)
LEADER = Gauge(
    "leader_quiz_leader", "1 while this replica holds the scheduler lease", multiprocess_mode="livemax"
)
FENCING_TOKEN = Gauge(
    "leader_quiz_fencing_token",
    "The fencing token of the lease this replica holds",
    multiprocess_mode="livemax",
)
CLOCK_AHEAD = Gauge(
    "leader_quiz_clock_offset_seconds",
    "How far this replica's clock is ahead of the database's (negative: behind), measured at each "
    "lease beat; leases and schedules are corrected for it",
    multiprocess_mode="livemax",  # a replica's workers share one host clock
)
DATABASE_ERRORS = Counter("leader_quiz_database_errors_total", "Times the database could not be reached")
REMINDER_DMS = Counter("leader_quiz_reminder_dms_total", "Reminder direct messages, by result", ["result"])


def slack_result(status: int | None) -> str:
    if status is None:
        return "error"
    if status == 429:
        return "429"
    if status >= 500:
        return "5xx"
    return "ok" if status < 400 else "error"


def serve(host: str, port: int) -> Callable[[], None]:
    """Start the /metrics endpoint (a thread of this process); the function that stops it."""
    registry: CollectorRegistry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)
    server, thread = start_http_server(port, addr=host, registry=registry)

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)

    return stop


def process_gone(pid: int) -> None:
    """A worker exited: its live gauges (outbox depth, leader) no longer count."""
    prometheus_multiprocess.mark_process_dead(pid)


class Ticker:
    """Calls each sampler every `interval` seconds on a daemon thread: gauges of things that
    change without events (the age of the outbox's oldest call, whether this replica leads)."""

    def __init__(self, samplers: list[Callable[[], None]], interval: float = 1.0) -> None:
        self.samplers = samplers
        self.interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="metrics-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            for sample in self.samplers:
                try:
                    sample()
                except Exception:  # a sampler's failure must not stop the others
                    logging.getLogger(__name__).debug("metrics sampler failed", exc_info=True)
