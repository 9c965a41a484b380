"""The app under test, over real HTTP on 127.0.0.1: in-process (threaded WSGI server, the
same WSGI app gunicorn serves, with injectable clocks) or as a `leader-quiz serve`
process under gunicorn."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests

from bot.clock import Clock
from bot.config import Settings, load_settings
from bot.runtime import Runtime, build_runtime, build_web_app
from db.clock import DatabaseClock
from tests.support.slack_requests import SIGNING_SECRET

BOT_TOKEN = "xoxb-1111-2222-testtokensecretvalue"
SERVE_LOGS: list[Path] = []  # every serve process's log, scanned for secrets at the end


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_env(*, api_url: str, database_url: str, **extra: str) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "COUNT_UPDATE_SECONDS": "0.5",
        "ADMIN_CACHE_SECONDS": "60",
        # One worker unless a test asks for more: its default is one per core, and a test
        # that kills `serve` by pid must reach the only process holding the port.
        "WEB_CONCURRENCY": "1",
    }
    env.update(extra)
    return env


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class InProcessApp:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        database_clock: DatabaseClock | None = None,
        start_scheduler: bool = False,
    ) -> None:
        self.settings = settings
        self.runtime: Runtime = build_runtime(settings, clock=clock, database_clock=database_clock)
        self.wsgi = build_web_app(self.runtime)
        self.bolt = self.wsgi.bolt
        self.server = make_server(
            "127.0.0.1", 0, self.wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        if start_scheduler:
            self.runtime.scheduler.start()

    @classmethod
    def from_env(cls, env: dict[str, str], **kwargs: object) -> InProcessApp:
        return cls(load_settings(env), **kwargs)  # type: ignore[arg-type]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.runtime.close()


class ServeProcess:
    """`leader-quiz serve` as a real process (gunicorn, migrations at start)."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        *,
        command: list[str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        SERVE_LOGS.append(log_path)
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "bot", "serve"],
            env=self.env,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes gunicorn's worker too
        )

    def wait_healthy(self, timeout: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                response = requests.get(f"{self.base_url}/healthz", timeout=1)
                if response.status_code == 200:
                    return response.json()
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise AssertionError(f"serve never became healthy:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()
