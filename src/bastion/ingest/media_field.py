"""The ``posts.media`` column: a list of media objects per post, validated into rows of the ``media``
table and their hashes (one per registered hash type found in the object) for ``media_hashes``.

Which keys are hashes is the hash-type registry's answer (``bastion.media.hashtypes`` registers the built-in
``md5``, ``sha256``, ``pdq`` (+ ``pdq_quality``) and ``vpdq``), so a new hash type is validated here without a
change to this module.
"""

from __future__ import annotations

import json
from typing import Any

from bastion.core.errors import InputError
from bastion.ingest.fields import FieldType
from bastion.media import HASH_TYPES, HashType

#: one media item: (media_id, {hash type name: (value, quality)})
MediaItem = tuple[str, dict[str, tuple[str, int | None]]]


class MediaList(FieldType):
    """Validates every item so a bad hash names itself (``media[2].pdq``) instead of failing the post."""

    def scalar(self, value: Any) -> list[MediaItem] | None:
        if value in ("", None):
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"is not a JSON list ({exc.msg})") from None
        if not isinstance(value, list):
            raise ValueError("must be a list of media objects")
        return [_item(i, item) for i, item in enumerate(value)]


def _item(index: int, item: Any) -> MediaItem:
    where = f"media[{index}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be an object")
    media_id = item.get("media_id")
    if not isinstance(media_id, str | int) or isinstance(media_id, bool) or media_id == "":
        raise ValueError(f"{where}.media_id is required")
    hashes: dict[str, tuple[str, int | None]] = {}
    for t in HASH_TYPES:
        quality = _quality(where, t, item)
        raw = item.get(t.field)
        if raw in ("", None):
            continue
        if isinstance(raw, list) and t.perceptual:  # a vPDQ frame list given as JSON rather than text
            raw = json.dumps(raw)
        if not isinstance(raw, str):
            raise ValueError(f"{where}.{t.field} must be text")
        try:
            hashes[t.name] = (t.validate(raw), quality)
        except InputError as exc:
            raise ValueError(f"{where}.{t.field} is not a valid {t.field} value: {exc.message}") from None
    return str(media_id), hashes


def _quality(where: str, t: HashType, item: dict[str, Any]) -> int | None:
    if t.quality_key is None:
        return None
    quality = item.get(t.quality_key)
    if quality in ("", None):
        return None
    if isinstance(quality, bool) or not isinstance(quality, int | str) or not str(quality).isdigit():
        raise ValueError(f"{where}.{t.quality_key} must be a whole number 0-100")
    if not 0 <= int(quality) <= 100:
        raise ValueError(f"{where}.{t.quality_key} must be 0-100")
    return int(quality)
