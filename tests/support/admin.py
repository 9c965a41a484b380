"""The dashboard in tests: the environment that turns sign-in on, signing in through the fake
Slack's OpenID Connect pages (with `requests`, or a real browser), and a team's worth of
answers played through the real app (signed clicks over HTTP)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import requests

from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.installs import SESSION_KEY
from tests.support.messages import buttons, correct_letter, question_for, shown_options, unescape
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

SESSION_COOKIE = "lq_admin"


def sign_in_env(fake: FakeSlack, **extra: str) -> dict[str, str]:
    """What turns sign-in on beside a bot token (single-workspace mode)."""
    return {
        "SLACK_CLIENT_ID": fake.client_id,
        "SLACK_CLIENT_SECRET": fake.client_secret,
        "ADMIN_SESSION_KEY": SESSION_KEY,
        **extra,
    }


def register(fake: FakeSlack, app: InProcessApp) -> None:
    """The app's redirect URL, as its Slack settings (the manifest) list it."""
    fake.sign_in_redirects.add(f"{app.base_url}/admin/callback")


def sign_in(
    fake: FakeSlack, app: InProcessApp, *, user: str, team: str, browser: requests.Session | None = None
) -> tuple[requests.Session, requests.Response]:
    """Click "Sign in with Slack", allow on Slack's page, come back: the browser and the
    callback's answer (303 to /admin when signed in)."""
    browser = browser or requests.Session()
    register(fake, app)
    fake.prepare_sign_in(user, team)
    start = browser.get(f"{app.base_url}/admin/signin/slack", allow_redirects=False, timeout=10)
    assert start.status_code == 302, start.text[:300]
    allowed = browser.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert allowed.status_code == 302, allowed.text[:300]
    back = browser.get(allowed.headers["Location"], allow_redirects=False, timeout=10)
    return browser, back


def csrf_of(page_html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page_html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


@dataclass
class Played:
    """What `play_team` seeded: per quiz day, answers and right answers; the questions."""

    days: list[dt.date] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    right: list[int] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    strong: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)


def play_team(
    app: InProcessApp, fake: FakeSlack, clock: FakeClock, *, team: str = "T0001", channel: str = "CQUIZ"
) -> Played:
    """30 people answer 5 daily questions (a week apart), by signed clicks over HTTP: 10 strong
    players right on questions 1, 2, 3 and 5; 20 weak ones right only on 3 and 4. On question 4
    the strong ones all pick the same wrong option: the shape of a bad key. Question 3 everyone
    gets right: a give-away."""
    sender = SlackSender(base_url=app.base_url, response_url_for=fake.response_url, team_id=team)
    played = Played(
        strong=[f"US{n:02d}" for n in range(10)],
        weak=[f"UW{n:02d}" for n in range(20)],
    )
    first = dt.date(2026, 11, 2)  # a Monday
    for number in range(5):
        day = first + dt.timedelta(weeks=number)
        clock.set(dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC))
        app.runtime.posts.post_daily(
            team_id=team, channel_id=channel, quiz_day=day, timezone="UTC", fence=None
        )
        message = fake.messages(channel)[-1]
        question = question_for(message)
        right = correct_letter(message)
        shown = shown_options(message)
        first_wrong = next(option.text for option in question.options if not option.correct)
        wrong = next(letter for letter, text in shown.items() if unescape(text) == first_wrong)
        values = buttons(message)
        clock.set(dt.datetime.combine(day, dt.time(9, 5), tzinfo=dt.UTC))
        strong_right = number != 3
        weak_right = number in (2, 3)
        for user in played.strong:
            response = sender.click(
                value=values[right if strong_right else wrong], user=user, channel=channel
            )
            assert response.status_code == 200, response.text[:200]
        for user in played.weak:
            response = sender.click(value=values[right if weak_right else wrong], user=user, channel=channel)
            assert response.status_code == 200, response.text[:200]
        played.days.append(day)
        played.questions.append(question.id)
        played.answered.append(30)
        played.right.append(10 * strong_right + 20 * weak_right)
    assert app.runtime.outbox.drain(timeout=60)
    return played
