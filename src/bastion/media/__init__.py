"""Known-media matching: PDQ/vPDQ/MD5/SHA-256 hashing, hash banks, an exact incremental index, matching."""

from bastion.media.banks import Bank, BankEntry, HashList
from bastion.media.hashing import MediaError, MediaHashes, hash_file, pdq_file
from bastion.media.index import PDQIndex
from bastion.media.kinds import HASH_MATCH
from bastion.media.matcher import Match, Matcher, MatchResult

__all__ = [
    "HASH_MATCH",
    "Bank",
    "BankEntry",
    "HashList",
    "Match",
    "MatchResult",
    "Matcher",
    "MediaError",
    "MediaHashes",
    "PDQIndex",
    "hash_file",
    "pdq_file",
]
