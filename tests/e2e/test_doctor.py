"""`leader-quiz doctor` as a process against the fake Web API and a real database: a healthy
setup passes every check; a missing scope, a channel the bot left, a database behind the
latest migration, a missing signing secret each fail their check, say what to do, and exit 1.
Doctor changes nothing: no migration, no post, no new database file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.clock import Clock, SystemClock
from bot.config import load_settings
from bot.domain.doctor import DoctorReport
from bot.runtime import build_doctor
from db.clock import ServerClock
from db.migrate import current_revision, head_revision, upgrade
from tests.support.clocks import OffsetClock
from tests.support.databases import DatabaseFactory
from tests.support.fake_slack import APP_SCOPES, FakeSlack
from tests.support.installs import add_to_slack, multi_env
from tests.support.servers import InProcessApp, free_port

TEAM = "T0001"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=90,
    )


def doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(env, "doctor", *args)


def doctor_json(env: dict[str, str], *args: str) -> tuple[int, dict]:
    done = doctor(env, "--json", *args)
    return done.returncode, json.loads(done.stdout)


def schedule(env: dict[str, str], channel: str, time: str = "09:30", team: str = TEAM) -> None:
    done = run(
        env, "schedule", "set", "--channel", channel, "--team", team, "--time", time, "--tz", "Europe/Berlin"
    )
    assert done.returncode == 0, done.stderr


def by_name(report: dict) -> dict[str, dict]:
    return {check["name"]: check for check in report["checks"]}


def test_a_healthy_setup_passes_every_check(env: dict[str, str], fake_slack: FakeSlack) -> None:
    schedule(env, "CQUIZ")
    schedule(env, "CMORE", time="17:05")
    done = doctor(env)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith("all ") and lines[-1].endswith(" checks passed")
    assert all(line.startswith("✓ ") for line in lines[:-1]), done.stdout
    for name in ("token", "scopes", "database", "migrations", "clock", "question bank", "signing secret"):
        assert any(line.startswith(f"✓ {name}: ") for line in lines), name
    assert any(line.startswith("✓ channel CQUIZ: the bot is a member") for line in lines)

    code, report = doctor_json(env)
    checks = by_name(report)
    assert code == 0 and report["ok"] is True
    assert all(set(c) == {"name", "ok", "detail", "fix"} and c["ok"] for c in report["checks"])
    # The next post time is the one `status` computes for the same schedule.
    status = json.loads(run(env, "status", "--json").stdout)
    for channel in status["channels"]:
        next_at = channel["next_post_at"]  # ISO UTC, e.g. 2026-11-24T08:30:00+00:00
        detail = checks[f"schedule {channel['channel']}"]["detail"]
        assert f"{next_at[:10]} {next_at[11:16]} UTC" in detail, (detail, next_at)
        assert detail.startswith(f"{channel['schedule']}; next post ")
    assert {"channel CQUIZ", "channel CMORE", "schedule CQUIZ", "schedule CMORE"} <= set(checks)
    # It asked Slack, and changed nothing there.
    assert {c.params["channel"] for c in fake_slack.calls("conversations.info")} == {"CQUIZ", "CMORE"}
    assert fake_slack.calls("chat.postMessage") == []


@pytest.mark.parametrize("offset", [-40.0, 40.0])
def test_a_clock_off_the_databases_fails_its_check_and_changes_no_post_time(
    env: dict[str, str], fake_slack: FakeSlack, offset: float
) -> None:
    """This host's clock 40 s off (the doctor's own clock, injected): the clock check fails and
    says by how much; the next post times, on the database's clock, are those of a clock in step."""
    schedule(env, "CQUIZ")
    settings = load_settings(env, require_signing_secret=False)

    def check(local: Clock) -> DoctorReport:
        found = build_doctor(settings, clock=local, database_clock=ServerClock())
        try:
            return found.run()
        finally:
            found.db.dispose()

    off = check(OffsetClock(SystemClock(), offset))
    [line] = [line for line in off.lines() if " clock: " in line]
    way = "ahead of" if offset > 0 else "behind"
    shown = re.match(
        rf"✗ clock: (\d+\.\d{{3}}) s {way} the database's clock \(measured to ±0\.\d{{3}} s\)", line
    )
    assert shown and abs(float(shown[1]) - 40) < 0.5, line
    assert "; more than 1 s: " in line and "→ synchronise this host's clock (NTP" in line
    assert [check.name for check in off.failed] == ["clock"]
    in_step = check(SystemClock())
    assert in_step.ok, in_step.lines()
    schedule_line = next(c.detail for c in in_step.checks if c.name == "schedule CQUIZ")
    assert next(c.detail for c in off.checks if c.name == "schedule CQUIZ") == schedule_line


def test_a_missing_scope_is_named(env: dict[str, str], fake_slack: FakeSlack) -> None:
    schedule(env, "CQUIZ")
    fake_slack.token_scopes = tuple(scope for scope in APP_SCOPES if scope != "usergroups:read")
    done = doctor(env)
    assert done.returncode == 1
    failed = [line for line in done.stdout.splitlines() if line.startswith("✗ ")]
    assert len(failed) == 1, done.stdout
    assert failed[0].startswith("✗ scopes: missing usergroups:read → add them to Bot Token Scopes")
    assert done.stdout.strip().splitlines()[-1] == f"1 of {len(done.stdout.splitlines()) - 1} checks failed"
    code, report = doctor_json(env)
    scopes = by_name(report)["scopes"]
    assert code == 1 and report["ok"] is False
    assert scopes["ok"] is False and scopes["detail"] == "missing usergroups:read" and scopes["fix"]


