"""Input errors that name the file, the row and the field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be loaded. ``row`` is the 1-based data row (header excluded),
    or None when the problem concerns the whole file."""

    file: str
    row: int | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: {self.reason}"


class InputError(ValueError):
    """A file was rejected; nothing from it was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = problems
        super().__init__(self._message())

    @classmethod
    def single(
        cls, file: str | Path, reason: str, row: int | None = None, field: str | None = None
    ) -> InputError:
        return cls([Problem(str(file), row, field, reason)])

    def _message(self) -> str:
        shown = [str(p) for p in self.problems[:MAX_LISTED]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problems")
        head = f"{len(self.problems)} problem(s); nothing was loaded"
        return head + ":\n  " + "\n  ".join(shown)
