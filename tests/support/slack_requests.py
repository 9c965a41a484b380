"""Requests shaped and signed exactly as Slack sends them (slash command form fields,
block_actions with a `payload` JSON field), sent to the app over real HTTP."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@dataclass
class SlackSender:
    """Signs and posts Slack requests to one app; `response_url` comes from the fake."""

    base_url: str  # http://127.0.0.1:PORT
    response_url_for: object  # Callable[[str], str]
    secret: str = SIGNING_SECRET
    team_id: str = "T0001"
    enterprise_id: str | None = None  # Enterprise Grid: the organisation
    is_enterprise_install: bool = False  # the app is installed org-wide
    session: requests.Session | None = None

    def __post_init__(self) -> None:
        self.session = self.session or requests.Session()
        self.verifier = SignatureVerifier(self.secret)

    # -- raw ---------------------------------------------------------------------------
    def signed_headers(self, body: str, *, timestamp: int | None = None, content_type: str) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=ts, body=body),
        }

    def post_raw(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        sign: bool = True,
        timestamp: int | None = None,
    ) -> requests.Response:
        sent = self.signed_headers(body, timestamp=timestamp, content_type=content_type) if sign else {}
        sent.setdefault("Content-Type", content_type)
        sent.update(headers or {})
        assert self.session is not None
        return self.session.post(
            f"{self.base_url}/slack/events", data=body.encode("utf-8"), headers=sent, timeout=30
        )

    # -- shapes ------------------------------------------------------------------------
    def command_body(self, text: str, *, user: str, channel: str, key: str | None = None) -> str:
        key = key or uuid.uuid4().hex
        return urlencode(
            {
                "token": "verification-token-unused",
                "team_id": self.team_id,
                "team_domain": "example",
                "channel_id": channel,
                "channel_name": "quiz",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/leader-quiz",
                "text": text,
                "api_app_id": "A0001",
                "is_enterprise_install": "true" if self.is_enterprise_install else "false",
                **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
                "response_url": self.response_url_for(  # type: ignore[operator]
                    key, user=user, channel=channel, team=self.team_id
                ),
                "trigger_id": f"{int(time.time())}.1.{key[:8]}",
            }
        )

    def command(self, text: str, *, user: str, channel: str, key: str | None = None) -> requests.Response:
        return self.post_raw(self.command_body(text, user=user, channel=channel, key=key))

    def action_payload(
        self,
        *,
        action_id: str,
        value: str,
        user: str,
        channel: str | None,
        message_ts: str = "1700000000.000100",
        block_id: str = "daily-1",
        key: str | None = None,
        ephemeral: bool = False,
    ) -> dict:
        key = key or uuid.uuid4().hex
        payload: dict = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team_id},
            "api_app_id": "A0001",
            "token": "verification-token-unused",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": f"{int(time.time())}.1.{key[:8]}",
            "team": {"id": self.team_id, "domain": "example"},
            "enterprise": {"id": self.enterprise_id, "name": "Org"} if self.enterprise_id else None,
            "is_enterprise_install": self.is_enterprise_install,
            "channel": {"id": channel, "name": "quiz"} if channel else None,
            "message": {"type": "message", "ts": message_ts, "text": "question", "blocks": []},
            "state": {"values": {}},
            "response_url": self.response_url_for(  # type: ignore[operator]
                key, user=user, channel=channel, team=self.team_id
            ),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": action_id[-1:] or "?", "emoji": False},
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if channel is None:
            del payload["channel"]
        return payload

    def click(
        self, *, value: str, user: str, channel: str, action_id: str | None = None, **kwargs: object
    ) -> requests.Response:
        letter = value.rsplit(":", 1)[-1][:1] or "A"
        payload = self.action_payload(
            action_id=action_id or f"answer_{letter}",
            value=value,
            user=user,
            channel=channel,
            **kwargs,  # type: ignore[arg-type]
        )
        return self.post_raw(urlencode({"payload": json.dumps(payload)}))

    def event(self, event: dict, *, event_id: str | None = None) -> requests.Response:
        """An Events API callback, as Slack sends it (JSON body)."""
        return self.post_raw(self.event_body(event, event_id=event_id), content_type="application/json")

    def event_body(self, event: dict, *, event_id: str | None = None) -> str:
        """The JSON body of an Events API callback (the load generator signs and sends it)."""
        body = {
            "token": "verification-token-unused",
            "team_id": self.team_id,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            "is_enterprise_install": self.is_enterprise_install,
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": None if self.is_enterprise_install else self.team_id,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": self.is_enterprise_install,
                }
            ],
            "is_ext_shared_channel": False,
        }
        return json.dumps(body)

    def send(self, payload: dict) -> requests.Response:
        """An interaction payload (block_actions, view_submission), form-encoded as Slack sends it."""
        return self.post_raw(urlencode({"payload": json.dumps(payload)}))

    def submit_view(self, fake, view_id: str, *, user: str, values: dict) -> dict:  # type: ignore[no-untyped-def]
        """Fill in and submit a modal the fake Slack holds (built from the view it received);
        the app's answer, checked as Slack checks it (an `update` replaces the modal there)."""
        payload = fake.view_submission(view_id, user=user, values=values, team_id=self.team_id)
        response = self.send(payload)
        assert response.status_code == 200, response.text[:300]
        answer = response.json() if response.text else {}
        return fake.answer_submission(view_id, answer)

    def home_click(self, fake, user: str, *, action_id: str, value: str | None = None) -> requests.Response:  # type: ignore[no-untyped-def]
        """A click on `user`'s App Home, as the fake Slack last had it published."""
        return self.send(fake.home_action(user, action_id=action_id, value=value, team_id=self.team_id))

    def practice_click(self, *, value: str, user: str, channel: str) -> requests.Response:
        letter = value.rsplit(":", 1)[-1][:1]
        payload = self.action_payload(
            action_id=f"practice_{letter}", value=value, user=user, channel=channel, ephemeral=True
        )
        return self.post_raw(urlencode({"payload": json.dumps(payload)}))
