"""A person's data on request (`leader-quiz export --user`, `leader-quiz forget --user`) as real
processes against the running app: two channels play the same days, one with Cat and one
without; after Cat is forgotten every table has lost exactly Cat's rows, and the first
channel's boards, insights and answer counts equal the second's, as if Cat had never played."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from typing import Any

from sqlalchemy import MetaData, select

from db.derived import settled
from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, correct_letter, first_wrong_letter
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

TEAM = "T0001"
WITH, WITHOUT = "CWITHCAT", "CNOCAT"
CAT = "UCAT"
# Day -> who answers, and whether right. Cat plays only in WITH.
PLAN = [
    {"UANN": True, "UBEN": False, CAT: True},
    {"UANN": True, "UBEN": True, CAT: False},
]


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done


def say(slack: SlackSender, fake: FakeSlack, text: str, *, user: str, channel: str) -> str:
    key = uuid.uuid4().hex
    assert slack.command(text, user=user, channel=channel, key=key).status_code == 200
    call = fake.wait_for("response_url", where=lambda c: c.params.get("_key") == key)[-1]
    return block_texts(call.params.get("blocks") or [])


def every_table(app: InProcessApp) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, read through the live schema."""
    metadata = MetaData()
    with app.runtime.db.reading() as session:
        metadata.reflect(bind=session.connection())
        return {
            table.name: [dict(row) for row in session.execute(select(table)).mappings()]
            for table in metadata.sorted_tables
        }


def names_cat(row: dict[str, Any]) -> bool:
    return CAT in (row.get("user_id"), row.get("resolved_by"))


def boards(env: dict[str, str], channel: str) -> dict[str, Any]:
    board = json.loads(cli(env, "leaderboard", "--channel", channel, "--period", "all", "--json").stdout)
    insights = json.loads(cli(env, "insights", "--channel", channel, "--period", "all", "--json").stdout)
    return {"rows": board["rows"], "questions": insights["questions"], "lessons": insights["lessons"]}


def test_forget_leaves_every_board_as_if_they_never_played(
    app: InProcessApp, slack: SlackSender, fake_slack: FakeSlack, env: dict[str, str]
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    days = [today - dt.timedelta(days=1), today]
    replies = 0
    for day, answers in zip(days, PLAN, strict=True):
        for channel in (WITH, WITHOUT):
            cli(env, "post", "--channel", channel, "--team", TEAM, "--date", day.isoformat())
            message = fake_slack.messages(channel)[-1]
            for user, right in answers.items():
                if user == CAT and channel == WITHOUT:
                    continue
                # The same wrong option in both channels, whatever order each showed.
                letter = correct_letter(message) if right else first_wrong_letter(message)
                assert (
                    slack.click(value=buttons(message)[letter], user=user, channel=channel).status_code == 200
                )
                replies += 1
                fake_slack.wait_for_replies(replies)
    # Cat is also in a team, opted into reminders, practised, and reported a question; Ann
    # reported one that Cat (an admin here) resolved.
    fake_slack.admins.add(CAT)
    for channel, members in ((WITH, "<@UANN> <@UCAT>"), (WITHOUT, "<@UANN>")):
        assert "Red" in say(slack, fake_slack, f"team add Red {members}", user="UADMIN", channel=channel)
    assert "09:00" in say(slack, fake_slack, "remind on 09:00", user=CAT, channel=WITH)
    question_id = app.runtime.bank.questions[0].id
    feedback = app.runtime.problem_reports
    feedback.file(
        team_id=TEAM, user_id=CAT, channel_id=WITH, question_id=question_id, option_index=1, note="hmm"
    )
    anns = feedback.file(
        team_id=TEAM, user_id="UANN", channel_id=WITH, question_id=question_id, option_index=0, note="?"
    )
    assert anns is not None and feedback.resolve(team_id=TEAM, report_id=anns, by=CAT)
    practice = say(slack, fake_slack, "practice", user=CAT, channel=WITH)
    assert practice

    settled(app.runtime.db)  # what the folder would do in a moment: no cache moves under the test
    before = every_table(app)
    mentioned = {name for name, rows in before.items() if any(names_cat(row) for row in rows)}
    assert {"answers", "user_stats", "period_totals", "review_cards", "review_log", "reminders"} <= mentioned
    assert {"team_members", "question_reports"} <= mentioned
    assert boards(env, WITH) != boards(env, WITHOUT)  # Cat's answers count before

    exported = json.loads(cli(env, "export", "--user", CAT).stdout)
    assert exported["user"] == CAT
    for name in mentioned:
        assert len(exported["tables"][name]) == sum(names_cat(row) for row in before[name]), name
    assert all(names_cat(row) for rows in exported["tables"].values() for row in rows)

    done = cli(env, "forget", "--user", CAT)
    assert (
        "answers: 2 rows deleted" in done.stdout and "question_reports: 1 rows no longer name" in done.stdout
    )
    assert "answer counts refreshed on 1 open questions" in done.stdout

    after = every_table(app)
    assert after.keys() == before.keys()
    for name, rows in before.items():
        if name in ("outbox_snapshots", "slack_budgets"):  # the outbox's own bookkeeping, about no one:
            continue  # rows come and go with time (a snapshot every 5 s, a budget's first use)
        kept = [row for row in rows if row.get("user_id") != CAT]
        if name == "question_reports":  # the report Cat resolved stays, without Cat's name
            kept = [{**row, "resolved_by": None} if row["resolved_by"] == CAT else row for row in kept]
        # Moved on by themselves meanwhile: the refreshed count (its window, what it shows) and
        # replies reaching Slack. Nothing else.
        moving = {
            "posts": ("count_refreshed_at", "count_shown"),
            "answers": ("replied_at",),
        }.get(name, ())
        if moving:
            blank = dict.fromkeys(moving)
            kept = [{**row, **blank} for row in kept]
            after[name] = [{**row, **blank} for row in after[name]]
        key = repr
        assert sorted(map(key, after[name])) == sorted(map(key, kept)), name
    assert not any(names_cat(row) for rows in after.values() for row in rows)

    # Boards, insights, team board and the open question's count: as in the channel Cat never saw.
    assert boards(env, WITH) == boards(env, WITHOUT)
    teams = [say(slack, fake_slack, "teams all", user="UBEN", channel=c) for c in (WITH, WITHOUT)]
    assert teams[0] == teams[1]
    open_message = fake_slack.messages(WITH)[-1]
    fake_slack.wait_for(
        "chat.update",
        where=lambda c: (
            c.params.get("ts") == open_message["ts"]
            and "2 people answered" in block_texts(c.params.get("blocks") or [])
        ),
    )
    stats = json.loads(cli(env, "stats", "--channel", WITH, "--user", CAT, "--json").stdout)
    assert (stats["answered"], stats["current_streak"], stats["longest_streak"]) == (0, 0, 0)
    assert json.loads(cli(env, "export", "--user", CAT).stdout)["tables"] == {}
    assert "nothing stored about UCAT" in cli(env, "forget", "--user", CAT).stdout
