"""`leader-quiz serve` with LOG_FORMAT=json: its whole log (gunicorn's own lines included) is
JSON, one object per line, and a request's lines name the request, workspace, channel and
person that caused them."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.support.fake_slack import FakeSlack
from tests.support.servers import BOT_TOKEN, ServeProcess
from tests.support.slack_requests import SIGNING_SECRET, SlackSender

CHANNEL = "CJSON"


def wait_for_line(process: ServeProcess, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in process.log():
        assert time.monotonic() < deadline, f"{text!r} never logged:\n{process.log()}"
        time.sleep(0.05)


def test_serve_writes_only_json_lines(env: dict[str, str], fake_slack: FakeSlack, tmp_path: Path) -> None:
    process = ServeProcess({**env, "LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"}, tmp_path / "serve.log")
    try:
        process.wait_healthy()
        slack = SlackSender(base_url=process.base_url, response_url_for=fake_slack.response_url)
        assert slack.command("post", user="UADMIN", channel=CHANNEL).status_code == 200
        fake_slack.wait_for("chat.postMessage")
        wait_for_line(process, f"to {CHANNEL} for")
    finally:
        process.stop()
    text = process.log_path.read_text()
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            entries.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"line {number} of the serve log is not JSON: {line!r}") from None
    assert all(isinstance(e, dict) and {"time", "level", "logger", "message"} <= set(e) for e in entries)
    loggers = {e["logger"] for e in entries}
    assert "gunicorn.error" in loggers  # gunicorn's "Starting gunicorn", "Booting worker" ...
    assert any(e["message"].startswith("leader-quiz: single-workspace mode") for e in entries)
    # The post the slash command made, logged from Bolt's lazy listener thread, names its request.
    (posted,) = [e for e in entries if e["message"].startswith("posted ") and CHANNEL in e["message"]]
    assert (posted["team"], posted["channel"], posted["user"]) == ("T0001", CHANNEL, "UADMIN")
    assert len(posted["request_id"]) == 16
    assert BOT_TOKEN not in text and SIGNING_SECRET not in text
