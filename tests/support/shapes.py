"""Benign synthetic pictures for media tests: coloured shapes on a gradient, nothing else."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def shapes_png(seed: int = 1, size: tuple[int, int] = (320, 240)) -> bytes:
    """A PNG of a gradient with a few rectangles and circles placed by ``seed`` (deterministic)."""
    w, h = size
    img = Image.new("RGB", size)
    px = img.load()
    assert px is not None
    for y in range(h):
        for x in range(w):
            px[x, y] = ((x * 255) // w, (y * 255) // h, (seed * 53) % 256)
    draw = ImageDraw.Draw(img)
    for k in range(5):
        a = (seed * 31 + k * 71) % (w - 60)
        b = (seed * 17 + k * 43) % (h - 60)
        colour = ((seed * 97 + k * 50) % 256, (k * 80) % 256, (seed * 13 + k * 30) % 256)
        if k % 2:
            draw.ellipse((a, b, a + 50, b + 50), fill=colour)
        else:
            draw.rectangle((a, b, a + 55, b + 35), fill=colour)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
