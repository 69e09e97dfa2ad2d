"""Stand-in previews: Bastion never holds media bytes, so a preview is a benign pattern drawn from the item's
PDQ bits (16x16 cells), enough to tell items apart and to practise the blur-and-reveal routine safely."""

from __future__ import annotations

import hashlib
import io

from PIL import Image

SIZE = 128


def thumbnail_png(pdq_hex: str | None, fallback: str = "") -> bytes:
    bits_hex = pdq_hex if pdq_hex and len(pdq_hex) == 64 else hashlib.sha256(fallback.encode()).hexdigest()
    value = int(bits_hex, 16)
    hue = value & 0xFF
    cells = Image.new("RGB", (16, 16))
    on = (60 + hue // 2, 110, 200 - hue // 3)
    off = (235, 235, 225)
    for i in range(256):
        cells.putpixel((i % 16, i // 16), on if (value >> i) & 1 else off)
    image = cells.resize((SIZE, SIZE), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
