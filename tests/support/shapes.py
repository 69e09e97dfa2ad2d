"""Benign synthetic pictures for media tests: coloured shapes on a gradient, nothing else."""

from __future__ import annotations

import io

import numpy as np
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


def shapes_image(seed: int, size: tuple[int, int] = (400, 300)) -> Image.Image:
    """A benign picture: a gradient background with random coloured rectangles and ellipses (the media
    tests' images; their hashes are what the reference checks expect)."""
    rng = np.random.default_rng(seed)
    w, h = size
    gx = np.linspace(0, 1, w)[None, :, None]
    gy = np.linspace(0, 1, h)[:, None, None]
    c0, c1, c2 = rng.uniform(0, 255, (3, 3))
    arr = (c0 * (1 - gx) + c1 * gx) * (1 - gy) + c2 * gy
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(24):
        x0, y0 = rng.integers(0, w - 40), rng.integers(0, h - 40)
        x1, y1 = x0 + rng.integers(20, w // 3), y0 + rng.integers(20, h // 3)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.rectangle if rng.random() < 0.5 else draw.ellipse)([x0, y0, x1, y1], fill=colour)
    return img
