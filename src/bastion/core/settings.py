"""Typed settings read from the environment (``BASTION_*``), never from the repository."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./bastion.db"


class Settings(BaseSettings):
    """The store's section of the settings tree; each capability declares its own in its manifest."""

    model_config = SettingsConfigDict(env_prefix="BASTION_", extra="ignore", use_attribute_docstrings=True)

    database_url: str = DEFAULT_DATABASE_URL
    """Where Bastion keeps its state: SQLite by default, ``postgresql://…`` in production."""
    ingest_batch_rows: int = 20_000
    """Rows per transaction when loading an export (memory against commit overhead)."""
    guard_policy: str | None = None
    """A JSON file with the search guard's messages and help resources, and which categories and severities
    block or warn (``block_severity``, default ``critical``; ``warn_severity``, default ``low``; a warning for
    a minor is a block)."""


class ApiLimits(BaseSettings):
    """The API service's request limits; here, below the layers, so the one settings tree can hold them."""

    model_config = SettingsConfigDict(
        env_prefix="BASTION_API_", extra="ignore", use_attribute_docstrings=True
    )

    max_body_bytes: int = 1_048_576
    """Larger request bodies are refused (413)."""
    max_json_depth: int = 32
    """Deeper JSON nesting is refused (422)."""


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (``--db``) winning."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
