"""`leader-quiz serve`: gunicorn (threaded worker) serving the WSGI app, the scheduler, and
Socket Mode when an app token is set.

One worker process with many threads: the scheduler and the count coalescing live in that
process, and several replicas coordinate through the database, not through gunicorn."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger

from bot.config import Settings

logger = logging.getLogger(__name__)


def build_wsgi(settings: Settings) -> tuple[Any, Any]:
    """Build the runtime, the Bolt app and the WSGI app; start the scheduler (and Socket Mode)."""
    from bot.runtime import build_runtime, build_web_app

    runtime = build_runtime(settings)
    wsgi = build_web_app(runtime)
    runtime.scheduler.start()
    runtime.serve_metrics()
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
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runtime: Any = None
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        config = {
            "bind": f"{s.host}:{s.port}",
            "workers": 1,
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
        for key, value in config.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        wsgi, self.runtime = build_wsgi(self.settings)
        return wsgi

    def _on_worker_exit(self, server: Any, worker: Any) -> None:
        if self.runtime is not None:
            self.runtime.close()  # gives the lease up so another replica takes over at once


def serve(settings: Settings) -> None:
    QuizServer(settings).run()
