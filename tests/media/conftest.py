"""Shared fixtures: paths into the vendored reference vectors and benign synthetic images."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from support.shapes import shapes_image

REF = Path(__file__).resolve().parents[1] / "data" / "pdq-reference"


ShapesFactory = Callable[..., Image.Image]


@pytest.fixture
def shapes() -> ShapesFactory:
    return shapes_image


@pytest.fixture
def ref() -> Path:
    return REF
