"""The few exception types the package raises, and the ``Problem`` record they carry."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a look) in the content, pinned to a place.

    Rendered as ``path:line: field: message`` so editors and CI logs can jump to it.
    ``rule`` is the policy rule id (``R1``…) or a loader code (``L-unknown-key``…);
    ``action`` is the next step a comms lead should take, when there is one.
    """

    path: str
    line: int
    field: str
    message: str
    severity: Severity = Severity.ERROR
    rule: str = ""
    action: str = ""
    message_id: str = dataclasses.field(default="", compare=False)
    duty: bool = dataclasses.field(default=False, compare=False)
    """A duty still owed by the thread (acknowledge, extend, all-clear, review), pinned to a
    message for its place: it never holds that message, which is already right as written."""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.field}: " if self.field else f"{where}: "
        text += self.message
        if self.rule and not self.rule.startswith("L-"):
            text = f"{text} [{self.rule}]"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "severity": self.severity.value,
            "rule": self.rule,
            "action": self.action,
            "message_id": self.message_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Problem:
        """The problem ``as_dict`` gave (a remembered run's); ValueError for anything else."""
        try:
            text = {name: data[name] for name in
                    ("path", "field", "message", "rule", "action", "message_id")}
            line = data["line"]
            if not all(isinstance(v, str) for v in text.values()) or type(line) is not int:
                raise ValueError("not a problem record")
            return cls(line=line, severity=Severity(str(data["severity"])),
                       **text)  # type: ignore[arg-type]
        except (KeyError, TypeError) as exc:
            raise ValueError("not a problem record") from exc


class Findings:
    """What a check found, read the same way by every report of it: ``problems`` with its
    errors and warnings, and whether it fails (``loaded`` False: nothing could be read)."""

    problems: list[Problem]

    if TYPE_CHECKING:  # a field or a property of each report, so not defined here
        @property
        def loaded(self) -> bool: ...

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings)) or not self.loaded


class PublisherError(Exception):
    """Base class: an error the CLI reports as a message, never as a traceback."""


class ContentError(PublisherError):
    """The content has errors; nothing may be published from it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.is_error]
        super().__init__(
            f"{len(errors)} error(s) in the content:\n" + "\n".join(str(p) for p in errors)
        )


class ConfigError(PublisherError):
    """A setting outside the content (an option, an environment variable) is wrong."""


def relpath(path: Path, base: Path | None = None) -> str:
    """A path as users typed it: relative to ``base`` (default: the working dir) when inside it."""
    base = base or Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
