"""The dashboard's pages and forms: each route reads (or changes) through the Dashboard service
for the signed-in admin's own workspace, and renders a template with its charts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.admin import charts
from bot.services.sign_in import Viewer
from quiz.schedule import ScheduleError

if TYPE_CHECKING:
    from bot.admin.app import AdminApp, Request, Response

SLACK_ID = re.compile(r"^[A-Z0-9]{1,32}$")
LOCAL_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # an own question's id, as the workspace wrote it


def _channel(
    app: AdminApp, request: Request, viewer: Viewer
) -> tuple[str | None, list[str], Response | None]:
    """The quiz channel asked for (`?channel=`), one of the viewer's workspace's, or its first."""
    channels = app.dashboard.channels(team_id=viewer.team_id)
    wanted = request.query.get("channel")
    if wanted is not None and wanted not in channels:
        return None, channels, app.not_found(viewer, "Your workspace has no such quiz channel.")
    return wanted or (channels[0] if channels else None), channels, None


def overview(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    channel, channels, missing = _channel(app, request, viewer)
    if missing is not None:
        return missing
    context: dict = {"active": "overview", "channel": channel, "channels": channels, "data": None}
    if channel is not None:
        data = app.dashboard.overview(team_id=viewer.team_id, channel_id=channel)
        days = [(d.quiz_day.isoformat(), d) for d in data.days]
        context.update(
            data=data,
            days=days,
            answers_chart=charts.bar_chart(
                [(label, d.answered) for label, d in days],
                title="Answers per quiz day",
                name="answers-per-day",
            ),
            share_chart=charts.bar_chart(
                [(label, round(d.share_right, 4)) for label, d in days],
                title="Share right per quiz day",
                name="share-right",
                percent=True,
                color=charts.PALETTE[2],
            ),
            active_chart=charts.bar_chart(
                [(c.label, c.value) for c in data.active_weeks],
                title="People who answered, per week",
                name="active-people",
                color=charts.PALETTE[1],
            ),
            streak_chart=charts.bar_chart(
                [(c.label, c.value) for c in data.streaks],
                title="People by current streak",
                name="streaks",
                color=charts.PALETTE[4],
            ),
        )
    return app.render("overview.html", viewer, request, **context)


def learning(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    channel, channels, missing = _channel(app, request, viewer)
    if missing is not None:
        return missing
    context: dict = {"active": "learning", "channel": channel, "channels": channels, "data": None}
    if channel is not None:
        data = app.dashboard.learning(team_id=viewer.team_id, channel_id=channel)
        labels = [week.isoformat() for week in data.weeks]
        series = [(lesson.lesson, [lesson.share(i) for i in range(len(labels))]) for lesson in data.lessons]
        context.update(
            data=data,
            labels=labels,
            colors=[charts.legend_color(i) for i in range(len(series))],
            chart=charts.line_chart(
                labels, series, title="Remembered now, per lesson, week by week", name="remembered"
            ),
        )
    return app.render("learning.html", viewer, request, **context)


def questions(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    channel, channels, missing = _channel(app, request, viewer)
    if missing is not None:
        return missing
    context: dict = {"active": "questions", "channel": channel, "channels": channels, "rows": []}
    if channel is not None:
        rows = app.dashboard.questions(team_id=viewer.team_id, channel_id=channel)
        context.update(
            rows=rows,
            chart=charts.bar_chart(
                [(row.question_id, round(row.share_right, 4)) for row in rows],
                title="Share right per question, hardest first",
                name="question-share-right",
                percent=True,
                color=charts.PALETTE[2],
            ),
        )
    return app.render("questions.html", viewer, request, **context)


def reports(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    found = app.dashboard.open_reports(team_id=viewer.team_id)
    return app.render("reports.html", viewer, request, active="reports", reports=found)


def resolve_report(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    raw = request.form.get("report", "")
    if not raw.isdigit() or len(raw) > 12:
        return app.back("/reports", notice="not-resolved")
    resolved = app.dashboard.resolve_report(
        team_id=viewer.team_id, report_id=int(raw), actor_id=viewer.user_id
    )
    return app.back("/reports", notice="resolved" if resolved else "not-resolved")


def schedules(
    app: AdminApp, request: Request, viewer: Viewer, *, status: int = 200, **form: object
) -> Response:
    rows = app.dashboard.schedules_of(team_id=viewer.team_id)
    context = {"channel": "", "time": "09:30", "zone": "UTC", "days": "mon-fri", "error": None, **form}
    return app.render(
        "schedules.html", viewer, request, status=status, active="schedules", rows=rows, form=context
    )


def set_schedule(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    channel = request.form.get("channel", "").strip().lstrip("#").upper()
    values = {k: request.form.get(k, "").strip() for k in ("time", "zone", "days")}
    if not SLACK_ID.match(channel) or channel[:1] not in ("C", "G"):
        error = "channel: give the channel's id (C0123ABCD; in Slack: channel details, at the bottom)"
        return schedules(app, request, viewer, status=400, channel=channel, error=error, **values)
    try:
        app.dashboard.set_schedule(
            team_id=viewer.team_id,
            channel_id=channel,
            time_text=values["time"],
            zone_text=values["zone"],
            days_text=values["days"],
            actor_id=viewer.user_id,
        )
    except ScheduleError as error:
        message = f"That schedule was not saved: {error}. Nothing was changed."
        return schedules(app, request, viewer, status=400, channel=channel, error=message, **values)
    return app.back("/schedules", notice="saved")


def remove_schedule(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    channel = request.form.get("channel", "")
    removed = app.dashboard.remove_schedule(
        team_id=viewer.team_id, channel_id=channel[:32], actor_id=viewer.user_id
    )
    return app.back("/schedules", notice="removed" if removed else "not-removed")


def lessons(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    page = app.dashboard.own_lessons(team_id=viewer.team_id)
    return app.render("lessons.html", viewer, request, active="lessons", page=page)


def retire_question(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    local_id = request.form.get("question", "")
    if not LOCAL_ID.match(local_id):
        return app.back("/lessons", notice="not-retired")
    retired = app.dashboard.retire_question(
        team_id=viewer.team_id, local_id=local_id, actor_id=viewer.user_id
    )
    return app.back("/lessons", notice="retired" if retired else "not-retired")


def changes(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    return app.render(
        "changes.html",
        viewer,
        request,
        active="changes",
        changes=app.dashboard.changes(team_id=viewer.team_id),
    )


def logout(app: AdminApp, request: Request, viewer: Viewer) -> Response:
    return app.logout(request, viewer)


ROUTES: dict[tuple[str, str], Callable[[AdminApp, Request, Viewer], Response]] = {
    ("GET", ""): overview,
    ("GET", "/learning"): learning,
    ("GET", "/questions"): questions,
    ("GET", "/reports"): reports,
    ("POST", "/reports/resolve"): resolve_report,
    ("GET", "/schedules"): schedules,
    ("POST", "/schedules"): set_schedule,
    ("POST", "/schedules/remove"): remove_schedule,
    ("GET", "/lessons"): lessons,
    ("POST", "/lessons/retire"): retire_question,
    ("GET", "/changes"): changes,
    ("POST", "/logout"): logout,
}
