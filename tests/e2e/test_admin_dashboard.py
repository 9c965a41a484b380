"""The lead's dashboard (SPEC §13) in a real browser (Playwright driving the OS's Chromium):
Sign in with Slack through the fake's OpenID Connect pages, the charts showing the numbers the
test played through the real app (with JavaScript off, read from the SVG), a report resolved,
and the guards: a tampered state, a form without its CSRF token, a non-admin, the session id
rotating, idle expiry, the 10-minute admin re-check, and another workspace's data never shown.
Each run saves a screenshot of every page under docs/ (the README shows them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import select

from db.models import AdminAudit
from db.queries.answers import record_review
from quiz.question_quality import MIN_STRONG
from tests.support import browser as browsers
from tests.support.admin import SESSION_COOKIE, Played, csrf_of, play_team, register, sign_in, sign_in_env
from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.installs import add_to_slack, multi_env
from tests.support.messages import buttons, correct_letter, question_for
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

DOCS = Path(__file__).resolve().parents[2] / "docs"
CHANNEL = "CQUIZ"
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    yield from browsers.launch()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def dashboard(env: dict[str, str], fake_slack: FakeSlack, clock: FakeClock) -> Iterator[InProcessApp]:
    app = InProcessApp.from_env({**env, **sign_in_env(fake_slack)}, clock=clock)
    register(fake_slack, app)
    yield app
    app.stop()


def browser_sign_in(page, app: InProcessApp, fake: FakeSlack, *, user: str, team: str = "T0001"):  # type: ignore[no-untyped-def]
    """Open /admin, get sent to the sign-in page, click "Sign in with Slack" (the fake's authorize
    page allows at once and sends the browser back)."""
    fake.prepare_sign_in(user, team)
    page.goto(f"{app.base_url}/admin")
    assert page.url.endswith("/admin/signin")
    with page.expect_navigation():
        page.click("text=Sign in with Slack")
    return page


def session_cookie(context) -> dict:  # type: ignore[no-untyped-def]
    [cookie] = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    return cookie


def values(page, chart: str) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        f'svg[data-chart="{chart}"] [data-value]', "nodes => nodes.map(n => n.getAttribute('data-value'))"
    )


def labels(page, chart: str) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        f'svg[data-chart="{chart}"] [data-value]', "nodes => nodes.map(n => n.getAttribute('data-label'))"
    )


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / f"dashboard-{name}.png"), full_page=True)


def practise_later_lessons(app: InProcessApp, played: Played) -> None:
    """Reviews of a second lesson over the weeks (as practice answers are stored), so the learning
    chart has more than one line: the strong players get each card right twice, a day apart."""
    lesson = app.runtime.bank.lessons[1]
    with app.runtime.db.writing() as session:
        for week, question in enumerate(lesson.questions[:4]):
            for user in played.strong + played.weak[:5]:
                for offset in (0, 1):
                    at = dt.datetime(2026, 11, 3 + 7 * week + offset, 10, tzinfo=dt.UTC)
                    record_review(
                        session=session,
                        team_id="T0001",
                        user_id=user,
                        question_id=question.id,
                        correct=user in played.strong or offset == 1,
                        now=at,
                        source="practice",
                    )


def test_charts_show_the_numbers_played_with_javascript_off(
    dashboard: InProcessApp, fake_slack: FakeSlack, clock: FakeClock, browser
) -> None:  # type: ignore[no-untyped-def]
    played = play_team(dashboard, fake_slack, clock, channel=CHANNEL)
    practise_later_lessons(dashboard, played)
    clock.set(NOW)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1400, "height": 900})
    page = browser_sign_in(context.new_page(), dashboard, fake_slack, user="UADMIN")
    assert urlsplit(page.url).path == "/admin", page.content()[:500]
    cookie = session_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/admin"
    assert cookie["secure"] is False  # http://127.0.0.1 without PUBLIC_URL; https: see the unit test

    # Overview: answers and share right per quiz day, people per week, streaks.
    assert labels(page, "answers-per-day") == [day.isoformat() for day in played.days]
    assert values(page, "answers-per-day") == [str(n) for n in played.answered]
    shares = [float(v) for v in values(page, "share-right")]
    assert shares == pytest.approx(
        [r / a for r, a in zip(played.right, played.answered, strict=True)], abs=1e-4
    )
    active = dict(zip(labels(page, "active-people"), values(page, "active-people"), strict=True))
    assert {day.isoformat(): active[day.isoformat()] for day in played.days} == {
        day.isoformat(): "30" for day in played.days
    }
    # Strong players: right, right, right, wrong, right (1); weak: ..., right, wrong (0).
    assert dict(zip(labels(page, "streaks"), values(page, "streaks"), strict=True)) == {
        "0": "20",
        "1": "10",
        "2": "0",
        "3–4": "0",
        "5–9": "0",
        "10+": "0",
    }
    assert page.inner_text('[data-figure="people"]') == "30"
    assert page.eval_on_selector_all("script", "nodes => nodes.length") == 0
    shoot(page, "overview")

    # Questions: share right per question, the flags.
    page.click("nav >> text=Questions")
    rows = {q: page.locator(f'tr[data-question="{q}"]') for q in played.questions}
    bad_key, give_away = played.questions[3], played.questions[2]
    assert rows[bad_key].locator('[data-flag="bad-key"]').count() == 1
    assert rows[give_away].locator('[data-flag="give-away"]').count() == 1
    for question in played.questions[:2] + played.questions[4:]:
        assert rows[question].locator("[data-flag]").count() == 0
    chart = dict(zip(labels(page, "question-share-right"), values(page, "question-share-right"), strict=True))
    assert {q: float(chart[q]) for q in played.questions} == pytest.approx(
        {q: r / 30 for q, r in zip(played.questions, played.right, strict=True)}, abs=1e-4
    )
    assert MIN_STRONG <= 9  # ceil(27% of 30) strongest: all strong players
    shoot(page, "questions")

    # Learning: the last point of each lesson is what `insights` says is remembered now.
    page.click("nav >> text=Learning")
    insights = dashboard.runtime.insights.between(
        team_id="T0001", channel_id=CHANNEL, period="all", start=None, end=None
    )
    now_share = {lesson.lesson: lesson for lesson in insights.lessons if lesson.cards}
    drawn = page.eval_on_selector_all(
        'svg[data-chart="remembered"] g.series',
        "gs => gs.map(g => [g.getAttribute('data-series'), Array.from(g.querySelectorAll('[data-value]')).map(n => n.getAttribute('data-value'))])",
    )
    assert {name for name, _ in drawn} == set(now_share)
    for name, points in drawn:
        lesson = now_share[name]
        assert float(points[-1]) == pytest.approx(lesson.remembered / lesson.cards, abs=1e-4)
    assert any(float(v) > 0 for _, points in drawn for v in points), "nothing remembered in any week"
    shoot(page, "learning")
    context.close()


def test_resolving_a_report_and_forms_without_their_csrf_token(
    dashboard: InProcessApp, fake_slack: FakeSlack, clock: FakeClock, browser
) -> None:  # type: ignore[no-untyped-def]
    dashboard.runtime.posts.post_daily(
        team_id="T0001", channel_id=CHANNEL, quiz_day=dt.date(2026, 12, 1), timezone="UTC", fence=None
    )
    question = dashboard.runtime.bank.lessons[0].questions[0]
    note = '<script>alert("x")</script><img src=x onerror=alert(1)> Option B is also right & "quoted"'
    report = dashboard.runtime.problem_reports.file(
        team_id="T0001",
        user_id="UCAROL",
        channel_id=CHANNEL,
        question_id=question.id,
        option_index=1,
        note=note,
    )
    other = dashboard.runtime.problem_reports.file(
        team_id="T0001",
        user_id="UDAN",
        channel_id=CHANNEL,
        question_id=question.id,
        option_index=None,
        note="typo",
    )
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = browser_sign_in(context.new_page(), dashboard, fake_slack, user="UOWNER")
    page.click("nav >> text=Problem reports")
    row = page.locator(f'tr[data-report="{report}"]')
    # The note is shown as text, never as markup: no script or img came from it.
    assert row.locator("td.note").inner_text() == note
    assert page.eval_on_selector_all("main script, main img", "nodes => nodes.length") == 0
    shoot(page, "reports")

    # A POST without its CSRF token (or with another's) is refused and changes nothing.
    for form in ({"report": str(other)}, {"report": str(other), "csrf": "forged"}):
        refused = context.request.post(
            f"{dashboard.base_url}/admin/reports/resolve", form=form, max_redirects=0
        )
        assert refused.status == 403
    assert {r.id for r in dashboard.runtime.problem_reports.open(team_id="T0001")} == {report, other}

    with page.expect_navigation():
        row.locator("button", has_text="Resolve").click()
    assert "Report resolved." in page.inner_text("p.notice")
    assert page.locator(f'tr[data-report="{report}"]').count() == 0
    assert {r.id for r in dashboard.runtime.problem_reports.open(team_id="T0001")} == {other}

    # Schedules: a bad one names its bad part and saves nothing; a good one is saved and audited.
    page.click("nav >> text=Schedules")
    page.fill('input[name="channel"]', CHANNEL)
    page.fill('input[name="time"]', "25:00")
    page.fill('input[name="zone"]', "Mars/Base")
    with page.expect_navigation():
        page.click("text=Save schedule")
    assert "25:00" in page.inner_text('[role="alert"]')
    assert dashboard.runtime.schedules.get(team_id="T0001", channel_id=CHANNEL) is None
    page.fill('input[name="time"]', "09:30")
    page.fill('input[name="zone"]', "Europe/Berlin")
    page.fill('input[name="days"]', "mon-fri")
    with page.expect_navigation():
        page.click("text=Save schedule")
    saved = dashboard.runtime.schedules.get(team_id="T0001", channel_id=CHANNEL)
    assert saved is not None and (saved.hour, saved.minute, saved.timezone, saved.days) == (
        9,
        30,
        "Europe/Berlin",
        "mon-fri",
    )
    assert page.locator(f'tr[data-channel="{CHANNEL}"]').count() == 1
    shoot(page, "schedules")

    page.click("nav >> text=Changes")
    audit = page.inner_text('table[data-table="changes"]')
    assert "report.resolve" in audit and f"report {report}" in audit and "UOWNER" in audit
    assert "schedule.set" in audit and "09:30 Europe/Berlin mon-fri" in audit
    shoot(page, "changes")

    # Signing out ends the session: the old cookie opens nothing.
    old = session_cookie(context)["value"]
    with page.expect_navigation():
        page.click("text=Sign out")
    assert page.url.endswith("/admin/signin")
    replay = requests.get(f"{dashboard.base_url}/admin", cookies={SESSION_COOKIE: old}, allow_redirects=False)
    assert replay.status_code == 303 and replay.headers["Location"] == "/admin/signin"
    shoot(page, "signin")
    context.close()

    # `forget` takes the admin's name off the audit log (the record stays) and ends their sessions.
    assert "admin_audit" in dashboard.runtime.people.export(user_id="UOWNER", team_id=None)["tables"]
    again, _ = sign_in(fake_slack, dashboard, user="UOWNER", team="T0001")
    forgotten = dashboard.runtime.people.forget(user_id="UOWNER", team_id=None)
    assert forgotten.redacted["admin_audit"] == 2 and forgotten.deleted["admin_sessions"] == 1
    with dashboard.runtime.db.reading() as session:
        audit = session.execute(select(AdminAudit.action, AdminAudit.actor_id).order_by(AdminAudit.id)).all()
    assert [tuple(row) for row in audit] == [("report.resolve", None), ("schedule.set", None)]
    assert again.get(f"{dashboard.base_url}/admin", allow_redirects=False).status_code == 303


def test_a_tampered_state_signs_no_one_in(dashboard: InProcessApp, fake_slack: FakeSlack, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    fake_slack.prepare_sign_in("UADMIN", "T0001")
    page.goto(f"{dashboard.base_url}/admin/signin")
    # Stop at the callback: follow the redirects by hand, changing one character of `state`.
    start = context.request.get(f"{dashboard.base_url}/admin/signin/slack", max_redirects=0)
    allowed = context.request.get(start.headers["location"], max_redirects=0)
    callback = urlsplit(allowed.headers["location"])
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    state = query["state"]
    query["state"] = ("A" if state[0] != "A" else "B") + state[1:]
    tampered = page.goto(urlunsplit(callback._replace(query=urlencode(query))))
    assert tampered is not None and tampered.status == 403
    assert [c for c in context.cookies() if c["name"] == SESSION_COOKIE] == []
    assert page.goto(f"{dashboard.base_url}/admin").url.endswith("/admin/signin")
    # The real state, now, in another browser (no sign-in cookie): refused too; and it is spent.
    query["state"] = state
    genuine = urlunsplit(callback._replace(query=urlencode(query)))
    elsewhere = browser.new_context()
    assert elsewhere.new_page().goto(genuine).status == 403
    assert page.goto(genuine).status == 403  # single use: the other browser's try spent it
    assert [c for c in context.cookies() if c["name"] == SESSION_COOKIE] == []
    elsewhere.close()
    # A state that signed someone in is spent: replayed with its cookie, it never reaches Slack.
    person = requests.Session()
    fake_slack.prepare_sign_in("UADMIN", "T0001")
    start = person.get(f"{dashboard.base_url}/admin/signin/slack", allow_redirects=False, timeout=10)
    callback_url = requests.get(start.headers["Location"], allow_redirects=False, timeout=10).headers[
        "Location"
    ]
    browser_cookie = person.cookies.get("lq_admin_signin")
    assert person.get(callback_url, allow_redirects=False, timeout=10).status_code == 303
    exchanges = len(fake_slack.calls("openid.connect.token"))
    again = requests.get(
        callback_url, cookies={"lq_admin_signin": browser_cookie}, allow_redirects=False, timeout=10
    )
    assert again.status_code == 403 and f"{SESSION_COOKIE}=" not in again.headers.get("Set-Cookie", "")
    assert len(fake_slack.calls("openid.connect.token")) == exchanges
    # An id_token whose nonce is not the one this sign-in sent (a token replayed from another
    # sign-in) signs no one in either.
    fake_slack.forged_nonce = "a-nonce-from-another-sign-in"
    forged = browser_sign_in(page, dashboard, fake_slack, user="UADMIN")
    assert "could not be verified" in forged.content()
    assert [c for c in context.cookies() if c["name"] == SESSION_COOKIE] == []
    context.close()


def test_the_session_id_changes_at_sign_in_and_a_non_admin_gets_403(
    dashboard: InProcessApp, fake_slack: FakeSlack, browser
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    # A session id planted before sign-in (session fixation) is never adopted.
    host = urlsplit(dashboard.base_url).hostname
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": "planted.value", "domain": host, "path": "/admin"}]
    )
    page = browser_sign_in(context.new_page(), dashboard, fake_slack, user="UADMIN")
    first = session_cookie(context)["value"]
    assert first != "planted.value" and urlsplit(page.url).path == "/admin"
    fake_slack.prepare_sign_in("UADMIN", "T0001")
    with page.expect_navigation():
        page.goto(f"{dashboard.base_url}/admin/signin/slack")
    second = session_cookie(context)["value"]
    assert second != first
    old = requests.get(f"{dashboard.base_url}/admin", cookies={SESSION_COOKIE: first}, allow_redirects=False)
    assert old.status_code == 303  # the previous session ended at the new sign-in

    plain = browser.new_context()
    refused = browser_sign_in(plain.new_page(), dashboard, fake_slack, user="UPLAIN")
    assert "Only workspace admins and owners" in refused.content()
    assert [c for c in plain.cookies() if c["name"] == SESSION_COOKIE] == []
    response = plain.new_page().goto(f"{dashboard.base_url}/admin/callback?code=x&state=y")
    assert response.status == 403
    plain.close()
    context.close()


def test_sessions_expire_when_idle_and_end_when_no_longer_admin(
    dashboard: InProcessApp, fake_slack: FakeSlack, clock: FakeClock
) -> None:
    # Single-workspace mode serves the bot token's workspace only, whoever signs in elsewhere.
    _, foreign = sign_in(fake_slack, dashboard, user="UFOREIGN", team="TOTHER")
    assert foreign.status_code == 403 and "not installed in your workspace" in foreign.text
    browser, back = sign_in(fake_slack, dashboard, user="UADMIN", team="T0001")
    assert back.status_code == 303 and back.headers["Location"] == "/admin"
    assert browser.get(f"{dashboard.base_url}/admin", allow_redirects=False).status_code == 200
    checks = len(fake_slack.calls("users.info"))
    clock.advance(minutes=9)
    assert browser.get(f"{dashboard.base_url}/admin", allow_redirects=False).status_code == 200
    assert len(fake_slack.calls("users.info")) == checks  # not asked again within 10 minutes
    clock.advance(minutes=2)
    assert browser.get(f"{dashboard.base_url}/admin", allow_redirects=False).status_code == 200
    assert len(fake_slack.calls("users.info")) == checks + 1  # asked again after 10
    fake_slack.admins.discard("UADMIN")
    clock.advance(minutes=11)
    gone = browser.get(f"{dashboard.base_url}/admin", allow_redirects=False)
    assert gone.status_code == 303 and gone.headers["Location"] == "/admin/signin"

    fake_slack.admins.add("UADMIN")
    browser, back = sign_in(fake_slack, dashboard, user="UADMIN", team="T0001")
    assert back.status_code == 303
    clock.advance(minutes=31)
    idle = browser.get(f"{dashboard.base_url}/admin", allow_redirects=False)
    assert idle.status_code == 303 and idle.headers["Location"] == "/admin/signin"
    # Forms need a session: a POST with none is 403, whatever it carries.
    page = requests.get(f"{dashboard.base_url}/admin/schedules", allow_redirects=False)
    assert page.status_code == 303
    post = requests.post(f"{dashboard.base_url}/admin/schedules", data={"channel": CHANNEL, "csrf": "x"})
    assert post.status_code == 403


def test_sign_in_is_off_without_the_oauth_credentials(app: InProcessApp) -> None:
    response = requests.get(f"{app.base_url}/admin", timeout=5)
    assert response.status_code == 404 and "ADMIN_SESSION_KEY" in response.json()["error"]


def test_the_callback_needs_the_cookie_and_the_csrf_token_is_the_sessions(
    dashboard: InProcessApp, fake_slack: FakeSlack
) -> None:
    """Two admins' CSRF tokens differ; one's token does not pass the other's form."""
    one, _ = sign_in(fake_slack, dashboard, user="UADMIN", team="T0001")
    two, _ = sign_in(fake_slack, dashboard, user="UOWNER", team="T0001")
    token_one = csrf_of(one.get(f"{dashboard.base_url}/admin/schedules").text)
    token_two = csrf_of(two.get(f"{dashboard.base_url}/admin/schedules").text)
    assert token_one != token_two
    form = {"channel": CHANNEL, "time": "09:30", "zone": "UTC", "days": "daily", "csrf": token_one}
    assert (
        two.post(f"{dashboard.base_url}/admin/schedules", data=form, allow_redirects=False).status_code == 403
    )
    assert dashboard.runtime.schedules.get(team_id="T0001", channel_id=CHANNEL) is None
    assert (
        one.post(f"{dashboard.base_url}/admin/schedules", data=form, allow_redirects=False).status_code == 303
    )
    assert dashboard.runtime.schedules.get(team_id="T0001", channel_id=CHANNEL) is not None


