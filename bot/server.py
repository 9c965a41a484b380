"""`leader-quiz serve`: gunicorn (threaded workers) serving the WSGI app, the scheduler, and
Socket Mode when an app token is set.

Each worker process is a whole replica: it builds its own runtime after the fork (scheduler,
outbox, count refresher), and the workers coordinate through the database exactly as separate
replicas do (the lease, the claims, the count slot), not through gunicorn. WEB_CONCURRENCY=N
runs N (default: one per usable core, at most 4), which is how one replica uses more than one
core (the Python work of a click holds the GIL). With several workers (or a PROMETHEUS_MULTIPROC_DIR
set) the master serves /metrics, summing the workers' samples (prometheus_client's
multiprocess mode)."""

from __future__ import annotations

import glob
import logging
import os
import shutil
import tempfile
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger

from bot.config import Settings

logger = logging.getLogger(__name__)


def build_wsgi(settings: Settings, *, metrics_endpoint: bool = True) -> tuple[Any, Any]:
    """Build the runtime, the Bolt app and the WSGI app; start the scheduler (and Socket Mode).
    `metrics_endpoint=False`: the gunicorn master serves /metrics for every worker."""
    from bot.runtime import build_runtime, build_web_app

    runtime = build_runtime(settings)
    wsgi = build_web_app(runtime)
    runtime.scheduler.start()
    runtime.serve_metrics(endpoint=metrics_endpoint)
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(wsgi.bolt, settings.slack_app_token)
        handler.connect()
        logger.info("connected to Slack in Socket Mode")
    return wsgi, runtime


class RootLogs(GunicornLogger):
    """gunicorn's own lines go through the root handler (LOG_FORMAT=json: JSON like the rest,
    and redacted), instead of its text handler on stderr."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.handlers.clear()
            log.propagate = True


class QuizServer(BaseApplication):
    def __init__(self, settings: Settings, *, metrics_dir: str | None = None) -> None:
        self.settings = settings
        self.runtime: Any = None
        # Multiprocess metrics (a PROMETHEUS_MULTIPROC_DIR is set): the master serves them.
        self.metrics_dir = metrics_dir
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        config = {
            "bind": f"{s.host}:{s.port}",
            "workers": s.web_concurrency,
            "worker_class": "gthread",
            "threads": s.http_threads,
            "timeout": 30,
            "graceful_timeout": 10,
            "keepalive": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": s.log_level.lower(),
            "proc_name": "leader-quiz",
            "limit_request_field_size": 16384,
            "worker_exit": self._on_worker_exit,
            # Replicas on one host must not fight over gunicorn's control socket (gunicorn 24+).
            "control_socket_disable": True,
        }
        if s.log_format == "json":
            config["logger_class"] = RootLogs
        if self.metrics_dir is not None:
            config["when_ready"] = self._serve_metrics
            config["child_exit"] = self._on_child_exit
        for key, value in config.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        wsgi, self.runtime = build_wsgi(self.settings, metrics_endpoint=self.metrics_dir is None)
        return wsgi

    def _on_worker_exit(self, server: Any, worker: Any) -> None:
        if self.runtime is not None:
            self.runtime.close()  # gives the lease up so another replica takes over at once

    def _serve_metrics(self, server: Any) -> None:
        from bot import metrics

        metrics.serve(self.settings.host, self.settings.metrics_port or 0)
        logger.info(
            "metrics of %d workers on http://%s:%d/metrics",
            self.settings.web_concurrency,
            self.settings.host,
            self.settings.metrics_port,
        )

    def _on_child_exit(self, server: Any, worker: Any) -> None:
        from bot import metrics

        metrics.process_gone(worker.pid)


def serve(settings: Settings) -> None:
    metrics_dir, created = None, False
    if settings.metrics_port is not None and (
        settings.web_concurrency > 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    ):
        metrics_dir, created = _multiprocess_metrics_dir()
    master = os.getpid()
    try:
        QuizServer(settings, metrics_dir=metrics_dir).run()
    finally:
        # gunicorn's workers are forks that leave through this same frame (SystemExit): only
        # the master, at the very end, removes the directory the workers write their samples to.
        if created and os.getpid() == master:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _multiprocess_metrics_dir() -> tuple[str, bool]:
    """Point prometheus_client's multiprocess mode at a directory before anything imports it
    (the workers inherit the setting through the fork): the operator's PROMETHEUS_MULTIPROC_DIR,
    emptied of a previous run's samples, or a fresh one, to remove at exit (created: True)."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)
        for stale in glob.glob(os.path.join(path, "*.db")):
            os.remove(stale)
        return path, False
    path = tempfile.mkdtemp(prefix="leader-quiz-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path, True
