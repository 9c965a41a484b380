"""Multi-workspace mode in tests: the environment a deployment sets, and a person clicking
through "Add to Slack" (the app's install page, Slack's authorize page on the fake, the
redirect back to the app) in a browser that keeps cookies."""

from __future__ import annotations

import html
import re

import requests

from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import SIGNING_SECRET

TOKEN_KEY = "SIs7LsXCXYtVbVMwcXsrE5ll4BSzVR4mYxEuZ9ryEIU="  # a Fernet key for tests only
SESSION_KEY = "test-admin-session-key-0123456789abcdef"  # signs dashboard sessions in tests


def multi_env(*, fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    env = {
        "SLACK_CLIENT_ID": fake.client_id,
        "SLACK_CLIENT_SECRET": fake.client_secret,
        "TOKEN_ENCRYPTION_KEY": TOKEN_KEY,
        "ADMIN_SESSION_KEY": SESSION_KEY,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "COUNT_UPDATE_SECONDS": "0.5",
    }
    env.update(extra)
    return env


def add_to_slack(
    fake: FakeSlack,
    *,
    start_at: str,
    finish_at: str | None = None,
    team_id: str | None,
    enterprise_id: str | None = None,
    org: bool = False,
    rotation: bool = False,
    expires_in: int = 43200,
    browser: requests.Session | None = None,
) -> requests.Response:
    """Install the app the way a person does: open `start_at`/slack/install, follow "Add to
    Slack" to the authorize page, and come back to `finish_at` (another replica, if given)."""
    browser = browser or requests.Session()
    fake.prepare_install(
        team_id, enterprise_id=enterprise_id, org=org, rotation=rotation, expires_in=expires_in
    )
    fake.redirect_url = f"{finish_at or start_at}/slack/oauth_redirect"
    page = browser.get(f"{start_at}/slack/install", timeout=10)
    assert page.status_code == 200, page.text[:300]
    # Bolt's state cookie is `Secure`; browsers keep it on http://localhost, requests does not.
    cookie = re.match(r"([^=;]+)=([^;]*)", page.headers.get("Set-Cookie", ""))
    assert cookie, "the install page set no state cookie"
    browser.cookies.set(cookie.group(1), cookie.group(2))
    match = re.search(r'href="([^"]*oauth/v2/authorize[^"]*)"', page.text)
    assert match, "the install page has no Add to Slack link"
    allowed = browser.get(html.unescape(match.group(1)), allow_redirects=False, timeout=10)
    assert allowed.status_code == 302, allowed.text[:300]
    return browser.get(allowed.headers["Location"], timeout=10)
