"""Bastion: child-safety defence for online platforms.

The public surface is what this module re-exports; everything else may change between releases.
"""

from bastion.core.errors import BastionError, ConfigError, InputError, NotFound, StorageError
from bastion.core.model import AgeBand, EntityType, Signal
from bastion.ingest import Ingestor, IngestSummary
from bastion.store import Store
from bastion.synth import GroundTruth, SynthConfig, generate, write_export

__version__ = "0.1.0"

__all__ = [
    "AgeBand",
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
