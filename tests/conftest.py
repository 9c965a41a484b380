"""Shared fixtures: a fresh database per test, the fake Slack Web API, the app over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logging_setup import RedactSecrets
from tests.support.databases import DatabaseFactory
from tests.support.fake_slack import FakeSlack
from tests.support.installs import SESSION_KEY, TOKEN_KEY
from tests.support.servers import BOT_TOKEN, SERVE_LOGS, InProcessApp, app_env
from tests.support.slack_requests import SIGNING_SECRET, SlackSender

# The fake's workspace tokens all carry these markers; TOKEN_KEY encrypts them at rest.
SECRETS = (
    BOT_TOKEN,
    SIGNING_SECRET,
    TOKEN_KEY,
    SESSION_KEY,
    "faketokenvalue",
    "fakerefresh",
    "fake-client-secret",
    "fakeusertoken",  # the fake's Sign in with Slack user tokens (never stored, never logged)
)


class SecretWatch(logging.Handler):
    """Sees every log record of the whole run, DEBUG included, and keeps any that shows a secret."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a record that cannot be formatted shows nothing
            return
        if any(secret in text for secret in SECRETS):
            self.leaks.append(text[:300])


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_any_log() -> Iterator[None]:
    """Fails the run if a token or the signing secret reaches any log, in this process or in
    a `leader-quiz serve` process the tests started."""
    watch = SecretWatch()
    # The watch sees what `serve` would print: records pass the app's own redaction first.
    watch.addFilter(
        RedactSecrets([BOT_TOKEN, SIGNING_SECRET, TOKEN_KEY, SESSION_KEY, FakeSlack().client_secret])
    )
    root = logging.getLogger()
    previous = root.level
    root.addHandler(watch)
    root.setLevel(logging.DEBUG)
    yield
    root.removeHandler(watch)
    root.setLevel(previous)
    assert watch.leaks == [], f"secrets in logs: {watch.leaks[:3]}"
    for path in SERVE_LOGS:
        if path.exists():
            text = path.read_text(errors="replace")
            assert not any(secret in text for secret in SECRETS), f"a secret reached {path}"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk honours HTTP(S)_PROXY but not NO_PROXY: keep loopback traffic local.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.close()


@pytest.fixture
def database_url(database_factory: DatabaseFactory) -> Iterator[str]:
    url = database_factory.new()
    yield url
    database_factory.drop(url)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """The fake Slack, enforcing Slack's published limits; every Web API call the app made
    must have passed its budget gate."""
    with FakeSlack(admins={"UADMIN"}, owners={"UOWNER"}) as fake:
        yield fake
    assert [call.method for call in fake.ungated] == [], "Web API calls that skipped the budget gate"
    assert [call.method for call in fake.refused_views] == [], "views Slack would have refused"


@pytest.fixture
def env(fake_slack: FakeSlack, database_url: str) -> dict[str, str]:
    return app_env(api_url=fake_slack.api_url, database_url=database_url)


@pytest.fixture
def app(env: dict[str, str]) -> Iterator[InProcessApp]:
    server = InProcessApp.from_env(env)
    yield server
    server.stop()


@pytest.fixture
def slack(app: InProcessApp, fake_slack: FakeSlack) -> SlackSender:
    return SlackSender(base_url=app.base_url, response_url_for=fake_slack.response_url)


@pytest.fixture
def tmp_log(tmp_path: Path) -> Path:
    return tmp_path / "serve.log"
