"""Thousands of correctly signed but arbitrary slash commands and block_actions payloads:
never a 5xx, never an unhandled exception in the logs, and the app healthy afterwards."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from urllib.parse import urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.admin import SESSION_COOKIE, csrf_of, sign_in, sign_in_env
from tests.support.fake_slack import FakeSlack
from tests.support.servers import BOT_TOKEN, InProcessApp, app_env
from tests.support.slack_requests import SlackSender

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
    derandomize=os.environ.get("CI") == "true",  # reproducible in CI; exploring elsewhere
)
SENT = {"count": 0}

words = st.sampled_from(
    [
        "",
        "practice",
        "stats",
        "leaderboard",
        "help",
        "lessons",
        "schedule",
        "post",
        "status",
        "off",
        "week",
        "month",
        "all",
        "09:00",
        "25:00",
        "UTC",
        "Mars/Base",
        "mon-fri",
        "funday",
        "<@U123>",
        "<@U1|x>",
        "<#C1>",
        "3",
        "basics",
        "💥",
        "\u0000",
        "--json",
        "'; DROP TABLE answers;--",
    ]
)
command_texts = st.one_of(
    st.text(max_size=300),
    st.lists(words, max_size=6).map(" ".join),
    st.lists(st.one_of(words, st.text(max_size=12)), max_size=5).map(" ".join),
)
# Mostly well-formed ids (so requests reach the listeners), sometimes anything at all.
ids = st.one_of(
    st.sampled_from(["U1", "UADMIN", "UOWNER", "W9"]),
    st.from_regex(r"[UW][A-Z0-9]{1,12}", fullmatch=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture
def post_id(app: InProcessApp) -> int:
    outcome = app.runtime.posts.post_daily(
        team_id="T0001", channel_id="CFUZZ", quiz_day=dt.date(2026, 11, 26), timezone="UTC", fence=None
    )
    return outcome.post_id


def check(response: requests.Response) -> None:
    SENT["count"] += 1
    assert response.status_code < 500, (response.status_code, response.text[:200])
    assert "Traceback" not in response.text


def test_fuzz_slash_commands(
    app: InProcessApp,
    slack: SlackSender,
    post_id: int,
    caplog: pytest.LogCaptureFixture,
    fake_slack: FakeSlack,
) -> None:
    caplog.set_level(logging.WARNING)

    @FUZZ
    @given(
        text=command_texts,
        user=ids,
        channel=st.one_of(st.just("CFUZZ"), st.just("CFUZZ2"), st.text(max_size=20)),
    )
    def run(text: str, user: str, channel: str) -> None:
        check(slack.command(text, user=user or "U1", channel=channel))

    run()
    # Replies go to the response_url; only admin subcommands call Slack (users.info), and not
    # necessarily in every run: the block-action fuzz below is the one that must reach Slack.
    assert_healthy(app, caplog, fake_slack, reaches_slack=False)


def test_fuzz_block_actions(
    app: InProcessApp,
    slack: SlackSender,
    post_id: int,
    caplog: pytest.LogCaptureFixture,
    fake_slack: FakeSlack,
) -> None:
    caplog.set_level(logging.WARNING)
    values = st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda p, letter: f"{p}:{letter}",
            st.sampled_from([post_id, post_id + 1, 0, -1, 10**15]),
            st.text(max_size=3),
        ),
        st.builds(
            lambda q, seed, letter: f"p:{q}:{seed}:{letter}",
            st.sampled_from(["basics-1", "nope", ""]),
            st.integers(-5, 10**13),
            st.text(max_size=2),
        ),
    )
    action_ids = st.one_of(
        st.sampled_from([f"answer_{c}" for c in "ABCDE"] + [f"practice_{c}" for c in "ABCDE"]),
        st.text(max_size=20),
    )

    @FUZZ
    @given(
        value=values,
        action_id=action_ids,
        user=ids,
        channel=st.one_of(st.none(), st.just("CFUZZ"), st.text(max_size=12)),
        # Half the payloads keep Slack's shape (so clicks reach the listeners and Slack is
        # called back); the rest get one or two parts replaced by anything at all.
        extra=st.one_of(
            st.just({}),
            st.dictionaries(
                st.sampled_from(["team", "channel", "container", "message", "user"]), json_values, max_size=2
            ),
        ),
    )
    def run(value: str, action_id: str, user: str, channel: str | None, extra: dict) -> None:
        payload = slack.action_payload(action_id=action_id, value=value, user=user or "U1", channel=channel)
        payload.update(extra)
        check(slack.post_raw(urlencode({"payload": json.dumps(payload)})))

    run()
    assert_healthy(app, caplog, fake_slack)


def test_fuzz_raw_payloads(
    app: InProcessApp, slack: SlackSender, caplog: pytest.LogCaptureFixture, fake_slack: FakeSlack
) -> None:
    caplog.set_level(logging.WARNING)

    @FUZZ
    @given(payload=json_values, as_json_body=st.booleans())
    def run(payload: object, as_json_body: bool) -> None:
        if as_json_body:
            check(slack.post_raw(json.dumps(payload), content_type="application/json"))
        else:
            check(slack.post_raw(urlencode({"payload": json.dumps(payload)})))

    run()
    assert_healthy(app, caplog, fake_slack, reaches_slack=False)


def assert_healthy(
    app: InProcessApp, caplog: pytest.LogCaptureFixture, fake_slack: FakeSlack, *, reaches_slack: bool = True
) -> None:
    """After the fuzz: nothing logged as an error, the app healthy, and every Web API call the
    fuzzed requests caused was made with the bot's own token (none unauthenticated)."""
    assert app.runtime.outbox.drain(timeout=60)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == [], [r.getMessage() for r in errors[:5]]
    health = requests.get(f"{app.base_url}/healthz", timeout=5).json()
    assert health["status"] == "ok"
    api_calls = [c for c in fake_slack.calls() if c.method != "response_url"]
    if reaches_slack:  # the well-formed share of the fuzz reaches listeners that call Slack back
        caused = [
            c for c in fake_slack.calls() if c.method in ("response_url", "users.info", "views.publish")
        ]
        assert caused, "the fuzzed requests caused no Web API call, so none was checked"
    unauthenticated = [c.method for c in api_calls if c.headers.get("Authorization") != f"Bearer {BOT_TOKEN}"]
    assert unauthenticated == []
    assert not [
        c for c in api_calls if isinstance(c.response, dict) and c.response.get("error") == "not_authed"
    ]


