"""Prometheus metrics: `serve` with METRICS_PORT answers /metrics on its own port (never on the
Slack port), and the figures follow what happened: clicks by outcome, ack latency, Slack calls
by method and result, retries, daily posts, the lease; and the overdue gauge sees a question
that is due and not out, leader or not."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from bot.config import ConfigError, load_settings
from bot.runtime import Runtime, build_runtime
from db.queries.schedules import set_schedule
from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.messages import buttons
from tests.support.processes import children_of
from tests.support.servers import ServeProcess, free_port
from tests.support.slack_requests import SlackSender

CHANNEL = "CMETRICS"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    response = requests.get(url, timeout=5)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_for_metric(url: str, name: str, expected: float, timeout: float = 10.0, **labels: str) -> Samples:
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(url)
        if value(samples, name, **labels) == expected or time.monotonic() > deadline:
            return samples
        time.sleep(0.1)


def test_serve_reports_what_happened_on_the_metrics_port(
    env: dict[str, str], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    metrics_port = free_port()
    process = ServeProcess({**env, "METRICS_PORT": str(metrics_port)}, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        process.wait_healthy()
        slack = SlackSender(base_url=process.base_url, response_url_for=fake_slack.response_url)
        # Not on the Slack port.
        assert requests.get(f"{process.base_url}/metrics", timeout=5).status_code == 404

        assert slack.command("post", user="UADMIN", channel=CHANNEL).status_code == 200
        fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == CHANNEL)
        value_a = buttons(fake_slack.messages(CHANNEL)[0])["A"]
        # The first count update meets a 429 and is sent again after its Retry-After.
        fake_slack.fail_next("chat.update", status=429, retry_after=1)
        for user in ("U1", "U2", "U3", "U4"):
            assert slack.click(value=value_a, user=user, channel=CHANNEL).status_code == 200
        assert slack.click(value=value_a, user="U1", channel=CHANNEL).status_code == 200  # again
        assert slack.click(value="999999:A", user="U5", channel=CHANNEL).status_code == 200
        fake_slack.wait_for_replies(6)
        wait_for_metric(url, "leader_quiz_slack_calls_total", 7, method="response_url", result="ok")
        wait_for_metric(url, "leader_quiz_slack_calls_total", 1, method="chat.update", result="ok")
        samples = wait_for_metric(url, "leader_quiz_outbox_depth", 0, kind="count")  # sampled each second
    finally:
        process.stop()

    assert value(samples, "leader_quiz_clicks_total", outcome="recorded") == 4
    assert value(samples, "leader_quiz_clicks_total", outcome="already_answered") == 1
    assert value(samples, "leader_quiz_clicks_total", outcome="not_available") == 1
    assert value(samples, "leader_quiz_ack_seconds_count", kind="action") == 6
    assert value(samples, "leader_quiz_ack_seconds_count", kind="command") == 1
    # Every ack well inside Slack's 3 s: the 3 s bucket holds them all.
    assert value(samples, "leader_quiz_ack_seconds_bucket", kind="action", le="3.0") == 6
    # Every verdict went to its click's response_url; no Web API reply was needed.
    assert value(samples, "leader_quiz_slack_calls_total", method="response_url", result="ok") == 7
    assert value(samples, "leader_quiz_slack_calls_total", method="chat.postEphemeral", result="ok") == 0
    assert value(samples, "leader_quiz_slack_calls_total", method="chat.update", result="429") == 1
    assert value(samples, "leader_quiz_slack_retries_total", reason="429") == 1
    assert value(samples, "leader_quiz_slack_calls_total", method="chat.postMessage", result="ok") == 1
    assert value(samples, "leader_quiz_daily_posts_total", result="posted") == 1
    assert value(samples, "leader_quiz_leader") == 1
    assert value(samples, "leader_quiz_fencing_token") >= 1
    assert value(samples, "leader_quiz_outbox_depth", kind="reply") == 0
    assert ("leader_quiz_outbox_late_seconds", frozenset({("kind", "post")})) in samples
    assert ("leader_quiz_posts_overdue_seconds", frozenset()) in samples


def test_metrics_port_must_not_be_the_slack_port(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="METRICS_PORT must differ from PORT"):
        load_settings({**env, "PORT": "3000", "METRICS_PORT": "3000"})
    with pytest.raises(ConfigError, match="METRICS_PORT must be a TCP port"):
        load_settings({**env, "METRICS_PORT": "metrics"})
    assert load_settings(env).metrics_port is None


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def runtime(env: dict[str, str], fake_slack: FakeSlack) -> Iterator[Runtime]:
    clock = FakeClock(dt.datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN))  # a Monday
    fake_slack.clock = clock.now
    # A claim is stale after 4 s here, so a claimer that keeps failing gives up after 3 s.
    made = build_runtime(load_settings({**env, "CLAIM_STALE_SECONDS": "4"}), clock=clock)
    with made.db.writing() as session:
        for channel, hour in ((CHANNEL, 9), ("CLATER", 17)):
            set_schedule(
                session=session,
                team_id="T0001",
                channel_id=channel,
                hour=hour,
                minute=0,
                timezone="Europe/Berlin",
                days="daily",
                now=clock.now(),
            )
    yield made
    made.close()


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_overdue_gauge_counts_from_the_schedule_until_the_question_is_out(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    clock, scheduler = runtime.clock.local, runtime.scheduler  # the database's clock follows it
    assert isinstance(clock, FakeClock)
    assert scheduler.overdue_seconds() == 0  # nothing due yet
    clock.set(dt.datetime(2026, 11, 23, 9, 12, tzinfo=BERLIN))
    # No replica leads: nothing was posted, and the gauge (read from the database) says so.
    assert scheduler.overdue_seconds() == 12 * 60
    posted = counted("leader_quiz_daily_posts_total", result="posted")
    failed = counted("leader_quiz_daily_posts_total", result="failed")

    # Slack keeps failing the post: the claimed row is not a message in the channel, still overdue.
    fake_slack.fail_next("chat.postMessage", status=500, times=3)
    scheduler.heartbeat()
    scheduler.run_due()
    assert counted("leader_quiz_daily_posts_total", result="failed") == failed + 1
    clock.advance(minutes=2)
    assert scheduler.overdue_seconds() == 14 * 60

    # The claim goes stale and the leader finishes it: the question is out, the gauge is 0.
    scheduler.heartbeat()
    scheduler.run_due()
    assert len(fake_slack.messages(CHANNEL)) == 1
    assert counted("leader_quiz_daily_posts_total", result="posted") == posted + 1
    assert scheduler.overdue_seconds() == 0
    scheduler.sample_overdue()
    assert counted("leader_quiz_posts_overdue_seconds") == 0


def clicks_by_process(directory: Path) -> dict[str, float]:
    """Recorded clicks per worker pid, read from each worker's own multiprocess sample file."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    found: dict[str, float] = {}
    for path in directory.glob("counter_*.db"):
        alone = directory.parent / f"one-{path.stem}"
        alone.mkdir(exist_ok=True)
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        recorded = registry.get_sample_value("leader_quiz_clicks_total", {"outcome": "recorded"}) or 0.0
        if recorded:
            found[path.stem.removeprefix("counter_")] = recorded
    return found


