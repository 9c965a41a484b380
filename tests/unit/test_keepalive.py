"""Kept-alive connections to Slack (bot.slack.keepalive): the Web API clients and the
response_url poster reuse one connection per thread and host, against the fake Slack (which
speaks HTTP/1.1 as Slack does and counts the connections opened to it), and a kept connection
the server closed while idle is replaced without losing the request."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError

from bot.slack.budget import BudgetGate
from bot.slack.clients import GatedClient, retry_after_of
from bot.slack.keepalive import KeepAlive
from bot.slack.limits import SlackLimits
from bot.slack.response_urls import ResponseUrls
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def gated(fake: FakeSlack) -> GatedClient:
    client = GatedClient("xoxb-test", api_url=fake.api_url, gate=BudgetGate(db=None, limits=SlackLimits()))
    client.connections = KeepAlive()  # a pool of this test's own: the count below is its
    return client


def test_web_api_calls_from_one_thread_share_one_connection(fake: FakeSlack) -> None:
    client = gated(fake)
    opened = fake.connections
    for _ in range(5):
        assert client.auth_test()["ok"]
    client.chat_postMessage(channel="CKEEP", text="hello")
    assert fake.connections - opened == 1
    assert [call.method for call in fake.calls()] == ["auth.test"] * 5 + ["chat.postMessage"]


def test_statuses_and_slack_errors_come_back_as_from_urllib(fake: FakeSlack) -> None:
    """An `ok: false`, a 429 and a 500 reach slack_sdk as before: SlackApiError with the
    error, the status and Retry-After; the connection stays usable after each."""
    client = gated(fake)
    fake.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="one")
    assert error.value.response["error"] == "channel_not_found"
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C2", text="two")
    assert error.value.response.status_code == 429
    assert retry_after_of(error.value.response) == 1
    fake.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as error:  # after the 1 s pause the gate took from the 429
        client.chat_postMessage(channel="C3", text="three")
    assert error.value.response.status_code == 500
    assert client.chat_postMessage(channel="C4", text="four")["ok"]
    assert fake.connections == 1


def test_a_reset_connection_is_an_error_the_outbox_retries(fake: FakeSlack) -> None:
    client = gated(fake)
    fake.fail_next("chat.postMessage", reset_connection=True)
    with pytest.raises(OSError):
        client.chat_postMessage(channel="C1", text="lost")
    assert client.chat_postMessage(channel="C2", text="again")["ok"]


def test_response_url_posts_share_one_connection(fake: FakeSlack) -> None:
    poster = ResponseUrls(connections=KeepAlive())
    urls = [fake.response_url(f"k{n}", user=f"U{n}", channel="CKEEP") for n in range(4)]
    assert [poster.post(url, {"text": "right"}) for url in urls] == [200] * 4
    assert fake.connections == 1


@pytest.fixture
def closes_after_each_answer() -> Iterator[tuple[str, list[int]]]:
    """A server that answers keep-alive requests and then closes the connection while idle
    (as a load balancer does after its idle timeout), without saying so."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[int] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                head, _, body = request.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(body) < length:
                    body += connection.recv(4096)
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook", accepted
    listener.close()


def test_a_connection_closed_while_idle_is_replaced_and_the_request_sent_once(
    closes_after_each_answer: tuple[str, list[int]],
) -> None:
    url, accepted = closes_after_each_answer
    pool = KeepAlive()
    replies = [pool.post(url, body=b"{}", headers={"Content-Type": "application/json"}) for _ in range(3)]
    assert [(reply.status, reply.body) for reply in replies] == [(200, b"ok")] * 3
    assert len(accepted) == 3  # each kept connection was found closed and replaced