W1, W2 = "TWONE", "TWTWO"
C1, C2 = "CONE", "CTWO"


def test_another_workspace_data_is_never_shown(
    fake_slack: FakeSlack, database_url: str, clock: FakeClock, browser
) -> None:  # type: ignore[no-untyped-def]
    """Multi-workspace mode: two workspaces installed through the fake's OAuth pages, each with a
    quiz channel, answers and a report. An admin of one sees only theirs, whatever they ask for,
    and their session ends when their workspace uninstalls the app."""
    app = InProcessApp.from_env(multi_env(fake=fake_slack, database_url=database_url), clock=clock)
    try:
        register(fake_slack, app)
        for team in (W1, W2):
            assert add_to_slack(fake_slack, start_at=app.base_url, team_id=team).status_code == 200
        reports = {}
        for team, channel in ((W1, C1), (W2, C2)):
            app.runtime.posts.post_daily(
                team_id=team, channel_id=channel, quiz_day=dt.date(2026, 12, 1), timezone="UTC", fence=None
            )
            message = fake_slack.messages(channel)[-1]
            sender = SlackSender(
                base_url=app.base_url, response_url_for=fake_slack.response_url, team_id=team
            )
            for n in range(3 if team == W1 else 7):
                value = buttons(message)[correct_letter(message)]
                assert sender.click(value=value, user=f"U{team[-3:]}{n}", channel=channel).status_code == 200
            reports[team] = app.runtime.problem_reports.file(
                team_id=team,
                user_id=f"U{team[-3:]}0",
                channel_id=channel,
                question_id=question_for(message).id,
                option_index=None,
                note=f"a note from {team}",
            )
        fake_slack.user_teams["UADMIN"] = W1
        context = browser.new_context(java_script_enabled=False)
        page = browser_sign_in(context.new_page(), app, fake_slack, user="UADMIN", team=W1)
        assert urlsplit(page.url).path == "/admin"
        assert f"#{C1}" in page.inner_text("h1") and C2 not in page.content()
        assert values(page, "answers-per-day") == ["3"]
        assert page.goto(f"{app.base_url}/admin?channel={C2}").status == 404
        assert page.goto(f"{app.base_url}/admin/questions?channel={C2}").status == 404
        page.goto(f"{app.base_url}/admin/reports")
        assert "a note from TWONE" in page.content() and "a note from TWTWO" not in page.content()
        # Resolving the other workspace's report by its id changes nothing there.
        token = csrf_of(page.content())
        done = context.request.post(
            f"{app.base_url}/admin/reports/resolve",
            form={"report": str(reports[W2]), "csrf": token},
            max_redirects=0,
        )
        assert done.status == 303 and "not-resolved" in done.headers["location"]
        assert [r.id for r in app.runtime.problem_reports.open(team_id=W2)] == [reports[W2]]
        # An admin of the other workspace is not an admin here: the sign-in says which workspace.
        assert [c.params["user"] for c in fake_slack.calls("users.info")] == ["UADMIN"]

        # The workspace uninstalls the app: its dashboard sessions end.
        sender = SlackSender(base_url=app.base_url, response_url_for=fake_slack.response_url, team_id=W1)
        assert sender.event({"type": "app_uninstalled"}).status_code == 200
        assert page.goto(f"{app.base_url}/admin").url.endswith("/admin/signin")
        context.close()
    finally:
        app.stop()


