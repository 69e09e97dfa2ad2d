"""Bastion's one exception tree.

    BastionError
    ├── InputError        bad input: names the file, line and field where known
    ├── NotFound          an entity, case or list that does not exist
    ├── ConfigError       settings that cannot work (bad URL, default secret in production)
    └── StorageError      the database refused or is not at the expected schema

Callers can catch ``BastionError`` once; adapters (CLI, API) map the branches to exit codes and
status codes in one place each.
"""

from __future__ import annotations


class BastionError(Exception):
    """Root of every error Bastion raises on purpose."""


class InputError(BastionError):
    """Input that breaks a contract; carries where it came from so an operator can fix it."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        unit: str = "line",
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.unit = unit
        super().__init__(self.__str__())

    def __reduce__(self) -> tuple[object, ...]:
        """Keep file, line and field when the error crosses a process boundary."""
        return (_input_error, (self.message, self.file, self.line, self.field, self.unit))

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.line is not None:
            where.append(f"{self.unit} {self.line}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def _input_error(
    message: str, file: str | None, line: int | None, field: str | None, unit: str
) -> InputError:
    return InputError(message, file=file, line=line, field=field, unit=unit)


class NotFound(BastionError):
    """Asked-for entity does not exist."""


class ConfigError(BastionError):
    """Settings that cannot work."""


class StorageError(BastionError):
    """The database is unreachable, refused a write, or is at an unexpected schema."""
