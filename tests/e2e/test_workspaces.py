"""Many workspaces (SPEC §9): installs through the real OAuth flow against the fake Web API,
each workspace's calls with its own token, tokens encrypted at rest, org-wide installs,
uninstall and reinstall, token refresh across replicas, and workspaces kept apart."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.config import ConfigError, load_settings
from bot.services.daily_posts import PostStatus
from db.queries.schedules import set_schedule
from db.token_cipher import PREFIX, TokenCipher
from tests.support.fake_slack import FakeSlack
from tests.support.installs import TOKEN_KEY, add_to_slack, multi_env
from tests.support.messages import block_texts, buttons
from tests.support.servers import InProcessApp, ServeProcess
from tests.support.slack_requests import SlackSender

W1, W2 = "TWONE", "TWTWO"
C1, C2 = "CONE", "CTWO"
DAY = dt.date(2026, 12, 1)


@pytest.fixture
def env(fake_slack: FakeSlack, database_url: str) -> dict[str, str]:
    fake_slack.granted_scopes = ("chat:write", "commands", "users:read", "channels:history", "groups:history")
    return multi_env(fake=fake_slack, database_url=database_url)


@pytest.fixture
def replicas(env: dict[str, str]) -> Iterator[list[InProcessApp]]:
    made = [InProcessApp.from_env(env), InProcessApp.from_env(env)]
    yield made
    for app in made:
        app.stop()


def sender(app: InProcessApp, fake: FakeSlack, team_id: str, **kwargs: object) -> SlackSender:
    return SlackSender(base_url=app.base_url, response_url_for=fake.response_url, team_id=team_id, **kwargs)  # type: ignore[arg-type]


def bearer(call) -> str:  # type: ignore[no-untyped-def]
    return call.headers.get("Authorization", "").removeprefix("Bearer ")


def post(app: InProcessApp, team: str, channel: str, day: dt.date = DAY):  # type: ignore[no-untyped-def]
    return app.runtime.posts.post_daily(
        team_id=team, channel_id=channel, quiz_day=day, timezone="UTC", fence=None
    )


def install_both(replicas: list[InProcessApp], fake: FakeSlack) -> None:
    a, b = replicas
    # Started on one replica and finished on the other: the OAuth state is in the database.
    first = add_to_slack(fake, start_at=a.base_url, finish_at=b.base_url, team_id=W1)
    assert first.status_code == 200 and "Thank you" in first.text, first.text[:300]
    second = add_to_slack(fake, start_at=b.base_url, finish_at=a.base_url, team_id=W2)
    assert second.status_code == 200


def test_serve_mode_and_half_configured_settings(fake_slack: FakeSlack, database_url: str) -> None:
    env = multi_env(fake=fake_slack, database_url=database_url)
    settings = load_settings(env)
    assert settings.multi_workspace and "multi-workspace mode" in settings.mode_line()
    single = load_settings({"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_SIGNING_SECRET": "s" * 32})
    assert not single.multi_workspace and single.mode_line().startswith("single-workspace mode")
    for missing, named in (
        ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_SECRET"),
        ("SLACK_CLIENT_ID", "SLACK_CLIENT_ID"),
        ("TOKEN_ENCRYPTION_KEY", "TOKEN_ENCRYPTION_KEY"),
    ):
        broken = {k: v for k, v in env.items() if k != missing}
        with pytest.raises(ConfigError) as error:
            load_settings(broken)
        assert named in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEY is not usable"):
        load_settings({**env, "TOKEN_ENCRYPTION_KEY": "not-a-fernet-key"})
    # Beside a bot token the OAuth credentials turn on the dashboard's sign-in only (SPEC §13).
    signing_in = load_settings({**env, "SLACK_BOT_TOKEN": "xoxb-1-2"})
    assert not signing_in.multi_workspace and signing_in.admin_sign_in
    assert (
        signing_in.mode_line().startswith("single-workspace mode")
        and "sign-in only" in signing_in.mode_line()
    )
    for missing in ("ADMIN_SESSION_KEY", "SLACK_CLIENT_SECRET"):
        broken = {k: v for k, v in env.items() if k != missing}
        with pytest.raises(ConfigError) as error:
            load_settings({**broken, "SLACK_BOT_TOKEN": "xoxb-1-2"})
        assert str(error.value).startswith(missing) and "\n" not in str(error.value)
    with pytest.raises(ConfigError, match=r"^ADMIN_SESSION_KEY"):
        load_settings({k: v for k, v in env.items() if k != "ADMIN_SESSION_KEY"})
    with pytest.raises(ConfigError, match=r"^PUBLIC_URL"):
        load_settings({**env, "PUBLIC_URL": "quiz.example.com"})
    assert load_settings({**env, "PUBLIC_URL": "https://quiz.example.com/"}).public_url == (
        "https://quiz.example.com"
    )


def test_two_workspaces_install_and_each_post_uses_its_own_token(
    replicas: list[InProcessApp], fake_slack: FakeSlack
) -> None:
    a, b = replicas
    install_both(replicas, fake_slack)
    [token1] = fake_slack.tokens(team_id=W1)
    [token2] = fake_slack.tokens(team_id=W2)
    assert post(a, W1, C1).status is PostStatus.POSTED
    assert post(b, W2, C2).status is PostStatus.POSTED
    by_channel = {c.params["channel"]: bearer(c) for c in fake_slack.calls("chat.postMessage")}
    assert by_channel == {C1: token1, C2: token2}
    # What a request from a workspace causes uses that workspace's token, on either replica:
    # the verdict goes to the click's response_url (no token), the count update with W2's.
    message = fake_slack.messages(C2)[-1]
    value = next(iter(buttons(message).values()))
    assert sender(a, fake_slack, W2).click(value=value, user="UBEA", channel=C2).status_code == 200
    [reply] = fake_slack.wait_for_replies(user="UBEA")
    assert reply.method == "response_url"
    [update] = fake_slack.wait_for("chat.update", where=lambda c: c.params.get("channel") == C2)
    assert bearer(update) == token2


def test_stored_tokens_are_encrypted(
    replicas: list[InProcessApp], fake_slack: FakeSlack, database_url: str
) -> None:
    install_both(replicas, fake_slack)
    issued = fake_slack.tokens()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = [
                dict(row)
                for table in ("slack_bots", "slack_installations")
                for row in connection.execute(text(f"SELECT * FROM {table}")).mappings()
            ]
    finally:
        engine.dispose()
    assert len(rows) == 4  # a bot row and an installation row per workspace
    dumped = repr(rows)
    assert not any(token in dumped for token in issued)
    assert "faketokenvalue" not in dumped and "xoxb-" not in dumped
    cipher = TokenCipher([TOKEN_KEY])
    stored = [row["bot_token"] for row in rows]
    assert all(value.startswith(PREFIX) for value in stored)
    assert {cipher.decrypt(value) for value in stored} == set(issued)


def test_uninstall_stops_every_call_and_reinstall_resumes(
    replicas: list[InProcessApp], fake_slack: FakeSlack
) -> None:
    a, b = replicas
    install_both(replicas, fake_slack)
    # A reply to W1 is queued (its response_url is used up and its fallback drew a 429 that
    # asks for 3 s), then W1 uninstalls before it is tried again.
    assert post(a, W1, C1).status is PostStatus.POSTED
    value = next(iter(buttons(fake_slack.messages(C1)[-1]).values()))
    fake_slack.fail_next("response_url", status=404)
    fake_slack.fail_next("chat.postEphemeral", status=429, retry_after=3)
    sender(a, fake_slack, W1).click(value=value, user="UQUEUED", channel=C1)
    deadline = time.monotonic() + 10
    while not fake_slack.calls("chat.postEphemeral") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [c.status for c in fake_slack.calls("chat.postEphemeral")] == [429]  # the retry is queued
    fake_slack.revoke(team_id=W1)
    assert sender(b, fake_slack, W1).event({"type": "app_uninstalled"}).status_code == 200
    assert a.runtime.outbox.drain(timeout=30)
    calls_before = len(fake_slack.calls())
    # No Slack call for W1 afterwards: not the queued reply, not the next daily post.
    outcome = post(a, W1, C1, DAY + dt.timedelta(days=1))
    assert outcome.status is PostStatus.NO_TOKEN
    a.runtime.scheduler.heartbeat()
    a.runtime.scheduler.run_due()
    new_calls = fake_slack.calls()[calls_before:]
    assert [c for c in new_calls if c.params.get("channel") == C1 or c.params.get("user") == "UQUEUED"] == []
    # The queued reply was tried once (before the uninstall) and never again.
    assert len([c for c in fake_slack.calls("chat.postEphemeral") if c.params.get("user") == "UQUEUED"]) == 1
    assert a.runtime.outbox.dropped[("fallback", "uninstalled")] == 1
    # W2 is untouched.
    assert post(b, W2, C2).status is PostStatus.POSTED
    # Reinstalled within the retention window: posts again, with the new token.
    add_to_slack(fake_slack, start_at=b.base_url, team_id=W1)
    new_token = fake_slack.tokens(team_id=W1)[-1]
    assert post(a, W1, C1, DAY + dt.timedelta(days=1)).status is PostStatus.POSTED
    assert bearer(fake_slack.calls("chat.postMessage")[-1]) == new_token


@pytest.mark.parametrize("retention_days", [30, 0])
def test_uninstalled_schedules_pause_and_data_is_purged_after_retention(
    env: dict[str, str], fake_slack: FakeSlack, retention_days: int
) -> None:
    app = InProcessApp.from_env({**env, "UNINSTALL_RETENTION_DAYS": str(retention_days)})
    try:
        add_to_slack(fake_slack, start_at=app.base_url, team_id=W1)
        slack = sender(app, fake_slack, W1)
        fake_slack.admins.add("UADMIN")
        slack.command("schedule 00:00 UTC daily", user="UADMIN", channel=C1, key="sched")
        assert "go out at" in block_texts(fake_slack.wait_for("response_url")[-1].params["blocks"])
        assert post(app, W1, C1).status is PostStatus.POSTED
        runtime = app.runtime
        # Another of W1's channels whose question is due now, set up long ago.
        with runtime.db.writing() as session:
            set_schedule(
                session=session,
                team_id=W1,
                channel_id="CDUE",
                hour=0,
                minute=0,
                timezone="UTC",
                days="daily",
                now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
            )
        assert slack.event({"type": "app_uninstalled"}).status_code == 200

        def rows() -> dict[str, int]:
            with runtime.db.reading() as session:
                return {
                    table: session.execute(
                        text(f"SELECT COUNT(*) FROM {table} WHERE team_id = :t"), {"t": W1}
                    ).scalar()
                    for table in ("schedules", "posts", "workspaces")
                }

        assert rows() == {"schedules": 2, "posts": 1, "workspaces": 1}
        runtime.scheduler.heartbeat()
        assert runtime.scheduler.run_due() == []  # paused: the due question is not even claimed
        assert not fake_slack.messages("CDUE")
        # The leader's housekeeping (part of that run) purges only past the retention window.
        if retention_days:
            assert rows() == {"schedules": 2, "posts": 1, "workspaces": 1}
        else:
            assert rows() == {"schedules": 0, "posts": 0, "workspaces": 0}
    finally:
        app.stop()


def test_requests_for_a_workspace_without_an_install_are_refused(
    replicas: list[InProcessApp], fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    install_both(replicas, fake_slack)
    assert post(a, W2, C2).status is PostStatus.POSTED
    stranger = sender(a, fake_slack, "TNOTINSTALLED")
    response = stranger.command("schedule 09:00 UTC daily", user="UADMIN", channel=C2)
    assert response.status_code == 200
    response = stranger.click(
        value=next(iter(buttons(fake_slack.messages(C2)[-1]).values())), user="UX", channel=C2
    )
    with a.runtime.db.reading() as session:
        schedules = session.execute(text("SELECT team_id FROM schedules")).scalars().all()
        answers = session.execute(text("SELECT COUNT(*) FROM answers")).scalar()
    assert schedules == [] and answers == 0
    assert not fake_slack.calls("chat.postEphemeral")  # no token for it, so no call for it


def test_one_workspace_never_reads_or_changes_anothers_data(
    replicas: list[InProcessApp], fake_slack: FakeSlack
) -> None:
    a, _ = replicas
    install_both(replicas, fake_slack)
    fake_slack.admins.update({"UADMIN1", "UADMIN2"})
    one, two = sender(a, fake_slack, W1), sender(a, fake_slack, W2)
    two.command("schedule 08:00 UTC daily", user="UADMIN2", channel=C2, key="s2")
    two.command("team add Blue <@UBLUE>", user="UADMIN2", channel=C2, key="t2")
    fake_slack.wait_for("response_url", count=2)
    assert post(a, W2, C2).status is PostStatus.POSTED
    message = fake_slack.messages(C2)[-1]
    two.click(value=next(iter(buttons(message).values())), user="UBLUE", channel=C2)
    fake_slack.wait_for_replies()
    # W1's admin names W2's channel: W1's own (empty) data, never W2's.
    one.command("schedule off", user="UADMIN1", channel=C2, key="off")
    one.command("team remove Blue", user="UADMIN1", channel=C2, key="rm")
    one.command("leaderboard all", user="UADMIN1", channel=C2, key="lb")
    one.command("teams all", user="UADMIN1", channel=C2, key="tb")
    replies = {
        key: block_texts(
            fake_slack.wait_for("response_url", where=lambda c, k=key: c.params["_key"] == k)[-1].params[
                "blocks"
            ]
        )
        for key in ("off", "rm", "lb", "tb")
    }
    assert "had no schedule" in replies["off"]
    assert "There is no team" in replies["rm"]
    assert "UBLUE" not in replies["lb"] and "No answers" in replies["lb"]
    assert "Blue" not in replies["tb"]
    # A W2 button clicked "from" W1 counts for nothing.
    one.click(value=next(iter(buttons(message).values())), user="USNEAK", channel=C2)
    [refused] = fake_slack.wait_for_replies(user="USNEAK")
    assert "not available" in block_texts(refused.params["blocks"])
    with a.runtime.db.reading() as session:
        kept = session.execute(text("SELECT team_id, channel_id FROM schedules")).all()
        members = session.execute(text("SELECT team_id, user_id FROM team_members")).all()
        answers = session.execute(text("SELECT team_id, user_id FROM answers")).all()
    assert [tuple(r) for r in kept] == [(W2, C2)]
    assert [tuple(r) for r in members] == [(W2, "UBLUE")]
    assert [tuple(r) for r in answers] == [(W2, "UBLUE")]


def test_org_wide_install_serves_each_workspace_with_the_org_token(
    replicas: list[InProcessApp], fake_slack: FakeSlack
) -> None:
    a, b = replicas
    response = add_to_slack(fake_slack, start_at=a.base_url, team_id=None, enterprise_id="EORG", org=True)
    assert response.status_code == 200
    [org_token] = fake_slack.tokens(enterprise_id="EORG")
    fake_slack.admins.add("UGRID")
    for team, channel in (("TGRIDA", "CGA"), ("TGRIDB", "CGB")):
        slack = sender(b, fake_slack, team, enterprise_id="EORG", is_enterprise_install=True)
        slack.command("schedule 00:00 UTC daily", user="UGRID", channel=channel, key=f"s-{team}")
    fake_slack.wait_for("response_url", count=2)
    with a.runtime.db.reading() as session:
        schedules = sorted(
            tuple(r) for r in session.execute(text("SELECT team_id, channel_id FROM schedules"))
        )
    assert schedules == [("TGRIDA", "CGA"), ("TGRIDB", "CGB")]  # data stays keyed per workspace
    for team, channel in (("TGRIDA", "CGA"), ("TGRIDB", "CGB")):  # as the scheduler does at post time
        assert post(a, team, channel).status is PostStatus.POSTED
    posted = {c.params["channel"]: bearer(c) for c in fake_slack.calls("chat.postMessage")}
    assert posted == {"CGA": org_token, "CGB": org_token}
    # Uninstalling the org pauses every workspace of it.
    sender(a, fake_slack, "TGRIDA", enterprise_id="EORG", is_enterprise_install=True).event(
        {"type": "app_uninstalled"}
    )
    assert post(a, "TGRIDB", "CGB", DAY + dt.timedelta(days=1)).status is PostStatus.NO_TOKEN


def test_two_replicas_refreshing_an_expiring_token_keep_the_newer_one(
    replicas: list[InProcessApp], fake_slack: FakeSlack
) -> None:
    a, b = replicas
    # Expires in a minute: inside the refresh window, so the next use refreshes it.
    add_to_slack(fake_slack, start_at=a.base_url, team_id=W1, rotation=True, expires_in=60)
    [first] = fake_slack.tokens(team_id=W1)
    # Slack takes a while to answer the refresh, so both replicas are at it at once.
    fake_slack.fail_next("oauth.v2.access", status=200, delay=0.5, times=2)
    start = threading.Barrier(2)
    got: list[str | None] = []

    def use(replica: InProcessApp) -> None:
        start.wait()
        client = replica.runtime.clients.for_team(W1)
        got.append(client.token if client else None)

    threads = [threading.Thread(target=use, args=(replica,)) for replica in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    refreshes = [
        c for c in fake_slack.calls("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"
    ]
    assert len(refreshes) == 1 and all(c.ok for c in refreshes)
    newest = fake_slack.tokens(team_id=W1)[-1]
    assert newest != first and got == [newest, newest]
    # The stored token is the newest, and it works.
    assert post(b, W1, C1).status is PostStatus.POSTED
    assert bearer(fake_slack.calls("chat.postMessage")[-1]) == newest


def test_tokens_revoked_pauses_the_workspace(replicas: list[InProcessApp], fake_slack: FakeSlack) -> None:
    a, b = replicas
    install_both(replicas, fake_slack)
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOTTWONE"]}}
    assert sender(b, fake_slack, W1).event(event).status_code == 200
    assert post(a, W1, C1).status is PostStatus.NO_TOKEN
    assert post(a, W2, C2).status is PostStatus.POSTED


def test_serve_with_only_the_oauth_variables_installs_and_posts_in_two_workspaces(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """A fresh deployment: `leader-quiz serve` with the OAuth variables alone, two workspaces
    installed through it, each gets its daily question (posted by the CLI with --team) with
    its own token; then one uninstalls and `leader-quiz purge` removes its data."""
    env = multi_env(fake=fake_slack, database_url=database_url)
    process = ServeProcess(env, tmp_path / "serve.log")
    try:
        process.wait_healthy()
        assert "multi-workspace mode" in process.log()
        for team in (W1, W2):
            assert add_to_slack(fake_slack, start_at=process.base_url, team_id=team).status_code == 200
        cli_env = {**os.environ, **env}
        for team, channel in ((W1, C1), (W2, C2)):
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "post",
                    "--channel",
                    channel,
                    "--team",
                    team,
                    "--date",
                    "2026-12-01",
                ],
                env=cli_env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
            assert f"to {channel} for 2026-12-01" in done.stdout
        tokens = {bearer(c): c.params["channel"] for c in fake_slack.calls("chat.postMessage")}
        assert tokens == {fake_slack.tokens(team_id=W1)[-1]: C1, fake_slack.tokens(team_id=W2)[-1]: C2}
        refused = subprocess.run(
            [sys.executable, "-m", "bot", "purge", "--team", W1],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 2 and "not uninstalled" in refused.stderr
        SlackSender(base_url=process.base_url, response_url_for=fake_slack.response_url, team_id=W1).event(
            {"type": "app_uninstalled"}
        )
        purged = subprocess.run(
            [sys.executable, "-m", "bot", "purge", "--team", W1],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert purged.returncode == 0, purged.stderr
        assert "posts: 1 rows deleted" in purged.stdout and "workspaces: 1 rows deleted" in purged.stdout
    finally:
        process.stop()
    assert "faketokenvalue" not in (tmp_path / "serve.log").read_text()


def test_forgetting_the_installer_keeps_the_installation_working(
    replicas: list[InProcessApp], fake_slack: FakeSlack, database_url: str
) -> None:
    """The person who added the app asks to be forgotten in one workspace: the installation stays
    (the workspace keeps its bot), but no longer names them; the other workspace's is untouched."""
    install_both(replicas, fake_slack)
    a, _ = replicas
    exported = a.runtime.people.export(user_id="UINSTALLER", team_id=W1)
    rows = exported["tables"]["slack_installations"]
    assert len(rows) == 1 and rows[0]["team_id"] == W1
    assert rows[0]["bot_token"] == "[secret]"  # an export never carries a token

    forgotten = a.runtime.people.forget(user_id="UINSTALLER", team_id=W1)
    assert forgotten.redacted == {"slack_installations": 1}

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            installers = dict(
                connection.execute(text("SELECT team_id, user_id FROM slack_installations")).all()
            )
    finally:
        engine.dispose()
    assert installers == {W1: "", W2: "UINSTALLER"}
    # W1's bot still posts with W1's own token.
    assert post(a, W1, "CFORGET").status is PostStatus.POSTED
    posted = fake_slack.calls("chat.postMessage")[-1]
    assert bearer(posted) == fake_slack.tokens()[0]