def post_and_click(process: ServeProcess, fake_slack: FakeSlack) -> Callable[[str], int]:
    """Post today's question through the slash command; a function that clicks A as a person,
    each time on a fresh connection (so that any of gunicorn's workers may take it)."""
    admin = SlackSender(base_url=process.base_url, response_url_for=fake_slack.response_url)
    assert admin.command("post", user="UADMIN", channel=CHANNEL).status_code == 200
    fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == CHANNEL)
    value_a = buttons(fake_slack.messages(CHANNEL)[0])["A"]

    def click(user: str) -> int:
        sender = SlackSender(base_url=process.base_url, response_url_for=fake_slack.response_url)
        return sender.click(value=value_a, user=user, channel=CHANNEL).status_code

    return click


def test_several_workers_are_replicas_and_the_master_sums_their_metrics(
    env: dict[str, str], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    metrics_port = free_port()
    samples_dir = tmp_path / "samples"
    serve_env = {
        **env,
        "WEB_CONCURRENCY": "2",
        "METRICS_PORT": str(metrics_port),
        "PROMETHEUS_MULTIPROC_DIR": str(samples_dir),
    }
    process = ServeProcess(serve_env, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        process.wait_healthy()
        click = post_and_click(process, fake_slack)
        # Clicks on fresh connections from several threads, until both workers took some.
        users: list[str] = []

        with ThreadPoolExecutor(8) as pool:
            while len(clicks_by_process(samples_dir)) < 2 and len(users) < 400:
                batch = [f"UW{len(users) + n:04d}" for n in range(16)]
                users += batch
                assert set(pool.map(click, batch)) == {200}
        by_process = clicks_by_process(samples_dir)
        assert len(by_process) == 2, f"one worker took every click: {by_process}"
        fake_slack.wait_for_replies(len(users) + 1, timeout=30)  # and the slash command's
        assert set(users) <= set(fake_slack.replied_users())
        # Every click's verdict, and the reply to the slash command that posted the question.
        wait_for_metric(
            url, "leader_quiz_slack_calls_total", len(users) + 1, method="response_url", result="ok"
        )
        samples = wait_for_metric(url, "leader_quiz_leader", 1)  # sampled each second

        # A worker killed: gunicorn starts another; the dead one's live gauges leave the sum,
        # its clicks stay counted.
        gone = int(next(iter(by_process)))
        os.kill(gone, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while list(samples_dir.glob(f"gauge_live*_{gone}.db")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not list(samples_dir.glob(f"gauge_live*_{gone}.db")), "a dead worker's gauges still count"
        after = scrape(url)
    finally:
        process.stop()

    # The master's endpoint is the sum over both workers, each of which took some of the clicks.
    assert sum(by_process.values()) == value(samples, "leader_quiz_clicks_total", outcome="recorded")
    assert value(samples, "leader_quiz_clicks_total", outcome="recorded") == len(users)
    assert value(after, "leader_quiz_clicks_total", outcome="recorded") == len(users)
    assert value(samples, "leader_quiz_ack_seconds_count", kind="action") == len(users)
    assert (
        value(samples, "leader_quiz_slack_calls_total", method="response_url", result="ok") == len(users) + 1
    )
    # The workers are replicas: one holds the lease; the one question was posted once.
    assert value(samples, "leader_quiz_leader") == 1
    assert len(fake_slack.messages(CHANNEL)) == 1
    replies = fake_slack.replied_users()
    assert len(replies) == len(set(replies)), "a click was replied to twice"
    log = process.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


def test_a_worker_that_stops_cleanly_leaves_the_samples_of_the_others(
    env: dict[str, str], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """Without PROMETHEUS_MULTIPROC_DIR serve makes its own directory for the workers' samples;
    a worker leaving cleanly (SIGTERM: gunicorn replaces it) must not take the directory with it."""
    metrics_port = free_port()
    serve_env = {**env, "WEB_CONCURRENCY": "2", "METRICS_PORT": str(metrics_port)}
    serve_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = ServeProcess(serve_env, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        process.wait_healthy()
        click = post_and_click(process, fake_slack)

        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(click, [f"UBEFORE{n}" for n in range(12)])) == {200}
            before = set(children_of(process.process.pid))
            assert len(before) == 2
            os.kill(min(before), signal.SIGTERM)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                now = set(children_of(process.process.pid))
                if len(now) == 2 and now != before:
                    break
                time.sleep(0.2)
            assert len(now) == 2 and now != before, "gunicorn did not replace the worker"
            process.wait_healthy()
            assert set(pool.map(click, [f"UAFTER{n}" for n in range(12)])) == {200}
        samples = wait_for_metric(url, "leader_quiz_clicks_total", 24, outcome="recorded")
    finally:
        process.stop()
    assert value(samples, "leader_quiz_clicks_total", outcome="recorded") == 24
    log = process.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
