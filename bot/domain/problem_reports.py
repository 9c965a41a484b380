"""Players' reports of problems with questions, as plain data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OpenReport:
    id: int
    team_id: str
    user_id: str
    question_id: str
    prompt: str
    chosen: str | None  # the option's text, when the report came from an answer
    note: str
    created_at: str

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "team": self.team_id,
            "user": self.user_id,
            "question": self.question_id,
            "chosen": self.chosen,
            "note": self.note,
            "created_at": self.created_at,
        }