def test_behind_an_https_public_url_the_cookies_are_secure(
    env: dict[str, str], fake_slack: FakeSlack, clock: FakeClock
) -> None:
    public = "https://quiz.example.com"
    app = InProcessApp.from_env({**env, **sign_in_env(fake_slack, PUBLIC_URL=public)}, clock=clock)
    try:
        fake_slack.sign_in_redirects.add(f"{public}/admin/callback")
        fake_slack.prepare_sign_in("UADMIN", "T0001")
        start = requests.get(f"{app.base_url}/admin/signin/slack", allow_redirects=False, timeout=10)
        attributes = [part.strip() for part in start.headers["Set-Cookie"].split(";")]
        assert {"HttpOnly", "SameSite=Lax", "Secure", "Path=/admin"} <= set(attributes)
        assert parse_qs(urlsplit(start.headers["Location"]).query)["redirect_uri"] == [
            f"{public}/admin/callback"
        ]
        allowed = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
        back = urlsplit(allowed.headers["Location"])
        assert f"{back.scheme}://{back.netloc}" == public
        # The proxy in front of the app would pass this on; here it goes straight to the app.
        browser_secret = attributes[0].split("=", 1)[1]
        done = requests.get(
            f"{app.base_url}{back.path}?{back.query}",
            cookies={"lq_admin_signin": browser_secret},
            allow_redirects=False,
            timeout=10,
        )
        assert done.status_code == 303
        session = next(c for c in done.headers["Set-Cookie"].split(", lq_") if c.startswith(SESSION_COOKIE))
        assert {"HttpOnly", "SameSite=Lax", "Secure"} <= {part.strip() for part in session.split(";")}
    finally:
        app.stop()