ADMIN_PATHS = [
    "",
    "/",
    "/learning",
    "/questions",
    "/reports",
    "/reports/resolve",
    "/schedules",
    "/schedules/remove",
    "/changes",
    "/signin",
    "/callback",
    "/static/admin.css",
    "/nope",
    "/../slack/events",
]


def test_fuzz_admin_routes(
    fake_slack: FakeSlack, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The dashboard's routes, signed in or not, with arbitrary methods, paths, queries, forms
    and cookies: never a 5xx, nothing logged as an error, and nothing changed by a form without
    its session's CSRF token."""
    caplog.set_level(logging.WARNING)
    env = {**app_env(api_url=fake_slack.api_url, database_url=database_url), **sign_in_env(fake_slack)}
    app = InProcessApp.from_env(env)
    try:
        browser, back = sign_in(fake_slack, app, user="UADMIN", team="T0001")
        assert back.status_code == 303
        cookie = browser.cookies.get(SESSION_COOKIE)
        token = csrf_of(browser.get(f"{app.base_url}/admin/schedules", timeout=10).text)
        channels_with_token: set[str] = set()
        texts = st.text(max_size=40)

        @FUZZ
        @given(
            method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE"]),
            path=st.one_of(
                st.sampled_from(ADMIN_PATHS),
                st.text(alphabet=st.characters(codec="ascii", min_codepoint=33), max_size=30).map(
                    lambda p: "/" + p
                ),
            ),
            query=st.dictionaries(
                st.sampled_from(["channel", "notice", "state", "code", "error", "x"]), texts, max_size=3
            ),
            form=st.dictionaries(
                st.sampled_from(["report", "channel", "time", "zone", "days", "y"]), texts, max_size=5
            ),
            csrf=st.sampled_from(["valid", "none", "forged"]),
            session=st.sampled_from(["valid", "none", "forged", "unsigned"]),
        )
        def run(method: str, path: str, query: dict, form: dict, csrf: str, session: str) -> None:
            if csrf == "valid":
                form["csrf"] = token
                if method == "POST" and session == "valid" and path.rstrip("/") == "/schedules":
                    channels_with_token.add(form.get("channel", "").strip().lstrip("#").upper())
            elif csrf == "forged":
                form["csrf"] = "A" * 43
            cookies = {
                "valid": {SESSION_COOKIE: cookie},
                "none": {},
                "forged": {SESSION_COOKIE: "x" * 43 + "." + "y" * 43},
                "unsigned": {SESSION_COOKIE: (cookie or "").rpartition(".")[0]},
            }[session]
            response = requests.request(
                method,
                f"{app.base_url}/admin{path}",
                params=query,
                data=form if method == "POST" else None,
                cookies=cookies,
                allow_redirects=False,
                timeout=10,
            )
            check(response)

        run()
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert errors == [], [r.getMessage() for r in errors[:5]]
        stored = {s.channel_id for s in app.runtime.schedules.list()}
        assert stored <= channels_with_token, "a schedule was set by a form without its CSRF token"
        assert requests.get(f"{app.base_url}/healthz", timeout=5).json()["status"] == "ok"
    finally:
        app.stop()
