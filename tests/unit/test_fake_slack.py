"""Tests for the fake Slack Web API server, driven through the real slack_sdk WebClient."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from tests.support.fake_slack import Call, FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(admins={"UADMIN"}, owners={"UOWNER"}) as server:
        yield server


def client(fake: FakeSlack, *, retry_handlers: list | None = None, **kwargs: object) -> WebClient:
    """A raw client that says it passed a budget gate (these tests are about the fake itself)."""
    return WebClient(
        base_url=fake.api_url,
        token="xoxb-test",
        retry_handlers=[] if retry_handlers is None else retry_handlers,
        headers={"X-Leader-Quiz-Budget": "test"},
        **kwargs,  # type: ignore[arg-type]
    )


def test_auth_test_and_unknown_method(fake: FakeSlack) -> None:
    web = client(fake)
    auth = web.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0001", "UBOT", "B0001")
    assert web.api_call("reactions.add", json={"channel": "C1", "name": "tada"})["ok"] is True
    assert fake.calls("auth.test")[0].headers["Authorization"] == "Bearer xoxb-test"


def test_post_message_then_history_with_metadata(fake: FakeSlack) -> None:
    fake.limits = False  # two posts to one channel within a second: about history, not limits
    web = client(fake)
    metadata = {"event_type": "quiz_question", "event_payload": {"question_id": 7}}
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Q7"}}]
    first = web.chat_postMessage(channel="C1", text="Question 7", blocks=blocks, metadata=metadata)
    second = web.chat_postMessage(channel="C1", text="plain")
    web.chat_postMessage(channel="C2", text="elsewhere")
    assert first["ok"] and first["channel"] == "C1"
    assert float(second["ts"]) > float(first["ts"])

    call = fake.calls("chat.postMessage")[0]
    assert call.status == 200 and call.ok
    assert call.params["metadata"] == metadata  # JSON body kept as a dict

    history = web.conversations_history(channel="C1", include_all_metadata=True, limit=10)
    assert [m["ts"] for m in history["messages"]] == [second["ts"], first["ts"]]  # newest first
    assert history["messages"][1]["metadata"] == metadata
    assert history["messages"][1]["blocks"] == blocks
    assert "metadata" not in history["messages"][0]
    assert history["has_more"] is False
    # form-encoded include_all_metadata arrives as "1"
    assert fake.calls("conversations.history")[0].params["include_all_metadata"] == "1"

    plain = web.conversations_history(channel="C1")
    assert all("metadata" not in m for m in plain["messages"])
    assert [m["ts"] for m in web.conversations_history(channel="C1", oldest=first["ts"])["messages"]] == [
        second["ts"]
    ]
    assert web.conversations_history(channel="C1", limit=1)["has_more"] is True

    stored = fake.messages("C1")
    assert [m["text"] for m in stored] == ["Question 7", "plain"]
    assert stored[0]["user"] == "UBOT" and stored[0]["channel"] == "C1"


def test_form_encoded_body_decodes_json_values(fake: FakeSlack) -> None:
    web = client(fake)
    blocks = [{"type": "divider"}]
    web.api_call("chat.postMessage", data={"channel": "C1", "text": "hi", "blocks": json.dumps(blocks)})
    call = fake.calls("chat.postMessage")[0]
    assert call.params == {"channel": "C1", "text": "hi", "blocks": blocks}
    assert fake.messages("C1")[0]["blocks"] == blocks


def test_chat_update_changes_message(fake: FakeSlack) -> None:
    web = client(fake)
    posted = web.chat_postMessage(channel="C1", text="before")
    updated = web.chat_update(channel="C1", ts=posted["ts"], text="after", blocks=[{"type": "divider"}])
    assert (updated["ts"], updated["text"]) == (posted["ts"], "after")
    [message] = fake.messages("C1")
    assert (message["text"], message["blocks"]) == ("after", [{"type": "divider"}])

    with pytest.raises(SlackApiError) as exc:
        web.chat_update(channel="C1", ts="1.000001", text="nope")
    assert exc.value.response["error"] == "message_not_found"


def test_fail_next_429_raises_with_retry_after(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=3)
    with pytest.raises(SlackApiError) as exc:
        client(fake).chat_postMessage(channel="C1", text="hi")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "3"
    assert exc.value.response["error"] == "ratelimited"
    assert [c.status for c in fake.calls("chat.postMessage")] == [429]
    assert fake.messages("C1") == []


def test_rate_limit_retry_handler_recovers(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=sleeps.append))
    fake.fail_next("chat.postMessage", status=429, retry_after=2)
    web = client(fake, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert web.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]
    assert len(sleeps) == 1 and sleeps[0] >= 2  # honoured Retry-After
    assert len(fake.messages("C1")) == 1


def test_fail_next_error_and_server_error(fake: FakeSlack) -> None:
    web = client(fake)
    fake.fail_next("chat.postMessage", error="not_in_channel")
    fake.fail_next("chat.postMessage", status=503, times=2)
    with pytest.raises(SlackApiError) as exc:
        web.chat_postMessage(channel="C1", text="hi")
    assert exc.value.response.status_code == 200 and exc.value.response["error"] == "not_in_channel"
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            web.chat_postMessage(channel="C1", text="hi")
        assert exc.value.response.status_code == 503
    assert web.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [c.status for c in fake.calls()] == [200, 503, 503, 200]
    assert len(fake.wait_for("chat.postMessage", timeout=0.1)) == 1  # only the ok one counts


def test_reset_connection(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", reset_connection=True)
    with pytest.raises((URLError, ConnectionError)):
        client(fake).chat_postMessage(channel="C1", text="hi")
    assert fake.messages("C1") == []

    fake.fail_next("chat.postMessage", reset_connection=True)
    handler = ConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0.0))
    assert client(fake, retry_handlers=[handler]).chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [c.status for c in fake.calls("chat.postMessage")] == [0, 0, 200]
    assert len(fake.messages("C1")) == 1


def test_delay_exceeds_client_timeout_but_message_lands(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=200, delay=1.0)
    started = time.monotonic()
    with pytest.raises((TimeoutError, URLError)):
        client(fake, timeout=0.2).chat_postMessage(channel="C1", text="slow")
    assert time.monotonic() - started < 0.9
    assert [m["text"] for m in fake.messages("C1")] == ["slow"]  # took effect on arrival


def test_rate_limit_per_channel(fake: FakeSlack) -> None:
    fake.rate_limit_per_channel(per_second=1.0, burst=1, retry_after=1)
    web = client(fake)
    web.chat_postMessage(channel="C1", text="one")
    with pytest.raises(SlackApiError) as exc:
        web.chat_postMessage(channel="C1", text="two")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "1"
    assert web.chat_postMessage(channel="C2", text="other channel")["ok"] is True
    assert [(c.params["channel"], c.status) for c in fake.calls("chat.postMessage")] == [
        ("C1", 200),
        ("C1", 429),
        ("C2", 200),
    ]


def test_not_authed_is_recorded(fake: FakeSlack) -> None:
    web = WebClient(
        base_url=fake.api_url,
        token="xoxp-user-token",
        retry_handlers=[],
        headers={"X-Leader-Quiz-Budget": "test"},
    )
    with pytest.raises(SlackApiError) as exc:
        web.chat_postMessage(channel="C1", text="hi")
    assert exc.value.response["error"] == "not_authed"
    assert len(fake.calls("chat.postMessage")) == 1
    assert fake.messages("C1") == []


def test_users_usergroups_views_conversations(fake: FakeSlack) -> None:
    web = client(fake)
    assert web.users_info(user="UADMIN")["user"]["is_admin"] is True
    owner = web.users_info(user="UOWNER")["user"]
    assert owner["is_admin"] and owner["is_owner"] and owner["team_id"] == "T0001"
    assert web.users_info(user="UBOB")["user"]["is_admin"] is False
    fake.admins.add("UBOB")
    bob = web.users_info(user="UBOB")["user"]
    assert (bob["name"], bob["is_admin"], bob["is_owner"], bob["tz"]) == ("ubob", True, False, "UTC")

    fake.usergroups["S1"] = ["U1", "U2"]
    assert web.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    assert web.usergroups_users_list(usergroup="S2")["users"] == []

    view = {"type": "home", "blocks": [{"type": "divider"}]}
    published = web.views_publish(user_id="U1", view=view)["view"]  # as Slack: with its id and state
    assert {key: published[key] for key in view} == view and published["id"].startswith("V")
    assert web.conversations_info(channel="C9")["channel"] == {
        "id": "C9",
        "is_archived": False,
        "is_member": True,
    }
    assert web.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]


def test_response_url_is_recorded(fake: FakeSlack) -> None:
    url = fake.response_url("cmd/1")
    response = WebhookClient(url).send(text="done", replace_original=True)
    assert (response.status_code, response.body) == (200, "ok")
    [call] = fake.wait_for("response_url", timeout=1.0)
    assert call.params == {"text": "done", "replace_original": True, "_key": "cmd/1"}


def test_wait_for_blocks_until_call_arrives(fake: FakeSlack) -> None:
    web = client(fake)
    timer = threading.Timer(0.05, lambda: web.chat_postMessage(channel="C1", text="later"))
    timer.start()
    try:
        calls = fake.wait_for("chat.postMessage", timeout=2.0, where=lambda c: c.params["channel"] == "C1")
    finally:
        timer.join()
    assert isinstance(calls[0], Call) and calls[0].params["text"] == "later"


def test_wait_for_times_out_with_summary(fake: FakeSlack) -> None:
    client(fake).chat_postMessage(channel="C1", text="only one")
    started = time.monotonic()
    with pytest.raises(AssertionError) as exc:
        fake.wait_for("chat.postMessage", count=2, timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 1.0
    assert "chat.postMessage" in str(exc.value) and "only one" in str(exc.value)


def test_reset_forgets_calls_faults_and_messages(fake: FakeSlack) -> None:
    web = client(fake)
    web.chat_postMessage(channel="C1", text="hi")
    fake.fail_next("chat.postMessage", status=500)
    fake.reset()
    assert fake.calls() == [] and fake.messages("C1") == []
    assert web.chat_postMessage(channel="C1", text="again")["ok"] is True


def test_every_call_names_the_tokens_scopes_in_a_header(fake: FakeSlack) -> None:
    web = client(fake)
    scopes = web.auth_test().headers["x-oauth-scopes"].split(",")
    assert "usergroups:read" in scopes and "chat:write" in scopes
    fake.token_scopes = ("chat:write", "commands")
    assert web.conversations_info(channel="C1").headers["x-oauth-scopes"] == "chat:write,commands"
    refused = WebClient(base_url=fake.api_url, token=None, retry_handlers=[])
    with pytest.raises(SlackApiError) as error:
        refused.auth_test()
    assert "x-oauth-scopes" not in error.value.response.headers  # not authed: no scopes


def test_channels_can_be_left_archived_or_gone(fake: FakeSlack) -> None:
    web = client(fake)
    fake.set_channel("CLEFT", is_member=False)
    fake.set_channel("COLD", is_archived=True)
    fake.set_channel("CGONE", exists=False)
    assert web.conversations_info(channel="CLEFT")["channel"]["is_member"] is False
    old = web.conversations_info(channel="COLD")["channel"]
    assert (old["is_archived"], old["is_member"]) == (True, True)
    with pytest.raises(SlackApiError) as error:
        web.conversations_info(channel="CGONE")
    assert error.value.response["error"] == "channel_not_found"
    assert web.conversations_info(channel="COTHER")["channel"]["is_member"] is True


def test_sign_in_with_slack_is_as_strict_as_slack(fake: FakeSlack) -> None:
    """OpenID Connect on the fake: a registered redirect URI, the openid scope and the client id
    on the authorize page; the client secret, a single-use code and the same redirect URI at
    openid.connect.token; userInfo only with the user token it issued."""
    import requests

    from bot.services.sign_in import id_token_claims

    authorize = fake.api_url.removesuffix("api/") + "openid/connect/authorize"
    redirect = "http://127.0.0.1:9/admin/callback"
    query = {
        "response_type": "code",
        "scope": "openid profile",
        "client_id": fake.client_id,
        "state": "s1",
        "nonce": "n1",
        "redirect_uri": redirect,
    }
    fake.prepare_sign_in("UADMIN", "T0001")
    assert (
        requests.get(authorize, params=query, allow_redirects=False, timeout=5).status_code == 400
    )  # unregistered
    fake.sign_in_redirects.add(redirect)
    for key, bad in (("scope", "profile"), ("client_id", "nope"), ("response_type", "token")):
        assert (
            requests.get(authorize, params={**query, key: bad}, allow_redirects=False, timeout=5).status_code
            == 400
        )
    allowed = requests.get(authorize, params=query, allow_redirects=False, timeout=5)
    assert allowed.status_code == 302 and allowed.headers["Location"].startswith(redirect + "?code=")
    code = allowed.headers["Location"].split("code=")[1].split("&")[0]
    assert allowed.headers["Location"].endswith("&state=s1")
    fake.require_gate = False  # a raw client here: this test is about the fake's OpenID Connect
    web = WebClient(base_url=fake.api_url, retry_handlers=[])
    with pytest.raises(SlackApiError, match="invalid_client_id"):
        web.openid_connect_token(
            client_id=fake.client_id, client_secret="wrong", code=code, redirect_uri=redirect
        )
    # That refused attempt did not spend the code (bad credentials never reach it) ...
    with pytest.raises(SlackApiError, match="bad_redirect_uri"):
        web.openid_connect_token(
            client_id=fake.client_id, client_secret=fake.client_secret, code=code, redirect_uri=redirect + "x"
        )
    # ... but any exchange with the client's own credentials does: codes are single use.
    with pytest.raises(SlackApiError, match="invalid_code"):
        web.openid_connect_token(
            client_id=fake.client_id, client_secret=fake.client_secret, code=code, redirect_uri=redirect
        )
    fake.prepare_sign_in("UADMIN", "T0001")
    code = requests.get(authorize, params=query, allow_redirects=False, timeout=5).headers["Location"]
    code = code.split("code=")[1].split("&")[0]
    tokens = web.openid_connect_token(
        client_id=fake.client_id, client_secret=fake.client_secret, code=code, redirect_uri=redirect
    )
    claims = id_token_claims(tokens["id_token"])
    assert claims["nonce"] == "n1" and claims["aud"] == fake.client_id and claims["sub"] == "UADMIN"
    info = web.openid_connect_userInfo(token=tokens["access_token"])
    assert info["https://slack.com/user_id"] == "UADMIN" and info["https://slack.com/team_id"] == "T0001"
    with pytest.raises(SlackApiError, match="invalid_auth"):
        web.openid_connect_userInfo(token="xoxb-a-bot-token")


# -- Slack's limits ---------------------------------------------------------------------------
def test_a_method_over_its_floor_gets_429_with_retry_after_until_the_window_moves(fake: FakeSlack) -> None:
    fake.set_limit("chat.update", 3)
    web = client(fake)
    fake.limits = False
    ts = web.chat_postMessage(channel="C1", text="q")["ts"]
    fake.limits = True
    for n in range(3):
        assert web.chat_update(channel="C1", ts=ts, text=f"count {n}")["ok"]
    with pytest.raises(SlackApiError) as exc:
        web.chat_update(channel="C1", ts=ts, text="one too many")
    assert exc.value.response.status_code == 429
    assert 1 <= int(exc.value.response.headers["Retry-After"]) <= 60
    assert [c.method for c in fake.throttled] == ["chat.update"]
    # Another method, and another workspace's token, have budgets of their own.
    assert web.users_info(user="UBOB")["ok"]


def test_chat_post_message_is_one_a_second_per_channel(fake: FakeSlack) -> None:
    web = client(fake)
    assert web.chat_postMessage(channel="C1", text="one")["ok"]
    with pytest.raises(SlackApiError) as exc:
        web.chat_postMessage(channel="C1", text="two")
    assert exc.value.response.status_code == 429
    assert web.chat_postMessage(channel="C2", text="another channel")["ok"]
    time.sleep(1.05)
    assert web.chat_postMessage(channel="C1", text="a second later")["ok"]


def test_a_call_that_skipped_the_budget_gate_is_refused(fake: FakeSlack) -> None:
    web = WebClient(base_url=fake.api_url, token="xoxb-test", retry_handlers=[])
    with pytest.raises(SlackApiError) as exc:
        web.users_info(user="UBOB")
    assert exc.value.response["error"] == "ungated_call"
    assert [c.method for c in fake.ungated] == ["users.info"]


def test_a_response_url_takes_five_uses_within_thirty_minutes(fake: FakeSlack) -> None:
    now = [time.time()]
    fake.clock = lambda: dt.datetime.fromtimestamp(now[0], dt.UTC)
    url = fake.response_url("k1", user="U1", channel="C1")
    hook = WebhookClient(url)
    assert [hook.send(text=f"use {n}").status_code for n in range(5)] == [200] * 5
    used = hook.send(text="a sixth")
    assert (used.status_code, used.body) == (404, "used_url")
    late = fake.response_url("k2", user="U2")
    now[0] += 30 * 60 + 1
    expired = WebhookClient(late).send(text="too late")
    assert (expired.status_code, expired.body) == (404, "expired_url")
    assert fake.replied_users() == ["U1"] * 5