def test_a_channel_the_bot_left_says_to_invite_it(env: dict[str, str], fake_slack: FakeSlack) -> None:
    schedule(env, "CQUIZ")
    schedule(env, "CLEFT")
    schedule(env, "COLD")
    fake_slack.set_channel("CLEFT", is_member=False)
    fake_slack.set_channel("COLD", is_archived=True)
    done = doctor(env)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert (
        "✗ channel CLEFT: the bot is not a member, so it cannot post there → invite the bot: /invite @leader-quiz"
        in lines
    )
    assert any(line.startswith("✗ channel COLD: the channel is archived → unarchive it") for line in lines)
    assert "✓ channel CQUIZ: the bot is a member" in lines
    checks = by_name(doctor_json(env)[1])
    assert checks["channel CLEFT"]["fix"] == "invite the bot: /invite @leader-quiz"
    assert checks["schedule CLEFT"]["ok"] is True  # its schedule itself is fine


def test_a_flagged_schedule_fails_its_check(env: dict[str, str], fake_slack: FakeSlack) -> None:
    schedule(env, "CQUIZ")
    fake_slack.fail_next("chat.postMessage", error="not_in_channel")
    posted = run(env, "post", "--channel", "CQUIZ", "--team", TEAM)
    assert posted.returncode == 1
    checks = by_name(doctor_json(env)[1])
    assert checks["schedule CQUIZ"]["ok"] is False
    assert "not_in_channel" in checks["schedule CQUIZ"]["detail"]
    assert "leader-quiz schedule set --channel CQUIZ" in checks["schedule CQUIZ"]["fix"]


def test_a_database_behind_the_latest_migration_fails_and_is_left_alone(
    env: dict[str, str], database_factory: DatabaseFactory
) -> None:
    behind = database_factory.new_empty()
    upgrade(behind, "0004")
    try:
        code, report = doctor_json({**env, "DATABASE_URL": behind})
        migrations = by_name(report)["migrations"]
        assert code == 1 and migrations["ok"] is False
        assert migrations["detail"] == f"at migration 0004; the latest is {head_revision()}"
        assert "leader-quiz db upgrade" in migrations["fix"]
        assert not any(c["name"].startswith("channel") for c in report["checks"])  # not read from it
        assert current_revision(behind) == "0004"  # doctor applied nothing
    finally:
        database_factory.drop(behind)


def test_a_missing_sqlite_file_is_reported_not_created(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    done = doctor({**env, "DATABASE_URL": f"sqlite:///{missing}"})
    assert done.returncode == 1
    assert f"✗ database: no SQLite database at {missing}" in done.stdout
    assert not missing.exists()


def test_the_signing_secret_is_needed_in_http_mode_only(env: dict[str, str]) -> None:
    http = by_name(doctor_json({**env, "SLACK_SIGNING_SECRET": ""})[1])["signing secret"]
    assert http["ok"] is False and "Signing Secret" in http["fix"]
    socket_mode = {**env, "SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": "xapp-1-A1-1-testappvalue"}
    code, report = doctor_json(socket_mode)
    assert code == 0 and by_name(report)["signing secret"]["detail"].startswith("not needed in Socket Mode")


def test_a_bad_token_no_slack_and_a_bad_configuration(env: dict[str, str], fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("auth.test", error="invalid_auth")
    code, report = doctor_json(env)
    token = by_name(report)["token"]
    assert code == 1 and token["detail"] == "Slack refused the token: invalid_auth"
    assert "SLACK_BOT_TOKEN" in token["fix"]
    started = time.monotonic()
    code, report = doctor_json({**env, "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"})
    token = by_name(report)["token"]
    assert code == 1 and token["detail"].startswith("cannot reach Slack at http://127.0.0.1:")
    assert time.monotonic() - started < 20  # not the app's half minute of connection retries
    done = doctor({**env, "SLACK_BOT_TOKEN": "not-a-token"})
    assert done.returncode == 1 and done.stdout.startswith("✗ configuration: SLACK_BOT_TOKEN must be")
    assert "not-a-token" not in done.stdout


@pytest.fixture
def installed(fake_slack: FakeSlack, database_url: str) -> dict[str, str]:
    """Two workspaces installed through "Add to Slack", each with a scheduled channel."""
    env = multi_env(fake=fake_slack, database_url=database_url)
    app = InProcessApp.from_env(env)
    try:
        for team in ("TWONE", "TWTWO"):
            assert add_to_slack(fake_slack, start_at=app.base_url, team_id=team).status_code == 200
    finally:
        app.stop()
    schedule(env, "CONE", team="TWONE")
    schedule(env, "CTWO", team="TWTWO")
    return env


def test_many_workspaces_each_installation_is_checked(
    installed: dict[str, str], fake_slack: FakeSlack
) -> None:
    code, report = doctor_json(installed)
    checks = by_name(report)
    assert code == 0, report
    for team, channel in (("TWONE", "CONE"), ("TWTWO", "CTWO")):
        assert checks[f"token in {team}"]["ok"] and f"({team})" in checks[f"token in {team}"]["detail"]
        assert checks[f"channel {channel} in {team}"]["ok"]
    # Each workspace is asked with its own token.
    tokens = {c.headers["Authorization"] for c in fake_slack.calls("conversations.info")}
    assert len(tokens) == 2

    fake_slack.revoke(team_id="TWTWO")
    code, report = doctor_json(installed, "--team", "TWONE")
    assert code == 0 and not any("TWTWO" in c["name"] for c in report["checks"])
    code, report = doctor_json(installed, "--team", "TWTWO")
    assert code == 1
    assert by_name(report)["token in TWTWO"]["detail"] == "Slack refused the token: invalid_auth"
    code, report = doctor_json(installed, "--team", "TNEVER")
    assert code == 1 and "not installed in TNEVER" in by_name(report)["token in TNEVER"]["detail"]
