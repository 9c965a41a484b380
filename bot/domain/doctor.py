"""What `leader-quiz doctor` found, as plain data: one check per line, each failed one with
what to do about it; `as_json` is the `--json` document and `lines` the terminal's."""

from __future__ import annotations

from dataclasses import dataclass

PASS, FAIL = "✓", "✗"


@dataclass(frozen=True)
class Check:
    name: str  # what was checked: "token", "scopes", "channel C0123", ...
    ok: bool
    detail: str  # what was found
    fix: str | None = None  # for a failed check: what to do about it

    def as_json(self) -> dict:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}

    def line(self) -> str:
        text = f"{PASS if self.ok else FAIL} {self.name}: {self.detail}"
        return text if self.ok or not self.fix else f"{text} → {self.fix}"


@dataclass(frozen=True)
class DoctorReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def as_json(self) -> dict:
        return {"ok": self.ok, "checks": [check.as_json() for check in self.checks]}

    def lines(self) -> list[str]:
        """One line per check, then a one-line verdict."""
        verdict = (
            f"all {len(self.checks)} checks passed"
            if self.ok
            else f"{len(self.failed)} of {len(self.checks)} checks failed"
        )
        return [check.line() for check in self.checks] + [verdict]
