"""The one error type users see: which file, which field, what is wrong."""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]  # the checkout: paths inside it are shown relative to it


def display_path(file) -> str:
    """How a message names a file: a path inside the project as ``data/…`` (the app never shows
    where it is installed), any other name as given."""
    text = str(file)
    if text.startswith("/") and Path(text).is_relative_to(PROJECT):
        return Path(text).relative_to(PROJECT).as_posix()
    return text


class InputError(ValueError):
    """Bad input. Rendered as one line: ``FILE: field 'FIELD': PROBLEM``.

    The CLI prints it and exits with code 2; the app shows it in an error box.
    """

    def __init__(self, file: str, field: str, problem: str, more: Iterable[InputError] = ()):
        self.file, self.field, self.problem = display_path(file), field, problem
        self.more = list(more)  # further problems found in the same check (the app lists them all)
        super().__init__(self.line())

    def line(self) -> str:
        where = f"field '{self.field}'" if self.field else "file"
        return f"{self.file}: {where}: {self.problem}"

    def lines(self) -> list[str]:
        """This problem and every further one, one line each."""
        return [self.line()] + [e.line() for e in self.more]


def raise_all(errors: list[InputError]) -> None:
    """Raise the first error carrying the others (nothing when the list is empty)."""
    if errors:
        first = errors[0]
        raise InputError(first.file, first.field, first.problem, errors[1:])


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """" (did you mean 'x'?)" for the closest of ``choices`` to a misspelt ``word``, else ""."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
