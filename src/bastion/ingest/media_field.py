"""The ``posts.media`` column: a list of hashes per post, validated into rows of the ``media`` table."""

from __future__ import annotations

import json
import re
from typing import Any

from bastion.ingest.fields import FieldType

_HEX = {
    "md5": re.compile(r"[0-9a-f]{32}"),
    "sha256": re.compile(r"[0-9a-f]{64}"),
    "pdq": re.compile(r"[0-9a-f]{64}"),
}
MEDIA_KEYS = ("media_id", "md5", "sha256", "pdq", "pdq_quality", "vpdq")


class MediaList(FieldType):
    """Validates every item so a bad hash names itself (``media[2].pdq``) instead of failing the post."""

    def scalar(self, value: Any) -> list[tuple[Any, ...]] | None:
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


def _item(index: int, item: Any) -> tuple[Any, ...]:
    where = f"media[{index}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be an object")
    media_id = item.get("media_id")
    if not isinstance(media_id, str | int) or isinstance(media_id, bool) or media_id == "":
        raise ValueError(f"{where}.media_id is required")
    out: list[Any] = [str(media_id)]
    for key in ("md5", "sha256", "pdq"):
        raw = item.get(key)
        if raw in ("", None):
            out.append(None)
            continue
        if not isinstance(raw, str) or not _HEX[key].fullmatch(raw.lower()):
            raise ValueError(f"{where}.{key} is not a {key} hex digest")
        out.append(raw.lower())
    quality = item.get("pdq_quality")
    if quality in ("", None):
        out.append(None)
    elif isinstance(quality, bool) or not isinstance(quality, int | str) or not str(quality).isdigit():
        raise ValueError(f"{where}.pdq_quality must be a whole number 0-100")
    elif not 0 <= int(quality) <= 100:
        raise ValueError(f"{where}.pdq_quality must be 0-100")
    else:
        out.append(int(quality))
    vpdq = item.get("vpdq")
    if vpdq not in ("", None) and not isinstance(vpdq, str | list):
        raise ValueError(f"{where}.vpdq must be text or a list")
    out.append(None if vpdq in ("", None) else vpdq if isinstance(vpdq, str) else json.dumps(vpdq))
    return tuple(out)
