"""Settings of network detection (``BASTION_SPARK_*``): where the Spark engine runs."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class GraphSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASTION_", extra="ignore", use_attribute_docstrings=True)

    spark_master: str = "local[2]"
    """Spark master for `bastion detect --engine spark` (install `bastion[spark]`)."""
    spark_driver_memory: str = "2g"
    """Memory of the Spark driver (the local engine's process when the master is local)."""
