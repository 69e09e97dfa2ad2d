"""Shared helpers of the exchange tests: benign synthetic pictures, an HMA client with tokens, PDQ edits."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from bastion.api.service import create_app
from bastion.exchange import ExchangeService
from bastion.review import Review
from bastion.system import Bastion


def png(seed: int, size: tuple[int, int] = (400, 300)) -> bytes:
    """A benign picture: a gradient with random coloured rectangles and ellipses, as PNG bytes."""
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
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def flip_bits(pdq: str, n: int) -> str:
    """The same PDQ with its first ``n`` bits inverted (a near duplicate at distance ``n``)."""
    bits = int(pdq, 16) ^ (((1 << n) - 1) << (256 - n))
    return f"{bits:064x}"


def random_pdq(rng: np.random.Generator) -> str:
    return bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex()


@dataclass
class Hma:
    client: TestClient
    system: Bastion
    platform: dict[str, str]
    lead: dict[str, str]
    admin: dict[str, str]
    reviewer: dict[str, str]

    @property
    def service(self) -> ExchangeService:
        return self.system.service("exchange")


@contextmanager
def hma_client(review: Review, platform: str = "alphaleaf") -> Iterator[Hma]:
    system = Bastion(store=review.store, services={"review": review})
    tokens = {
        role: {"Authorization": f"Bearer {review.auth.create_token(f'{role}-token', role)}"}
        for role in ("lead", "admin", "reviewer")
    }
    platform_token = {"Authorization": f"Bearer {review.auth.create_token(platform)}"}
    with TestClient(create_app(system, start_workers=False), base_url="http://127.0.0.1") as c:
        yield Hma(c, system, platform_token, tokens["lead"], tokens["admin"], tokens["reviewer"])
    system.close()
