"""The quiz's rules as pure functions over plain values: grading and option order, streaks and
freezes, periods, spaced review (FSRS), channel schedules, reminder due times and the team
score. No database, no Slack, no I/O: `db` and `bot` call these; they call nothing of ours."""
