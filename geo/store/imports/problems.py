"""What an import reports: problems by row and column, and the failure that stops reading a file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

FILE_COLUMN = "*"


@dataclass(frozen=True, order=True)
class ImportProblem:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportFailed(Exception):
    """The file cannot be read at all; ``problems`` say why."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(map(str, problems)))


def fail(reason: str, column: str = FILE_COLUMN, row: int = 1) -> ImportFailed:
    return ImportFailed([ImportProblem(row, column, reason)])


def format_problems(problems: Iterable[ImportProblem]) -> str:
    return "\n".join(map(str, problems))


def problems_frame(problems: Iterable[ImportProblem]) -> pd.DataFrame:
    return pd.DataFrame([(p.row, p.column, p.reason) for p in problems], columns=["row", "column", "reason"])
