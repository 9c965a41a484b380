"""Players report problems with questions: the button under the private reply opens a modal,
the report is stored with the question, the option chosen and the note, the player is
thanked, nothing about their score changes, and admins see and resolve it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from urllib.parse import urlencode

from tests.support.fake_slack import FakeSlack
from tests.support.messages import block_texts, buttons, question_for, shown_options, wrong_letter
from tests.support.servers import InProcessApp
from tests.support.slack_requests import SlackSender

CHANNEL = "CREPORT"


def report_button(blocks: list[dict]) -> dict:
    return next(
        block["accessory"]
        for block in blocks
        if (block.get("accessory") or {}).get("action_id") == "report_problem"
    )


def submit(slack: SlackSender, fake: FakeSlack, view_id: str, *, user: str, note: str) -> dict:
    """Fill in the note on the modal as the fake Slack received it, and send it."""
    return slack.submit_view(fake, view_id, user=user, values={"note": note})


def test_a_report_from_a_private_reply_reaches_the_admins(
    app: InProcessApp, slack: SlackSender, fake_slack: FakeSlack, env: dict[str, str]
) -> None:
    app.runtime.posts.post_daily(
        team_id="T0001", channel_id=CHANNEL, quiz_day=dt.date(2026, 12, 1), timezone="UTC", fence=None
    )
    message = fake_slack.messages(CHANNEL)[-1]
    question = question_for(message)
    letter = wrong_letter(message)
    chosen_text = shown_options(message)[letter]
    slack.click(value=buttons(message)[letter], user="UCAROL", channel=CHANNEL)
    [reply] = fake_slack.wait_for_replies(user="UCAROL")
    button = report_button(reply.params["blocks"])
    assert button["text"]["text"] == "Report a problem with this question"

    payload = slack.action_payload(
        action_id="report_problem", value=button["value"], user="UCAROL", channel=CHANNEL
    )
    assert slack.post_raw(urlencode({"payload": json.dumps(payload)})).status_code == 200
    fake_slack.wait_for("views.open")
    view_id, view = fake_slack.opened_view()
    shown = block_texts(view["blocks"])
    assert question.prompt[:40].replace("&", "&amp;") in shown and chosen_text in shown

    empty = submit(slack, fake_slack, view_id, user="UCAROL", note="   ")
    assert empty["response_action"] == "errors"
    answer = submit(
        slack,
        fake_slack,
        view_id,
        user="UCAROL",
        note="Option D is also right when the lock service is local.",
    )
    assert answer["response_action"] == "update" and "Thanks" in block_texts(answer["view"]["blocks"])

    fake_slack.admins.add("UADMIN")
    slack.command("reports", user="UADMIN", channel=CHANNEL, key="reports")
    listed = block_texts(
        fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "reports")[-1].params[
            "blocks"
        ]
    )
    assert "Option D is also right" in listed and question.id in listed and "UCAROL" in listed
    assert chosen_text in listed
    slack.command("reports", user="UCAROL", channel=CHANNEL, key="refused")
    refused = block_texts(
        fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "refused")[-1].params[
            "blocks"
        ]
    )
    assert "for workspace admins" in refused

    # The report changed nothing about Carol's score.
    stats = app.runtime.stats.stats(team_id="T0001", channel_id=CHANNEL, user_id="UCAROL").stats
    assert (stats.answered, stats.correct) == (1, 0)

    # The CLI lists it too, and an admin resolves it from the list's button.
    cli = subprocess.run(
        [sys.executable, "-m", "bot", "content", "reports", "--json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    [row] = json.loads(cli.stdout)["reports"]
    assert row["question"] == question.id and row["note"].startswith("Option D") and row["user"] == "UCAROL"
    resolve = slack.action_payload(
        action_id="report_resolve", value=str(row["id"]), user="UADMIN", channel=CHANNEL, key="resolve"
    )
    slack.post_raw(urlencode({"payload": json.dumps(resolve)}))
    after = block_texts(
        fake_slack.wait_for("response_url", where=lambda c: c.params["_key"] == "resolve")[-1].params[
            "blocks"
        ]
    )
    assert "No open reports" in after
    cli = subprocess.run(
        [sys.executable, "-m", "bot", "content", "reports"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "no open reports" in cli.stdout
