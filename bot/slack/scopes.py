"""The bot scopes each Web API method the app calls needs: the one list the manifest, the
OAuth install (SLACK_SCOPES' default) and `leader-quiz doctor` are checked against."""

from __future__ import annotations

# slack_sdk method name -> the bot scopes it needs.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth_test": frozenset(),
    "chat_postMessage": frozenset({"chat:write"}),
    "chat_postEphemeral": frozenset({"chat:write"}),
    "chat_update": frozenset({"chat:write"}),
    # Finding a posted message by its metadata after a crash: public and private channels, and
    # the reminder DMs.
    "conversations_history": frozenset({"channels:history", "groups:history", "im:history"}),
    "conversations_open": frozenset({"im:write"}),  # the DM channel a reminder goes to
    # `leader-quiz doctor`: is the bot still in each scheduled channel, is it archived.
    "conversations_info": frozenset({"channels:read", "groups:read"}),
    "users_info": frozenset({"users:read"}),
    "usergroups_users_list": frozenset({"usergroups:read"}),
    "views_open": frozenset(),  # the "Report a problem" modal: needs only a trigger_id
    "views_publish": frozenset(),
}
# Scopes needed for what the app receives rather than calls.
RECEIVED_SCOPES = frozenset({"commands"})  # /leader-quiz


def required_scopes() -> frozenset[str]:
    """Every bot scope the app needs."""
    needed = set(RECEIVED_SCOPES)
    for scopes in METHOD_SCOPES.values():
        needed |= scopes
    return frozenset(needed)
