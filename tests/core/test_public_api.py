"""The curated public surface: a change to it is deliberate, so this list changes with it."""

from __future__ import annotations

import bastion

EXPECTED = {
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
}


def test_public_surface_is_deliberate() -> None:
    assert set(bastion.__all__) == EXPECTED
    for name in bastion.__all__:
        assert getattr(bastion, name) is not None


def test_every_error_is_a_bastion_error() -> None:
    for name in ("ConfigError", "InputError", "NotFound", "StorageError"):
        assert issubclass(getattr(bastion, name), bastion.BastionError)


def test_each_error_names_its_status_and_exit_code() -> None:
    from bastion.core import errors

    expected = {
        errors.InputError: (422, 2),
        errors.Conflict: (409, 2),
        errors.NotFound: (404, 1),
        errors.AuthError: (401, 1),
        errors.Forbidden: (403, 1),
        errors.ConfigError: (500, 2),
        errors.StorageError: (503, 1),
        errors.UpstreamError: (502, 1),
    }
    for cls, (status, code) in expected.items():
        assert (cls.http_status, cls.exit_code) == (status, code), cls.__name__
