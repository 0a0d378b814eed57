"""PackError: a bad pack, named by file and by the path inside it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pydantic import ValidationError


class PackError(Exception):
    """A pack that cannot be loaded.

    `file` is the pack file (or directory), `path` the place inside it such as
    `payers[3].decision_clock.standard.amount` ("" when the whole file is at fault), `message` what
    is wrong. `more` holds any further problems found in the same file, so an author can fix them
    in one pass instead of one per run.
    """

    def __init__(
        self, file: Path, path: str, message: str, more: Sequence[tuple[str, str]] = ()
    ) -> None:
        self.file = Path(file)
        self.path = path
        self.message = message
        self.more = tuple(more)
        super().__init__(self.file, path, message, self.more)  # keeps the error picklable

    def __str__(self) -> str:
        lines = [_line(self.file.name, self.path, self.message)]
        lines += [_line("  also", path, message) for path, message in self.more]
        return "\n".join(lines)

    @classmethod
    def from_validation(
        cls, file: Path, exc: ValidationError, prefix: tuple[str | int, ...] = ()
    ) -> PackError:
        problems = [(loc_to_path(prefix + tuple(e["loc"])), _message(e)) for e in exc.errors()]
        (path, message), *more = problems
        return cls(file, path, message, more)


def loc_to_path(loc: Sequence[str | int]) -> str:
    """('payers', 3, 'decision_clock') -> 'payers[3].decision_clock'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line(head: str, path: str, message: str) -> str:
    return f"{head}: {path}: {message}" if path else f"{head}: {message}"


def _message(error: dict) -> str:
    # pydantic prefixes our own validator messages with "Value error, "; the author does not need it.
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    # Echo small offending values (a wrong plan_type, a negative amount) so the fix is obvious;
    # skip "missing" (the input is the parent mapping) and container inputs (too long to be useful).
    if error["type"] != "missing" and isinstance(value, str | int | float | bool | date | None):
        message += f" (got {value!r})"
    return message
