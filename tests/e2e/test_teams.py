"""Teams over HTTP with signed slash commands: admins add, move, remove and sync people
(from a Slack user group); everyone sees `/leader-quiz teams [week|month|all]`, ranked by
correct answers per member per quiz day, so neither size nor one absent expert wins."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator

import pytest

from db.queries.quiz_teams import list_quiz_teams, quiz_team_of
from db.results import QuizTeamView
from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, correct_letter, wrong_letter
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

TEAM, CHANNEL = "T0001", "CTEAMS"
TODAY = dt.date(2026, 11, 26)  # a Thursday: its week is Nov 23-29


def say(slack: SlackSender, fake: FakeSlack, text: str, *, user: str = "UADMIN") -> str:
    """Run `/leader-quiz <text>` as `user`; the private reply's text."""
    key = uuid.uuid4().hex
    assert slack.command(text, user=user, channel=CHANNEL, key=key).status_code == 200
    call = fake.wait_for("response_url", where=lambda c: c.params.get("_key") == key)[-1]
    assert call.params["response_type"] == "ephemeral"
    return block_texts(call.params.get("blocks") or [])


def teams_in(app: InProcessApp) -> list[QuizTeamView]:
    with app.runtime.db.reading() as session:
        return list_quiz_teams(session=session, team_id=TEAM, channel_id=CHANNEL)


def snapshot(app: InProcessApp) -> list[tuple[str, list[str]]]:
    return [(t.name, t.members) for t in teams_in(app)]


def team_of_user(app: InProcessApp, user: str) -> str | None:
    with app.runtime.db.reading() as session:
        return quiz_team_of(session=session, team_id=TEAM, channel_id=CHANNEL, user_id=user)


# -- managing teams -------------------------------------------------------------------------
def test_non_admins_cannot_change_teams_but_can_see_them(
    slack: SlackSender, fake_slack: FakeSlack, app: InProcessApp
) -> None:
    for text in ("team add Red <@U1>", "team remove Red", "team sync Red <!subteam^S1|@red>", "team list"):
        assert "is for workspace admins" in say(slack, fake_slack, text, user="UPLAIN")
    assert teams_in(app) == []
    assert not fake_slack.calls("usergroups.users.list")
    board = say(slack, fake_slack, "teams", user="UPLAIN")
    assert "No teams in <#CTEAMS> yet" in board


def test_add_move_list_remove(slack: SlackSender, fake_slack: FakeSlack, app: InProcessApp) -> None:
    reply = say(slack, fake_slack, "team add Red <@U1> <@U2|two>")
    assert "Created team *Red*: added <@U1>, <@U2>." in reply
    assert snapshot(app) == [("Red", ["U1", "U2"])]

    # A person is in one team per channel: adding them elsewhere moves them.
    reply = say(slack, fake_slack, "team add Blue Jays <@U2> <@U3>")
    assert "Created team *Blue Jays*" in reply and "added <@U3>" in reply
    assert "moved <@U2> from *Red*" in reply
    assert team_of_user(app, "U2") == "Blue Jays" and team_of_user(app, "U1") == "Red"

    # Names match whatever the case; someone already in the team is told so.
    reply = say(slack, fake_slack, "team add red <@U1> <@U4>")
    assert "Team *Red*: added <@U4>; <@U1> already in it." in reply
    assert snapshot(app) == [("Blue Jays", ["U2", "U3"]), ("Red", ["U1", "U4"])]

    listed = say(slack, fake_slack, "team list")
    assert "*Blue Jays* (2): <@U2>, <@U3>" in listed and "*Red* (2): <@U1>, <@U4>" in listed

    reply = say(slack, fake_slack, "team remove Red <@U1> <@U9>")
    assert "removed <@U1>" in reply and "<@U9> was not in it" in reply
    assert snapshot(app) == [("Blue Jays", ["U2", "U3"]), ("Red", ["U4"])]

    reply = say(slack, fake_slack, "team remove blue jays")
    assert "Removed team *Blue Jays* and its 2 members" in reply
    assert snapshot(app) == [("Red", ["U4"])]
    assert team_of_user(app, "U2") is None

    reply = say(slack, fake_slack, "team remove Nobody")
    assert "There is no team *Nobody*" in reply and "Nothing was changed" in reply
    reply = say(slack, fake_slack, "team remove Nobody <@U4>")
    assert "There is no team *Nobody*" in reply
    assert snapshot(app) == [("Red", ["U4"])]


