"""Every row of SPEC §7 over HTTP with signed requests: what comes, what happens, and that
nothing is stored or lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import func, select

from bot.config import load_settings
from db.models import Answer, Post
from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, correct_letter
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

CHANNEL = "CBAD"
LESSONS = Path(__file__).resolve().parents[2] / "content" / "lessons"


def answers_stored(app: InProcessApp) -> int:
    with app.runtime.db.reading() as session:
        return session.execute(select(func.count(Answer.id))).scalar_one()


def posted_message(app: InProcessApp, fake: FakeSlack, channel: str = CHANNEL) -> dict:
    import datetime as dt

    outcome = app.runtime.posts.post_daily(
        team_id="T0001", channel_id=channel, quiz_day=dt.date(2026, 11, 26), timezone="UTC", fence=None
    )
    assert outcome.status.value == "posted"
    return fake.messages(channel)[-1]


def ephemeral_texts(fake: FakeSlack, user: str, count: int = 1) -> list[str]:
    calls = fake.wait_for_replies(count, user=user)
    return [block_texts(c.params.get("blocks") or []) for c in calls]


# -- signatures ------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["none", "wrong", "stale", "future", "garbage-timestamp", "other-body"])
def test_bad_signatures_get_401_and_store_nothing(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender, case: str
) -> None:
    message = posted_message(app, fake_slack)
    value = buttons(message)[correct_letter(message)]
    payload = slack.action_payload(action_id="answer_A", value=value, user="UEVE", channel=CHANNEL)
    body = urlencode({"payload": json.dumps(payload)})
    now = int(time.time())
    if case == "none":
        response = slack.post_raw(body, sign=False)
    elif case == "wrong":
        response = slack.post_raw(body, headers={"X-Slack-Signature": "v0=" + "0" * 64})
    elif case == "stale":
        response = slack.post_raw(body, timestamp=now - 6 * 60)
    elif case == "future":
        response = slack.post_raw(body, timestamp=now + 6 * 60)
    elif case == "garbage-timestamp":
        response = slack.post_raw(body, headers={"X-Slack-Request-Timestamp": "soon"})
    else:
        signed = slack.signed_headers("payload=%7B%7D", content_type="application/x-www-form-urlencoded")
        response = slack.post_raw(body, sign=False, headers=signed)
    assert response.status_code == 401
    time.sleep(0.3)
    assert answers_stored(app) == 0
    assert fake_slack.replies() == []


# -- malformed bodies ------------------------------------------------------------------
MALFORMED = {
    "empty": ("", "application/x-www-form-urlencoded"),
    "payload not JSON": ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    "payload a list": ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
    "payload without type": ("payload=%7B%22user%22%3A%7B%7D%7D", "application/x-www-form-urlencoded"),
    "block_actions without actions": (
        "payload=" + json.dumps({"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T0001"}}),
        "application/x-www-form-urlencoded",
    ),
    "actions not objects": (
        "payload=" + json.dumps({"type": "block_actions", "actions": ["x"], "user": {"id": "U1"}}),
        "application/x-www-form-urlencoded",
    ),
    "user a string": (
        "payload="
        + json.dumps({"type": "block_actions", "actions": [{"action_id": "answer_A"}], "user": "U1"}),
        "application/x-www-form-urlencoded",
    ),
    "unknown form shape": ("foo=bar&baz=1", "application/x-www-form-urlencoded"),
    "command without user": (
        "command=%2Fleader-quiz&team_id=T0001&text=stats",
        "application/x-www-form-urlencoded",
    ),
    "JSON not an object": ("[1, 2, 3]", "application/json"),
    "JSON without type": ('{"event": {}}', "application/json"),
    "JSON broken": ('{"type": ', "application/json"),
    "event without event": ('{"type": "event_callback"}', "application/json"),
    "text/plain": ("hello", "text/plain"),
    "not UTF-8": ("payload=\udcff", "application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_bodies_get_4xx_without_traceback(app: InProcessApp, slack: SlackSender, name: str) -> None:
    body, content_type = MALFORMED[name]
    raw = body.encode("utf-8", "surrogateescape")
    headers = slack.signed_headers(raw.decode("latin-1"), content_type=content_type)
    # Sign the exact bytes sent.
    ts = headers["X-Slack-Request-Timestamp"]
    import hmac
    from hashlib import sha256

    digest = hmac.new(slack.secret.encode(), b"v0:" + ts.encode() + b":" + raw, sha256).hexdigest()
    headers["X-Slack-Signature"] = f"v0={digest}"
    response = requests.post(f"{app.base_url}/slack/events", data=raw, headers=headers, timeout=10)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert "Traceback" not in response.text
    assert requests.get(f"{app.base_url}/healthz", timeout=5).status_code == 200


def test_oversized_body_is_refused_before_parsing(app: InProcessApp, slack: SlackSender) -> None:
    body = "payload=" + "x" * (app.settings.max_body_bytes + 10)
    response = slack.post_raw(body)
    assert response.status_code == 413
    assert answers_stored(app) == 0


def test_unknown_paths_and_methods(app: InProcessApp) -> None:
    assert requests.get(f"{app.base_url}/slack/events", timeout=5).status_code == 405
    assert requests.post(f"{app.base_url}/healthz", timeout=5).status_code == 405
    assert requests.get(f"{app.base_url}/admin", timeout=5).status_code == 404


# -- tampered or stale buttons -----------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    ["999999:A", "{post}:Z", "{post}:", "abc", "", "{post}:AB", "-1:A", "1" * 40 + ":A", "{post}:A:extra"],
)
def test_tampered_button_values_are_not_available_and_store_nothing(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender, value: str
) -> None:
    message = posted_message(app, fake_slack)
    post_id = next(iter(buttons(message).values())).split(":")[0]
    response = slack.click(
        value=value.format(post=post_id), user="UMALLORY", channel=CHANNEL, action_id="answer_A"
    )
    assert response.status_code == 200
    [reply] = ephemeral_texts(fake_slack, "UMALLORY")
    assert "That question is not available" in reply
    assert answers_stored(app) == 0


def test_a_post_of_another_channel_is_not_available(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    message = posted_message(app, fake_slack, channel="COTHER")
    value = buttons(message)[correct_letter(message)]
    slack.click(value=value, user="UMALLORY", channel=CHANNEL)
    assert "not available" in ephemeral_texts(fake_slack, "UMALLORY")[0]
    assert answers_stored(app) == 0


# -- the same click twice ----------------------------------------------------------------
def test_same_click_delivered_to_two_replicas_at_once_stores_one_answer(
    env: dict[str, str], fake_slack: FakeSlack
) -> None:
    first, second = InProcessApp.from_env(env), InProcessApp.from_env(env)
    try:
        message = posted_message(first, fake_slack)
        value = buttons(message)[correct_letter(message)]
        senders = [
            SlackSender(base_url=a.base_url, response_url_for=fake_slack.response_url)
            for a in (first, second)
        ]
        payload = senders[0].action_payload(
            action_id=f"answer_{correct_letter(message)}", value=value, user="UDUP", channel=CHANNEL
        )
        body = urlencode({"payload": json.dumps(payload)})
        barrier = threading.Barrier(4)
        statuses: list[int] = []

        def deliver(sender: SlackSender) -> None:
            barrier.wait()
            statuses.append(sender.post_raw(body).status_code)

        threads = [threading.Thread(target=deliver, args=(s,)) for s in senders * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 4
        replies = ephemeral_texts(fake_slack, "UDUP", count=4)
        assert sum("Correct!" in r for r in replies) == 1
        assert sum("You already answered" in r for r in replies) == 3
        assert answers_stored(first) == 1
        stats = first.runtime.stats.stats(team_id="T0001", channel_id=CHANNEL, user_id="UDUP").stats
        assert (stats.answered, stats.correct, stats.current_streak) == (1, 1, 1)
    finally:
        first.stop()
        second.stop()


# -- invalid content ---------------------------------------------------------------------
def test_serve_refuses_invalid_content_with_file_and_line(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "lessons"
    broken.mkdir()
    for lesson in LESSONS.glob("*.yaml"):
        (broken / lesson.name).write_text(lesson.read_text())
    seed = broken / "01-basics.yaml"
    text = seed.read_text().replace("        correct: true\n", "", 1)  # question 1 loses its answer
    seed.write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env={**os.environ, **env, "CONTENT_DIR": str(broken), "PORT": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "01-basics.yaml:" in done.stderr and "exactly one option must be correct" in done.stderr
    line = int(done.stderr.split("01-basics.yaml:")[1].split(":")[0])
    assert "options:" in text.splitlines()[line - 1]


def test_settings_reject_bad_values() -> None:
    from bot.config import ConfigError

    base = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    for bad, named in [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "nope"}, "SLACK_APP_TOKEN"),
        ({"PORT": "http"}, "PORT"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
        ({"LEASE_SECONDS": "5", "LEASE_RENEW_SECONDS": "6"}, "LEASE_RENEW_SECONDS"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY"),
        ({"WEB_CONCURRENCY": "two"}, "WEB_CONCURRENCY"),
        ({"HTTP_THREADS": "1.5"}, "HTTP_THREADS"),
    ]:
        with pytest.raises(ConfigError, match=named) as raised:
            load_settings({**base, **bad})
        assert "xoxp-user-token" not in str(raised.value)
    assert load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).socket_mode


def test_web_concurrency_defaults_to_the_usable_cores_at_most_four(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    base = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    for cores, workers in [(1, 1), (2, 2), (3, 3), (4, 4), (16, 4)]:
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid, n=cores: set(range(n)), raising=False)
        assert load_settings(base).web_concurrency == workers
        assert load_settings({**base, "WEB_CONCURRENCY": "1"}).web_concurrency == 1


def test_closed_question_click_counts_for_nothing(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender
) -> None:
    import datetime as dt

    message = posted_message(app, fake_slack)
    app.runtime.posts.post_daily(
        team_id="T0001", channel_id=CHANNEL, quiz_day=dt.date(2026, 11, 27), timezone="UTC", fence=None
    )
    right = correct_letter(message)
    slack.click(value=buttons(message)[right], user="ULATE", channel=CHANNEL)
    assert f"has closed; the answer was *{right}." in ephemeral_texts(fake_slack, "ULATE")[0]
    assert answers_stored(app) == 0
    with app.runtime.db.reading() as session:
        assert session.execute(select(func.count(Post.id))).scalar_one() == 2
