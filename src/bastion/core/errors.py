"""Bastion's one exception tree.

    BastionError                      HTTP  exit
    ├── InputError                     422   2   bad input: names the file, line and field where known
    │   └── Conflict                   409   2   not in a state that allows this (claimed, decided)
    ├── NotFound                       404   1   an entity, case or list that does not exist
    ├── AuthError                      401   1   missing or wrong credentials
    ├── Forbidden                      403   1   authenticated, but the role may not do this
    ├── ConfigError                    500   2   settings that cannot work (bad URL, default secret)
    ├── StorageError                   503   1   the database refused or is not at the expected schema
    └── UpstreamError                  502   1   a service Bastion calls (CyberTipline, a webhook) failed

Each class carries its HTTP status and CLI exit code, so the adapters read them instead of keeping
their own tables; a capability's own error subclasses the branch it belongs to and inherits both.
"""

from __future__ import annotations


class BastionError(Exception):
    """Root of every error Bastion raises on purpose."""

    http_status: int = 400
    exit_code: int = 1


class InputError(BastionError):
    """Input that breaks a contract; carries where it came from so an operator can fix it."""

    http_status = 422
    exit_code = 2

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


class Conflict(InputError):
    """The thing is not in a state that allows this (claimed by someone else, already decided)."""

    http_status = 409


class NotFound(BastionError):
    """Asked-for entity does not exist."""

    http_status = 404


class AuthError(BastionError):
    """Missing or wrong credentials."""

    http_status = 401


class Forbidden(BastionError):
    """Authenticated, but the role may not do this."""

    http_status = 403


class ConfigError(BastionError):
    """Settings that cannot work: a deployment problem, so the service answers 500 and the CLI exits 2."""

    http_status = 500
    exit_code = 2


class StorageError(BastionError):
    """The database is unreachable, refused a write, or is at an unexpected schema."""

    http_status = 503


class UpstreamError(BastionError):
    """A service Bastion depends on (the CyberTipline, a platform's webhook) failed or refused."""

    http_status = 502
