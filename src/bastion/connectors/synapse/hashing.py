"""Hashes of an uploaded file, computed where the bytes are (inside Synapse), so only hashes travel.

PDQ is computed exactly as Bastion's media capability does (decode, EXIF orientation, RGB, ``pdqhash``,
bits packed to 64 hex digits), so a hash list built with ``bastion hash`` matches uploads. A file that is not
an image (or is too large to decode safely) gets MD5 and SHA-256 only.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

MAX_PIXELS = 50_000_000


@dataclass(frozen=True, slots=True)
class UploadHashes:
    md5: str
    sha256: str
    pdq: str | None = None
    quality: int | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"md5": self.md5, "sha256": self.sha256}
        if self.pdq is not None:
            out |= {"pdq": self.pdq, "quality": self.quality}
        return out


def pdq_of(data: bytes) -> tuple[str, int] | None:
    """(PDQ hex, quality) of an image's bytes; ``None`` for anything that does not decode as an image."""
    try:
        import numpy as np
        import pdqhash
        from PIL import Image, ImageOps
    except ImportError:  # the connector still matches MD5/SHA-256 without the imaging packages
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                w, h = opened.size
                if w * h > MAX_PIXELS or w <= 0 or h <= 0:
                    return None
                opened.load()
                img = ImageOps.exif_transpose(opened)
                if img.mode != "RGB":
                    img = img.convert("RGB")
                rgb = np.asarray(img, dtype=np.uint8)
    except Exception:  # any undecodable upload is simply not an image here
        return None
    bits, quality = pdqhash.compute(rgb)
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality)


def hash_upload(data: bytes) -> UploadHashes:
    pdq = pdq_of(data)
    return UploadHashes(
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        pdq=pdq[0] if pdq else None,
        quality=pdq[1] if pdq else None,
    )
