"""Shared fixtures: paths into the vendored reference vectors and benign synthetic images."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

REF = Path(__file__).resolve().parents[1] / "data" / "pdq-reference"


def shapes_image(seed: int, size: tuple[int, int] = (400, 300)) -> Image.Image:
    """A benign picture: a gradient background with random coloured rectangles and ellipses."""
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


ShapesFactory = Callable[..., Image.Image]


@pytest.fixture
def shapes() -> ShapesFactory:
    return shapes_image


@pytest.fixture
def ref() -> Path:
    return REF
