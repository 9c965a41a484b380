"""Slack's published rate limits (SPEC §11): per app, per workspace, per Web API method, in
calls per minute, and `SLACK_RATE_LIMITS` (parsed with the other settings) for an app Slack granted more.

The floors are the published tiers' lower bounds (Tier 2 "20+", Tier 3 "50+", Tier 4 "100+"),
not what Slack may tolerate in a burst: an app that stays under them never draws a 429.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

TIER_1, TIER_2, TIER_3, TIER_4 = 1, 20, 50, 100
# chat.postMessage is a special tier: about one message a second per channel, and "several
# hundred" a minute per workspace.
POST_MESSAGE_PER_WORKSPACE = 300
POST_MESSAGE_CHANNEL_SECONDS = 1.0
# Distributed apps outside the Marketplace may call conversations.history once a minute.
DISTRIBUTED_HISTORY = 1

FLOORS: Mapping[str, int] = {
    "apps.connections.open": TIER_1,
    "auth.test": TIER_4,  # "special": far above Tier 4 in practice
    "chat.delete": TIER_3,
    "chat.postEphemeral": TIER_4,
    "chat.postMessage": POST_MESSAGE_PER_WORKSPACE,
    "chat.update": TIER_3,
    "conversations.history": TIER_3,
    "conversations.info": TIER_3,
    "conversations.open": TIER_3,
    "oauth.v2.access": TIER_4,
    "openid.connect.token": TIER_3,
    "openid.connect.userInfo": TIER_3,
    "usergroups.users.list": TIER_2,
    "users.info": TIER_4,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.update": TIER_4,
}
UNKNOWN_METHOD = TIER_2  # "most methods allow at least 20 requests per minute"


@dataclass(frozen=True)
class SlackLimits:
    """Per-minute budgets by method: the floors, raised where Slack granted this app more."""

    raised: Mapping[str, int] = field(default_factory=dict)
    distributed: bool = False  # multi-workspace mode: a distributed app's history limit

    def per_minute(self, method: str) -> int:
        if method in self.raised:
            return self.raised[method]
        if method == "conversations.history" and self.distributed:
            return DISTRIBUTED_HISTORY
        return FLOORS.get(method, UNKNOWN_METHOD)