def test_sync_from_a_user_group(slack: SlackSender, fake_slack: FakeSlack, app: InProcessApp) -> None:
    say(slack, fake_slack, "team add Blue <@U1> <@U2>")
    say(slack, fake_slack, "team add Green <@U5>")
    fake_slack.usergroups["SBLUE"] = ["U2", "U3", "U5"]

    reply = say(slack, fake_slack, "team sync Blue <!subteam^SBLUE|@blue-team>")
    assert "Synced team *Blue* with <!subteam^SBLUE> (3 members)" in reply
    assert "added <@U3>" in reply and "moved <@U5> from *Green*" in reply and "removed <@U1>" in reply
    assert snapshot(app) == [("Blue", ["U2", "U3", "U5"]), ("Green", [])]
    [call] = fake_slack.calls("usergroups.users.list")
    assert call.params["usergroup"] == "SBLUE"

    # A new team straight from a group.
    fake_slack.usergroups["SOPS"] = ["U7", "U8"]
    assert "Created team *Ops*" in say(slack, fake_slack, "team sync Ops <!subteam^SOPS>")
    assert snapshot(app)[-1] == ("Ops", ["U7", "U8"])

    # Slack refuses: a clear reply, nothing changed.
    before = snapshot(app)
    fake_slack.fail_next("usergroups.users.list", error="no_such_subteam")
    reply = say(slack, fake_slack, "team sync Blue <!subteam^SGONE|@gone>")
    assert "`no_such_subteam`" in reply and "Nothing was changed" in reply
    fake_slack.fail_next("usergroups.users.list", error="missing_scope")
    assert "usergroups:read" in say(slack, fake_slack, "team sync Blue <!subteam^SBLUE>")
    # An empty group would empty the team: refused.
    fake_slack.usergroups["SEMPTY"] = []
    assert "has no members" in say(slack, fake_slack, "team sync Blue <!subteam^SEMPTY>")
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("team add <@U1>", "the team has no name"),
        ("team add Red", "no people named"),
        ("team add " + "x" * 41 + " <@U1>", "is over 40 characters"),
        ("team add Red*Team <@U1>", "`Red*Team` has characters other than"),
        ("team add <#C1|general> <@U1>", "characters other than"),
        ("team add Red <@U1> bob", "`bob` is not a mention of a person"),
        ("team add Red @bob", "`@bob` is not a mention Slack sent me"),
        ("team add Red <!subteam^S1|@g>", "is not a mention of a person"),
        ("team remove", "the team has no name"),
        ("team remove Keep <@U7> <!here>", "`&lt;!here&gt;` is not a mention of a person"),
        ("team sync Keep <@U1>", "is not a mention of a user group"),
        ("team sync Keep", "no user group named"),
        ("team sync Keep <!subteam^S1> <!subteam^S2>", "takes exactly one user group"),
        ("team frobnicate", "`team frobnicate` is not a team subcommand"),
    ],
)
def test_bad_input_names_the_bad_part_and_changes_nothing(
    slack: SlackSender, fake_slack: FakeSlack, app: InProcessApp, text: str, named: str
) -> None:
    say(slack, fake_slack, "team add Keep <@U7>")
    before = snapshot(app)
    reply = say(slack, fake_slack, text)
    assert named in reply
    assert "Nothing was changed" in reply or "not a team subcommand" in reply
    assert snapshot(app) == before
    assert not fake_slack.calls("usergroups.users.list")


def test_a_forty_character_name_is_fine(slack: SlackSender, fake_slack: FakeSlack, app: InProcessApp) -> None:
    name = "Équipe-Ω " + "x" * 31
    assert len(name) == 40
    assert f"Created team *{name}*" in say(slack, fake_slack, f"team add {name} <@U1>")
    assert snapshot(app) == [(name, ["U1"])]


# -- the board -------------------------------------------------------------------------------
BOARD_LINE = re.compile(
    r"^(?:🥇|🥈|🥉|\d+\.) \*(?P<name>[^*]+)\* — \*(?P<score>[\d.]+)\* correct per member per day · "
    r"(?P<members>\d+) members? · turnout (?P<turnout>\d+)%$"
)


def board_rows(text: str) -> list[tuple[str, str, int, int]]:
    """(name, score as shown, members, turnout %) per line of the board, in rank order."""
    rows = []
    for line in text.splitlines():
        match = BOARD_LINE.match(line)
        if match:
            rows.append((match["name"], match["score"], int(match["members"]), int(match["turnout"])))
    return rows


@pytest.fixture
def clock(fake_slack: FakeSlack) -> FakeClock:
    made = FakeClock(dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC))
    fake_slack.clock = made.now  # message timestamps follow the test's time
    return made


@pytest.fixture
def clocked(
    env: dict[str, str], clock: FakeClock, fake_slack: FakeSlack
) -> Iterator[tuple[InProcessApp, SlackSender]]:
    server = InProcessApp.from_env(env, clock=clock)
    try:
        yield server, SlackSender(base_url=server.base_url, response_url_for=fake_slack.response_url)
    finally:
        server.stop()


BIG = [f"UBIG{i}" for i in range(1, 7)]  # six people; only the first three turn up in November
SMALL = ["USMALL1", "USMALL2"]  # two people who answer every day
STEADY = ["USTEADY1", "USTEADY2", "USTEADY3"]  # answer every day; the third is always wrong
SOLO = ["USOLO"]  # an expert, never wrong, who skipped half the days

