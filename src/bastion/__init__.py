"""Bastion: child-safety defence for online platforms.

The public surface is what this module re-exports; everything else may change between releases. Start
with ``Bastion.open(database_url)``: the store and every capability over it.
"""

from bastion.core.errors import BastionError, ConfigError, InputError, NotFound, StorageError
from bastion.core.model import AgeBand, EntityType, Signal
from bastion.ingest import Ingestor, IngestSummary
from bastion.store import Store
from bastion.synth import GroundTruth, SynthConfig, generate, write_export

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``bastion.Bastion`` without importing every capability whenever any Bastion module is imported."""
    if name == "Bastion":
        from bastion.system import Bastion

        return Bastion
    raise AttributeError(f"module 'bastion' has no attribute {name!r}")


__all__ = [
    "AgeBand",
    "Bastion",
    "BastionError",
    "ConfigError",
    "EntityType",
    "GroundTruth",
    "IngestSummary",
    "Ingestor",
    "InputError",
    "NotFound",
    "Signal",
    "StorageError",
    "Store",
    "SynthConfig",
    "__version__",
    "generate",
    "write_export",
]
