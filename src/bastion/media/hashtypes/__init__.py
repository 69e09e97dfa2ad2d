"""The built-in hash types (one module each), registered into :data:`bastion.core.hashtype.HASH_TYPES`.

A new hash type is one module here (or in another package, found through the ``bastion.hash_types`` entry
point group) with a :class:`~bastion.core.hashtype.HashType` subclass, plus its examples, which the contract
tests in ``tests/media/test_hashtype_contract.py`` run through validation, distance and the index.
"""

from __future__ import annotations

from collections.abc import Mapping

from bastion.core.hashtype import HASH_TYPES, HashType, HashTypeRegistry
from bastion.media.hashtypes.md5 import MD5
from bastion.media.hashtypes.pdq import PDQ, PdqHashIndex
from bastion.media.hashtypes.sha256 import SHA256
from bastion.media.hashtypes.vpdq import VPDQ

for _builtin in (PDQ, MD5, SHA256, VPDQ):  # the one place a built-in type is named
    HASH_TYPES.register(_builtin)


def hash_type(name: str) -> HashType:
    """The registered type a name, alias or export key means (InputError if none)."""
    return HASH_TYPES.get(name)


def cybertip_hashes(hashes: Mapping[str, str | None]) -> tuple[dict[str, str], dict[str, str]]:
    """A media item's hashes as a CyberTipline report carries them: (``originalFileHash`` by label, HASH
    details by label), in registration order."""
    files: dict[str, str] = {}
    perceptual: dict[str, str] = {}
    for t in HASH_TYPES:
        value = hashes.get(t.name)
        if value:
            (perceptual if t.perceptual else files)[t.cybertip_label] = value
    return files, perceptual


__all__ = [
    "HASH_TYPES",
    "MD5",
    "PDQ",
    "SHA256",
    "VPDQ",
    "HashType",
    "HashTypeRegistry",
    "PdqHashIndex",
    "cybertip_hashes",
    "hash_type",
]
