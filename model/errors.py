"""The one error type users see: which file, which field, what is wrong."""
from __future__ import annotations


class InputError(ValueError):
    """Bad input. Rendered as one line: ``FILE: field 'FIELD': PROBLEM``.

    The CLI prints it and exits with code 2; the app shows it in an error box.
    """

    def __init__(self, file: str, field: str, problem: str):
        self.file, self.field, self.problem = str(file), field, problem
        super().__init__(self.line())

    def line(self) -> str:
        where = f"field '{self.field}'" if self.field else "file"
        return f"{self.file}: {where}: {self.problem}"
