"""A database outage for real: the app's PostgreSQL database stops taking connections and
its open ones are killed. The app keeps serving, says "temporarily unavailable", reports
it on /healthz, and recovers by itself; nothing is recorded twice or behind a user's back,
and the scheduled post that fell in the outage is made once afterwards."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from db.models import Answer
from db.queries.schedules import set_schedule
from tests.support.databases import backend
from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, correct_letter
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

pytestmark = pytest.mark.skipif(backend() != "postgresql", reason="needs a database server to take down")

CHANNEL = "COUTAGE"


class Outage:
    def __init__(self, database_url: str) -> None:
        self.name = make_url(database_url).database
        self.admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")

    def start(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": self.name},
            )

    def end(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true'))


@pytest.fixture
def outage(database_url: str) -> Iterator[Outage]:
    made = Outage(database_url)
    yield made
    made.end()
    made.admin.dispose()


def ephemeral(fake: FakeSlack, user: str, count: int) -> str:
    calls = fake.wait_for_replies(count, user=user)
    return block_texts(calls[-1].params["blocks"])


def health(app: InProcessApp) -> dict:
    time.sleep(1.1)  # past the health check's one-second cache
    response = requests.get(f"{app.base_url}/healthz", timeout=10)
    assert response.status_code == 200
    return response.json()


def test_outage_then_recovery(
    app: InProcessApp, fake_slack: FakeSlack, slack: SlackSender, outage: Outage
) -> None:
    runtime = app.runtime
    runtime.posts.post_daily(
        team_id="T0001", channel_id=CHANNEL, quiz_day=dt.date(2026, 11, 26), timezone="UTC", fence=None
    )
    message = fake_slack.messages(CHANNEL)[-1]
    value = buttons(message)[correct_letter(message)]
    with runtime.db.writing() as session:  # a schedule whose post falls inside the outage
        set_schedule(
            session=session,
            team_id="T0001",
            channel_id="CSCHEDULED",
            hour=0,
            minute=0,
            timezone="UTC",
            days="daily",
            now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
        )

    outage.start()
    assert slack.click(value=value, user="UWAIT", channel=CHANNEL).status_code == 200
    assert "temporarily unavailable" in ephemeral(fake_slack, "UWAIT", 1)
    assert slack.command("stats", user="UWAIT", channel=CHANNEL, key="during").status_code == 200
    during = fake_slack.wait_for("response_url", where=lambda c: c.params.get("_key") == "during")[-1]
    assert "temporarily unavailable" in block_texts(during.params["blocks"])
    assert health(app)["database"] == "unavailable"
    runtime.scheduler._safe(runtime.scheduler.heartbeat)()  # the jobs keep running, and fail softly
    runtime.scheduler._safe(runtime.scheduler.sync)()
    assert fake_slack.messages("CSCHEDULED") == []

    outage.end()
    assert health(app)["database"] == "ok"
    slack.click(value=value, user="UWAIT", channel=CHANNEL)
    # UWAIT's third private reply (after the click's and the stats command's during the outage):
    # told it failed, so it was not recorded
    assert "Correct!" in ephemeral(fake_slack, "UWAIT", 3)
    slack.click(value=value, user="UWAIT", channel=CHANNEL)
    assert "You already answered" in ephemeral(fake_slack, "UWAIT", 4)
    with runtime.db.reading() as session:
        assert session.execute(select(func.count(Answer.id))).scalar_one() == 1

    runtime.scheduler._safe(runtime.scheduler.heartbeat)()
    runtime.scheduler._safe(runtime.scheduler.sync)()
    runtime.scheduler._safe(runtime.scheduler.sync)()
    assert len(fake_slack.messages("CSCHEDULED")) == 1
