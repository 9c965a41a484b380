"""The admin dashboard (SPEC §13): Sign in with Slack, then a lead's charts of whether the team
is learning, served under /admin on `serve`'s own port."""

from bot.admin.app import AdminApp

__all__ = ["AdminApp"]
