"""Bastion: child-safety defence for online platforms.

The public surface is what this module re-exports; everything else may change between releases. Start
with ``Bastion.open(database_url)``: the store and every capability over it.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from bastion.core.errors import BastionError, ConfigError, InputError, NotFound, StorageError
from bastion.core.model import AgeBand, EntityType, Signal

if TYPE_CHECKING:
    from bastion.ingest import Ingestor, IngestSummary
    from bastion.store import Store
    from bastion.synth import GroundTruth, SynthConfig, generate, write_export
    from bastion.system import Bastion

__version__ = "0.1.0"

#: Imported on first use: importing any Bastion module imports this package first, and ``bastion.core``
#: must stay light (it is what a Synapse module or a plugin loads).
_LAZY = {
    "Bastion": "bastion.system",
    "IngestSummary": "bastion.ingest",
    "Ingestor": "bastion.ingest",
    "Store": "bastion.store",
    "GroundTruth": "bastion.synth",
    "SynthConfig": "bastion.synth",
    "generate": "bastion.synth",
    "write_export": "bastion.synth",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
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
