"""Known-media matching: PDQ/vPDQ/MD5/SHA-256 hashing, hash banks, an exact incremental index, matching.

Hash types are plugins (:mod:`bastion.media.hashtypes`, registered in :data:`HASH_TYPES`): other packages
validate, compare and label hashes through them rather than through code of their own.
"""

from bastion.core.hashtype import HASH_TYPES, HashIndex, HashType
from bastion.media.banks import Bank, BankEntry, HashList, Record, normalise, signal_type_name
from bastion.media.hashing import MediaError, MediaHashes, file_digests, hash_file, pdq_file
from bastion.media.hashtypes import cybertip_hashes, hash_type
from bastion.media.index import PDQIndex
from bastion.media.kinds import HASH_MATCH
from bastion.media.live import LockedRepository
from bastion.media.matcher import Matcher
from bastion.media.matches import Match, MatchResult
from bastion.media.repository import BankRepository
from bastion.media.service import media_hashes_of

__all__ = [
    "HASH_MATCH",
    "HASH_TYPES",
    "Bank",
    "BankEntry",
    "BankRepository",
    "HashIndex",
    "HashList",
    "HashType",
    "LockedRepository",
    "Match",
    "MatchResult",
    "Matcher",
    "MediaError",
    "MediaHashes",
    "PDQIndex",
    "Record",
    "cybertip_hashes",
    "file_digests",
    "hash_file",
    "hash_type",
    "media_hashes_of",
    "normalise",
    "pdq_file",
    "signal_type_name",
]