# quiz day -> {user: right?}
PLAN: dict[dt.date, dict[str, bool]] = {
    dt.date(2026, 10, 30): dict.fromkeys(BIG, True),  # all time only: Big's one full day
    dt.date(2026, 11, 16): {
        **dict.fromkeys(BIG[:3], True),
        "USMALL1": True,
        "USMALL2": False,
        "USTEADY1": True,
        "USTEADY2": True,
        "USTEADY3": False,
    },
    **{
        day: {
            **dict.fromkeys(BIG[:3], True),
            **dict.fromkeys(SMALL, True),
            "USTEADY1": True,
            "USTEADY2": True,
            "USTEADY3": False,
            **({"USOLO": True} if day != dt.date(2026, 11, 24) else {}),
        }
        for day in (dt.date(2026, 11, 24), dt.date(2026, 11, 25), TODAY)
    },
}


def mention(user: str) -> str:
    return f"<@{user}|{user.lower()}>"


def test_board_ranks_by_correct_per_member_per_quiz_day(
    clocked: tuple[InProcessApp, SlackSender], clock: FakeClock, fake_slack: FakeSlack
) -> None:
    _server, slack = clocked
    say(slack, fake_slack, "team add Big " + " ".join(mention(u) for u in BIG))
    say(slack, fake_slack, "team add Small " + " ".join(mention(u) for u in SMALL))
    fake_slack.usergroups["SSTEADY"] = STEADY
    say(slack, fake_slack, "team sync Steady <!subteam^SSTEADY|@steady>")
    say(slack, fake_slack, "team add Solo " + mention("USOLO"))

    clicks = 0
    for day, answers in PLAN.items():
        clock.set(dt.datetime.combine(day, dt.time(9, 30), tzinfo=dt.UTC))
        assert f"Posted today's question ({day})" in say(slack, fake_slack, "post")
        message = fake_slack.messages(CHANNEL)[-1]
        values = buttons(message)
        for user, right in answers.items():
            letter = correct_letter(message) if right else wrong_letter(message)
            assert slack.click(value=values[letter], user=user, channel=CHANNEL).status_code == 200
        clicks += len(answers)
        fake_slack.wait_for_replies(clicks)
    clock.set(dt.datetime.combine(TODAY, dt.time(15), tzinfo=dt.UTC))

    # This month (Nov 16, 24, 25, 26: 4 quiz days). Big has the most correct answers (12,
    # against Small's 7) but half of it never turns up: 12 ÷ (6 × 4) = 0.50. Small, always
    # there: 7 ÷ (2 × 4) = 0.875. Steady, always there, one wrong member: 8 ÷ 12 = 0.67.
    # Solo never erred but skipped two days: 2 ÷ 4 = 0.50, the same as Big, and the same
    # turnout, so the name decides.
    month = say(slack, fake_slack, "teams", user="USMALL1")
    assert board_rows(month) == [
        ("Small", "0.88", 2, 100),
        ("Steady", "0.67", 3, 100),
        ("Big", "0.50", 6, 50),
        ("Solo", "0.50", 1, 50),
    ]
    assert "🏆 Teams · November 2026" in month and "4 quiz days (November 2026)" in month
    assert "You are in *Small*" in month
    assert month == say(slack, fake_slack, "teams month", user="USMALL1")
    print("\n--- /leader-quiz teams (as USMALL1) ---\n" + month)

    # This week (Nov 24-26: 3 days). Solo ties Steady at 2/3 but turned out less, so ranks below.
    week = say(slack, fake_slack, "teams week", user="UPLAIN")
    assert board_rows(week) == [
        ("Small", "1.00", 2, 100),
        ("Steady", "0.67", 3, 100),
        ("Solo", "0.67", 1, 67),
        ("Big", "0.50", 6, 50),
    ]
    assert "week of Nov 23" in week and "3 quiz days" in week and "You are in" not in week

    # All time (5 days; only Big played in October): Big's full day lifts it above Steady.
    alltime = say(slack, fake_slack, "teams all", user="UBIG4")
    assert board_rows(alltime) == [
        ("Small", "0.70", 2, 80),
        ("Big", "0.60", 6, 60),
        ("Steady", "0.53", 3, 80),
        ("Solo", "0.40", 1, 40),
    ]
    assert "all time" in alltime and "You are in *Big*" in alltime

    # Scores follow current members: moving Big's three absentees to Solo halves Solo.
    say(slack, fake_slack, "team add Solo " + " ".join(mention(u) for u in BIG[3:]))
    after = dict((name, score) for name, score, _, _ in board_rows(say(slack, fake_slack, "teams")))
    assert after["Big"] == "1.00" and after["Solo"] == "0.12"

    assert "`yearly` is not a period" in say(slack, fake_slack, "teams yearly", user="UPLAIN")
