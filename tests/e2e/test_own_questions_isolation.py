"""One workspace's own questions are never another's (SPEC §12, §9), in multi-workspace mode, with
two workspaces that wrote questions under the SAME local ids (and lessons under the same ids):
posts, practice, review, insights, exports, suggestions, retiring and a channel's choice of
lessons each stay in their workspace. Every workspace filter in the own-question queries is
load-bearing here: removing any one of them fails one of these tests (see the README)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.domain.authoring import Draft
from bot.services.export import write_answers
from db.models import OwnLesson, OwnQuestion, Post
from tests.support.clocks import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.installs import add_to_slack, multi_env
from tests.support.messages import block_texts, buttons, shown_options, unescape
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

W1, W2 = "TAURORA", "TBOREAL"
MARK = {W1: "Aurora", W2: "Borealis"}
DAY = dt.date(2026, 12, 1)


@pytest.fixture
def env(fake_slack: FakeSlack, database_url: str) -> dict[str, str]:
    return multi_env(fake=fake_slack, database_url=database_url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime.now(dt.UTC))


@pytest.fixture
def app(env: dict[str, str], clock: FakeClock) -> Iterator[InProcessApp]:
    server = InProcessApp.from_env(env, clock=clock)
    yield server
    server.stop()


def question(team: str, local_id: str) -> dict:
    mark = MARK[team]
    return {
        "id": local_id,
        "difficulty": 2,
        "source": f"The {mark} runbook, section '{local_id}'",
        "prompt": f"In the {mark} cluster, during drill {local_id}, which node may take writes?",
        "options": [
            {"text": f"Only the {mark} node holding the leader lease", "correct": True},
            {"text": f"Every {mark} node that is still running"},
            {"text": f"The {mark} node with the most memory"},
        ],
        "explanation": f"Only the node holding the {mark} leader lease takes writes; the others wait.",
    }


def pack(tmp_path: Path, team: str, questions: int, *, more: bool) -> Path:
    """The same lesson and question ids in every workspace, each with its own texts."""
    lessons = [
        {
            "id": "ours",
            "title": f"Our {MARK[team]} systems",
            "goal": "What we should know about our own systems.",
            "questions": [question(team, f"q-{n}") for n in range(1, questions + 1)],
        }
    ]
    if more:
        lessons.append(
            {"id": "more", "title": "More of ours", "goal": "More.", "questions": [question(team, "m-1")]}
        )
    path = tmp_path / f"{team}.yaml"
    path.write_text(yaml.safe_dump_all(lessons, sort_keys=False))
    return path


class Workspace:
    def __init__(self, app: InProcessApp, fake: FakeSlack, team: str) -> None:
        self.app, self.fake, self.team = app, fake, team
        self.slack = SlackSender(base_url=app.base_url, response_url_for=fake.response_url, team_id=team)
        self.admin = f"UA{team[-3:]}"
        fake.admins.add(self.admin)
        fake.user_teams[self.admin] = team

    def post(self, channel: str, day: dt.date) -> str:
        outcome = self.app.runtime.posts.post_daily(
            team_id=self.team, channel_id=channel, quiz_day=day, timezone="UTC", fence=None
        )
        assert outcome.status.value == "posted", outcome
        assert outcome.question_id is not None
        return outcome.question_id

    def say(self, text: str, user: str, channel: str = "CGENERAL") -> str:
        key = f"{self.team}-{user}-{text}-{dt.datetime.now().timestamp()}"
        self.slack.command(text, user=user, channel=channel, key=key)
        [answer] = self.fake.wait_for("response_url", where=lambda c: c.params["_key"] == key)
        return block_texts(answer.params["blocks"])

    def own_ids(self) -> list[str]:
        return [q.question_id for q in self.app.runtime.own.listing(team_id=self.team) if not q.retired]


@pytest.fixture
def both(app: InProcessApp, fake_slack: FakeSlack, tmp_path: Path) -> tuple[Workspace, Workspace]:
    for team in (W1, W2):
        done = add_to_slack(fake_slack, start_at=app.base_url, team_id=team)
        assert done.status_code == 200, done.text[:300]
    one, two = Workspace(app, fake_slack, W1), Workspace(app, fake_slack, W2)
    for workspace, count, more in ((one, 4, True), (two, 3, False)):
        report = app.runtime.own.import_pack(
            team_id=workspace.team, target=pack(tmp_path, workspace.team, count, more=more)
        )
        assert report.imported, report.problems
    return one, two


def test_posts_practice_review_insights_and_exports_stay_in_their_workspace(
    app: InProcessApp, fake_slack: FakeSlack, clock: FakeClock, both: tuple[Workspace, Workspace]
) -> None:
    one, two = both
    assert one.own_ids() == [f"own/{W1}/q-{n}" for n in (1, 2, 3, 4)] + [f"own/{W1}/m-1"]
    assert two.own_ids() == [f"own/{W2}/q-{n}" for n in (1, 2, 3)]
    assert "follows your workspace's own lessons only" in one.say("lessons use own", one.admin, "CONE")
    assert "follows your workspace's own lessons only" in two.say("lessons use own", two.admin, "CTWO")

    # Posts: each channel goes through its own workspace's questions, all of them, then again.
    posted = [one.post("CONE", DAY + dt.timedelta(days=n)) for n in range(6)]
    assert posted == [*one.own_ids(), f"own/{W1}/q-1"]
    for message in fake_slack.messages("CONE"):
        assert "Aurora" in block_texts(message["blocks"]) and "Borealis" not in block_texts(message["blocks"])
    assert [two.post("CTWO", DAY + dt.timedelta(days=n)) for n in range(4)] == [
        *two.own_ids(),
        f"own/{W2}/q-1",
    ]
    for message in fake_slack.messages("CTWO"):
        assert "Borealis" in block_texts(message["blocks"]) and "Aurora" not in block_texts(message["blocks"])

    # A channel id both workspaces use: one's choice of lessons and its posts are not the other's.
    assert "own lessons only" in one.say("lessons use own", one.admin, "CSAME")
    assert one.post("CSAME", DAY) == f"own/{W1}/q-1"
    assert two.post("CSAME", DAY) == "basics-1"  # W2 never chose its own lessons there
    assert (
        one.post("CSHARED", DAY) == "basics-1"
        and one.post("CSHARED", DAY + dt.timedelta(days=1)) == "basics-2"
    )
    assert two.post("CSHARED", DAY) == "basics-1"  # W1's posts there use up nothing of W2's

    # Answers, from people of each workspace, on the open questions.
    latest_one = fake_slack.messages("CONE")[-1]
    wrong = next(
        letter for letter, text in shown_options(latest_one).items() if "still running" in unescape(text)
    )
    one.slack.click(value=buttons(latest_one)[wrong], user="UP1", channel="CONE")
    fake_slack.wait_for_replies(user="UP1")
    with app.runtime.db.reading() as session:
        shared = {
            post.team_id: post.id
            for post in session.execute(
                select(Post).where(Post.channel_id == "CSHARED", Post.status == "open")
            ).scalars()
        }
    for workspace, user in ((one, "UCS1"), (two, "UCS2")):
        message = next(
            m
            for m in fake_slack.messages("CSHARED")
            if any(v.startswith(f"{shared[workspace.team]}:") for v in buttons(m).values())
        )
        workspace.slack.click(value=next(iter(buttons(message).values())), user=user, channel="CSHARED")
        fake_slack.wait_for_replies(user=user)

    # Practice and review: the person's own workspace's questions only.
    practice = one.say("practice ours", "UP1")
    assert "Aurora" in practice and "Borealis" not in practice
    practice = two.say("practice ours", "UP2")
    assert "Borealis" in practice and "Aurora" not in practice
    clock.advance(minutes=15)  # the wrong answer's card is due again within minutes
    review = one.say("review", "UP1")
    assert "Aurora" in review and "Borealis" not in review
    assert "All caught up" in two.say("review", "UP1")  # the same person id in W2 has no cards there

    # Insights and exports.
    insights = app.runtime.insights.insights(team_id=W1, channel_id="CONE", period="all")
    assert {q.question_id for q in insights.questions} == {f"own/{W1}/q-1"}
    assert insights.questions[0].top_wrong_option == "Every Aurora node that is still running"
    shared_two = app.runtime.insights.insights(team_id=W2, channel_id="CSHARED", period="all")
    assert [(q.question_id, q.answered) for q in shared_two.questions] == [("basics-1", 1)]
    out = io.StringIO()
    write_answers(
        out,
        db=app.runtime.db,
        question=lambda qid, version: app.runtime.catalog.version_of(W2, qid, version),
        team_id=W2,
        channel_id="CSHARED",
        start=None,
        end=None,
    )
    rows = out.getvalue().splitlines()[1:]
    assert len(rows) == 1 and ",UCS2," in rows[0]
    exported_one = app.runtime.own.export_pack(team_id=W1)
    exported_two = app.runtime.own.export_pack(team_id=W2)
    assert "Aurora" in exported_one and "Borealis" not in exported_one
    assert "Borealis" in exported_two and "Aurora" not in exported_two
    assert [d["id"] for d in yaml.safe_load_all(exported_two)] == ["ours"]


def test_another_workspaces_question_cannot_be_reached_by_id(
    app: InProcessApp, fake_slack: FakeSlack, both: tuple[Workspace, Workspace]
) -> None:
    _one, two = both
    theirs = app.runtime.catalog.version_of(W1, f"own/{W1}/q-1", None)
    assert theirs is not None
    assert app.runtime.catalog.version_of(W2, f"own/{W1}/q-1", theirs.version) is None
    # A practice button naming W1's question, clicked in W2: not available.
    value = f"p:own/{W1}/q-1@{theirs.version}:42:A"
    two.slack.practice_click(value=value, user="UP2", channel="CGENERAL")
    [reply] = fake_slack.wait_for_replies(user="UP2")
    assert "not available" in block_texts(reply.params["blocks"])
    assert (
        app.runtime.problem_reports.file(
            team_id=W2, user_id="UP2", channel_id=None, question_id=f"own/{W1}/q-1", option_index=0, note="x"
        )
        is None
    )


def test_suggestions_retiring_and_places_stay_in_their_workspace(
    app: InProcessApp, fake_slack: FakeSlack, both: tuple[Workspace, Workspace]
) -> None:
    one, two = both
    own = app.runtime.own
    draft = Draft(
        lesson_id="ours",
        prompt="Which node may take writes after the drill?",
        options=("The node holding the leader lease", "Any node still running", "The node with most memory"),
        correct=1,
        explanation="Only the node holding the leader lease takes writes.",
        source="Our runbook, section 'Writes'",
    )
    # The same person id in both workspaces (Enterprise Grid's W ids are): the limit is per workspace.
    first = [own.suggest(team_id=W1, user_id="WSAME", draft=draft) for _ in range(5)]
    assert all(isinstance(n, int) for n in first)
    in_two = own.suggest(team_id=W2, user_id="WSAME", draft=draft)
    assert isinstance(in_two, int)
    assert own.home(team_id=W2, user_id=two.admin).pending == 1
    assert [s.id for s in own.home(team_id=W2, user_id=two.admin).queue] == [in_two]
    # W2's admin cannot decide W1's suggestions by id.
    assert not own.approve(team_id=W2, suggestion_id=first[0], by=two.admin).ok
    assert not own.reject(team_id=W2, suggestion_id=first[1], by=two.admin, note="no").ok
    assert own.pending(team_id=W1) == 5
    assert own.suggestion(team_id=W2, suggestion_id=first[2]) is None
    # Approved in W2: the question goes last in W2's own lesson (W1's has more).
    decision = own.approve(team_id=W2, suggestion_id=in_two, by=two.admin)
    assert decision.ok and decision.saved is not None and decision.saved.local_id == "ours-1"
    # A new lesson written in W2 comes after W2's one lesson (W1 has two).
    saved = own.save(
        team_id=W2,
        user_id=two.admin,
        draft=Draft(
            **{**draft.as_json(), "lesson_id": None, "new_lesson": "Brand new", "options": draft.options}
        ),
    )  # type: ignore[arg-type]
    with app.runtime.db.reading() as session:
        place = session.execute(
            select(OwnQuestion.position).where(OwnQuestion.team_id == W2, OwnQuestion.local_id == "ours-1")
        ).scalar_one()
        lesson_place = session.execute(
            select(OwnLesson.position).where(OwnLesson.team_id == W2, OwnLesson.lesson_id == "brand-new")
        ).scalar_one()
    assert place == 4 and lesson_place == 2, saved
    # Retiring q-2 in W1 leaves W2's q-2 in rotation.
    assert own.retire(team_id=W1, local_id="q-2")
    assert f"own/{W1}/q-2" not in one.own_ids() and f"own/{W2}/q-2" in two.own_ids()
    assert not own.retire(team_id=W2, local_id="m-1")  # W2 has no m-1
    assert f"own/{W1}/m-1" in one.own_ids()
