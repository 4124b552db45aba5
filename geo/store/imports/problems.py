"""What an import reports: problems by row and column, and the failure that stops reading a file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pandas as pd

from geo.i18n import visible
from geo.store.imports import limits
from geo.store.imports.options import ProgressFn

FILE_COLUMN = "*"
MAX_REASON_CHARS = 300  # a reason quotes the cell; a cell of thousands of characters is cut


@dataclass(frozen=True, order=True)
class ImportProblem:
    row: int
    column: str
    reason: str

    def __post_init__(self) -> None:
        # A column is named by the file's header: quoted back shortened, its hidden characters made visible.
        object.__setattr__(self, "column", visible(self.column))
        if len(self.reason) > MAX_REASON_CHARS:
            object.__setattr__(self, "reason", self.reason[: MAX_REASON_CHARS - 1] + "…")

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportFailed(Exception):
    """The file cannot be read at all; ``problems`` say why."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(map(str, problems)))


def fail(reason: str, column: str = FILE_COLUMN, row: int = 1) -> ImportFailed:
    return ImportFailed([ImportProblem(row, column, reason)])


def stop_checking(problems: list[ImportProblem], row: int) -> bool:
    """True (and a last problem saying so) once ``problems`` reach MAX_PROBLEMS: the rest of the file goes unchecked."""
    if len(problems) < limits.MAX_PROBLEMS:
        return False
    problems.append(ImportProblem(row, FILE_COLUMN, limits.refusal("problems", limits.MAX_PROBLEMS)))
    return True


def rows_to_check(
    rows: Sequence[tuple[int, list[str]]], problems: list[ImportProblem], progress: ProgressFn | None, every: int
) -> Iterator[tuple[int, list[str]]]:
    """The table's (row number, cells) in turn, reporting progress every ``every`` rows, until the
    problems reach MAX_PROBLEMS (stop_checking)."""
    n = len(rows)
    for done, (row, cells) in enumerate(rows):
        if stop_checking(problems, row):
            return
        if progress and done % every == 0:
            progress(done / n, f"{done}/{n}")
        yield row, cells


def format_problems(problems: Iterable[ImportProblem]) -> str:
    return "\n".join(map(str, problems))


def problems_frame(problems: Iterable[ImportProblem]) -> pd.DataFrame:
    return pd.DataFrame([(p.row, p.column, p.reason) for p in problems], columns=["row", "column", "reason"])