def test_the_workspaces_own_lessons_listed_and_retired(
    dashboard: InProcessApp, fake_slack: FakeSlack, clock: FakeClock, browser
) -> None:  # type: ignore[no-untyped-def]
    example = Path(__file__).resolve().parents[2] / "docs" / "own-questions-example.yaml"
    assert dashboard.runtime.own.import_pack(team_id="T0001", target=example).imported
    dashboard.runtime.own.set_channel_use(team_id="T0001", channel_id=CHANNEL, use="both")
    dashboard.runtime.posts.post_daily(
        team_id="T0001", channel_id=CHANNEL, quiz_day=dt.date(2026, 12, 1), timezone="UTC", fence=None
    )
    message = fake_slack.messages(CHANNEL)[-1]
    sender = SlackSender(base_url=dashboard.base_url, response_url_for=fake_slack.response_url)
    sender.click(value=next(iter(buttons(message).values())), user="UCAROL", channel=CHANNEL)
    fake_slack.wait_for_replies(user="UCAROL")

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1400, "height": 900})
    page = browser_sign_in(context.new_page(), dashboard, fake_slack, user="UADMIN")
    page.click("nav >> text=Questions")  # an own question is asked and listed like any other
    asked = page.locator('tr[data-question="own/T0001/pg-leader-key"]')
    assert "Our Postgres failover" in asked.inner_text() and "orders-db-1" in asked.inner_text()
    page.click("nav >> text=Own lessons")
    rows = page.locator('table[data-table="own-questions"] tbody tr')
    assert rows.count() == 4
    assert page.inner_text('[data-figure="own-questions"]') == "4"
    assert f"#{CHANNEL} · both" in page.inner_text("ul.tiles")

    # Retiring needs the form's CSRF token like every other change.
    refused = context.request.post(
        f"{dashboard.base_url}/admin/lessons/retire", form={"question": "pg-sync"}, max_redirects=0
    )
    assert refused.status == 403
    assert not next(
        q for q in dashboard.runtime.own.listing(team_id="T0001") if q.local_id == "pg-sync"
    ).retired
    with page.expect_navigation():
        page.locator('tr[data-question="pg-sync"] button', has_text="Retire").click()
    assert "Question retired" in page.inner_text("p.notice")
    assert page.locator('tr[data-question="pg-sync"]').get_attribute("data-retired") == "true"
    assert page.inner_text('[data-figure="own-questions"]') == "3"
    shoot(page, "lessons")
    page.click("nav >> text=Changes")
    audit = page.inner_text('table[data-table="changes"]')
    assert "question.retire" in audit and "pg-sync" in audit and "UADMIN" in audit
    context.close()
