"""The curated public surface: a change to it is deliberate, so this list changes with it."""

from __future__ import annotations

import bastion

EXPECTED = {
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
}


def test_public_surface_is_deliberate() -> None:
    assert set(bastion.__all__) == EXPECTED
    for name in bastion.__all__:
        assert getattr(bastion, name) is not None


def test_every_error_is_a_bastion_error() -> None:
    for name in ("ConfigError", "InputError", "NotFound", "StorageError"):
        assert issubclass(getattr(bastion, name), bastion.BastionError)
