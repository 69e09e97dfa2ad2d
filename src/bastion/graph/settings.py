"""Settings of network detection: where the Spark engine runs (``BASTION_SPARK_*``) and how catch-up after
live events works (``BASTION_CATCHUP_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GraphSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASTION_", extra="ignore", use_attribute_docstrings=True)

    spark_master: str = "local[2]"
    """Spark master for `bastion detect --engine spark` (install `bastion[spark]`)."""
    spark_driver_memory: str = "2g"
    """Memory of the Spark driver (the local engine's process when the master is local)."""
    catchup_interval_seconds: float = Field(default=60.0, gt=0)
    """How often the service's leader catches scans and detection up on live events (`bastion catchup`)."""
    catchup_hops: int = Field(default=1, ge=0, le=5)
    """Catch-up re-derives the networks within this many chosen contacts of the accounts events touched."""
    catchup_max_drift: float = Field(default=0.05, ge=0, le=1)
    """Catch-up keeps an untouched network while no member's probability moved more (else: a full run)."""
