"""Demo step: hash benign synthetic pictures, match edited copies against a demo list, then scan the platform.

Everything shown is generated here (gradients and shapes) or is the synthetic platform's own list; no real
media is involved.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from rich.table import Table

from bastion.demo.runner import DemoContext
from bastion.media.banks import PDQ, parse_records
from bastion.media.hashing import hash_file
from bastion.media.kinds import HASH_MATCH
from bastion.media.matches import MatchResult
from bastion.media.repository import BankRepository
from bastion.media.service import MediaMatcher

BY = "demo"


def picture(seed: int, size: tuple[int, int] = (480, 360)) -> Image.Image:
    """A benign picture: a two-colour gradient with a few coloured shapes."""
    rng = np.random.default_rng(seed)
    w, h = size
    gx = np.linspace(0, 1, w)[None, :, None]
    gy = np.linspace(0, 1, h)[:, None, None]
    a, b, c = rng.uniform(0, 255, (3, 3))
    img = Image.fromarray(np.clip((a * (1 - gx) + b * gx) * (1 - gy) + c * gy, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(16):
        x0, y0 = int(rng.integers(0, w - 60)), int(rng.integers(0, h - 60))
        box = [x0, y0, x0 + int(rng.integers(30, w // 3)), y0 + int(rng.integers(30, h // 3))]
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.rectangle if rng.random() < 0.5 else draw.ellipse)(box, fill=fill)
    return img


def _describe(result: MatchResult) -> str:
    if result.matches:
        m = result.matches[0]
        return f"[green]match[/green] {m.list_name} #{m.entry_id} at distance {m.distance} ({m.variant})"
    if result.suppressed:
        return f"[yellow]suppressed[/yellow] by negative list {result.negatives[0].list_name}"
    return "no match"


def demo_step(ctx: DemoContext) -> None:
    folder = Path(ctx.options.workdir) / "media-demo"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(4):
        path = folder / f"picture-{k}.png"
        picture(100 + k).save(path)
        paths.append(path)
    hashes = [hash_file(p) for p in paths]
    table = Table("file", "PDQ", "quality")
    for h in hashes:
        table.add_row(Path(h.path).name, (h.pdq or "")[:24] + "…", str(h.quality))
    ctx.console.print(table)

    repo = BankRepository(ctx.store, folder / "index", dihedral=True)
    repo.ensure_list("demo-list", by=BY)
    repo.ensure_list("demo-negative", by=BY, negative=True)
    for h in hashes[:2]:
        repo.add(PDQ, h.pdq or "", "demo-list", by=BY, tags=["demo"], note=Path(h.path).name)
    repo.add(PDQ, hashes[2].pdq or "", "demo-list", by=BY, note="later found to be a false positive")
    repo.add(PDQ, hashes[2].pdq or "", "demo-negative", by=BY, note="known false positive")
    matcher = repo.matcher

    buf = io.BytesIO()
    Image.open(paths[0]).save(buf, "JPEG", quality=50)
    (folder / "reencoded.jpg").write_bytes(buf.getvalue())
    Image.open(paths[1]).transpose(Image.Transpose.ROTATE_90).save(folder / "rotated.png")
    with Image.open(paths[0]) as img:
        img.crop((0, 0, img.width - img.width // 20, img.height)).save(folder / "cropped.png")
    cases = [
        ("picture-0 re-encoded as JPEG 50", folder / "reencoded.jpg"),
        ("picture-0 cropped 5% off the right edge", folder / "cropped.png"),
        ("picture-1 rotated 90°", folder / "rotated.png"),
        ("picture-2 (on the list AND the negative list)", paths[2]),
        ("picture-3 (not listed)", paths[3]),
    ]
    shown = Table("query", "result")
    for label, path in cases:
        shown.add_row(label, _describe(matcher.match_file(path)))
    ctx.console.print(shown)

    known = list(parse_records(ctx.truth.known_hashes, where="truth.known_hashes"))
    repo.import_records(known, by=BY)
    stats = MediaMatcher(ctx.store, repo.matcher).scan(ctx.platform.config.platform)
    sellers = set(ctx.truth.members("seller"))
    flagged = {
        s.entity_id
        for s in ctx.store.signals.of_kind(HASH_MATCH, ctx.platform.config.platform)
        if s.entity_type == "account"
    }
    ctx.console.print(
        f"known-hash list ({len(known)} entries) scanned against {stats.media_rows:,} media: "
        f"{stats.posts:,} posts and {stats.accounts:,} accounts matched "
        f"({len(flagged & sellers)} of {len(sellers)} sellers, {len(flagged - sellers)} others)"
    )
    ctx.findings["media"] = stats
