"""Typed settings read from the environment (``BASTION_*``), never from the repository."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./bastion.db"


class Settings(BaseSettings):
    """Where Bastion keeps its state; later capabilities add their own fields here."""

    model_config = SettingsConfigDict(env_prefix="BASTION_", extra="ignore", use_attribute_docstrings=True)

    database_url: str = DEFAULT_DATABASE_URL
    """Where Bastion keeps its state: SQLite by default, ``postgresql://…`` in production."""
    ingest_batch_rows: int = 20_000
    """Rows per transaction when loading an export (memory against commit overhead)."""
    guard_policy: str | None = None
    """A JSON file with the search guard's messages and help resources."""


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (``--db``) winning."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
