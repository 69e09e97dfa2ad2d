"""The schema every CyberTipline document is validated against before it leaves Bastion.

By default Bastion's own XSD (``data/cybertipline.xsd``, written from the element-order reference); an
operator who has NCMEC's real XSD (``GET /xsd``) points ``BASTION_CYBERTIP_XSD`` at it and nothing else
changes. A document that fails is never sent: NCMEC would reject it (4100) after the report was opened.
"""

from __future__ import annotations

import functools
from pathlib import Path

import xmlschema

from bastion.core.errors import ConfigError, InputError
from bastion.enforce import EnforceSettings

BUNDLED_XSD = Path(__file__).with_name("data") / "cybertipline.xsd"


class InvalidReport(InputError):
    """A report or fileDetails document that does not conform to the schema in force."""


def schema_path() -> Path:
    override = EnforceSettings().cybertip_xsd  # read per call: an operator's XSD applies without a restart
    return Path(override) if override else BUNDLED_XSD


@functools.lru_cache(maxsize=4)
def _load(path: str) -> xmlschema.XMLSchema:
    try:
        return xmlschema.XMLSchema(path)
    except (OSError, xmlschema.XMLSchemaException) as exc:
        raise ConfigError(f"cannot load the CyberTipline schema {path}: {exc}") from exc


def validate(document: bytes, *, path: Path | None = None) -> None:
    """Raise :class:`InvalidReport` naming the element path and reason of the first error."""
    schema = _load(str(path or schema_path()))
    error = next(iter(schema.iter_errors(document)), None)
    if error is not None:
        where = getattr(error, "path", None) or "document"
        reason = getattr(error, "reason", None) or str(error)
        raise InvalidReport(str(reason), file="cybertipline report", field=str(where))


def is_valid(document: bytes, *, path: Path | None = None) -> bool:
    try:
        validate(document, path=path)
    except InvalidReport:
        return False
    return True
