"""Hashes of one media file: PDQ (+quality) for images, vPDQ for video, MD5/SHA-256 for exact matches.

Loading is defensive because uploads are hostile input: size and pixel limits are checked before any pixel
is decoded, and every decoder failure becomes a :class:`MediaError` naming the file.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image, ImageOps, UnidentifiedImageError

from bastion.core.errors import BastionError
from bastion.core.hashtype import HASH_TYPES

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 64_000_000  # ~8000 x 8000; larger images are refused, not downscaled blindly
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".wmv", ".flv"})

# The eight dihedral transforms under threatexchange's names (its CLI `--photo-preprocess=rotations`).
_DIHEDRAL: dict[str, Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.uint8]]] = {
    "original": lambda a: a,
    "rotate90": lambda a: np.rot90(a, 1),
    "rotate180": lambda a: np.rot90(a, 2),
    "rotate270": lambda a: np.rot90(a, 3),
    "flipx": lambda a: a[::-1, :],  # mirror across the x axis, as threatexchange names it
    "flipy": lambda a: a[:, ::-1],
    "flipplus1": lambda a: a.transpose(1, 0, 2),
    "flipminus1": lambda a: np.rot90(a, 2).transpose(1, 0, 2),
}
DIHEDRAL = tuple(_DIHEDRAL)

# Query-side re-framings that undo a small border crop. Each pads the query back out to where its content sat
# in the uncropped picture (the shares cut from the left, top, right, bottom of that picture), so PDQ's resize
# lines the content up again: plain PDQ moves 30-110 bits for a crop of a few per cent. Edges are replicated;
# the 5% one-sided cuts also get a flat mean-colour fill, which wins where the cut strip held something the
# edge does not continue. Measured on 8,400 crops of at most 5% of the area (symmetric, one-sided, two-sided,
# corner; 120 benign synthetic pictures): 3,998 are over 31 bits plain, 28 with these variants (max 40, mostly
# 1%-corner crops of noise textures, which fall between the grid points). Unrelated pictures (240,000 pairs)
# stay >= 84 bits apart over all variants (88 plain).
_EDGE, _MEAN = "edge", "mean"
_Q, _H = 0.025, 0.05
_REFRAME: dict[str, tuple[tuple[float, float, float, float], str]] = {
    "pad1.25": ((0.0125, 0.0125, 0.0125, 0.0125), _EDGE),
    "pad-left2.5": ((_Q, 0, 0, 0), _EDGE),
    "pad-top2.5": ((0, _Q, 0, 0), _EDGE),
    "pad-right2.5": ((0, 0, _Q, 0), _EDGE),
    "pad-bottom2.5": ((0, 0, 0, _Q), _EDGE),
    "pad-left5": ((_H, 0, 0, 0), _EDGE),
    "pad-top5": ((0, _H, 0, 0), _EDGE),
    "pad-right5": ((0, 0, _H, 0), _EDGE),
    "pad-bottom5": ((0, 0, 0, _H), _EDGE),
    "pad-left5-mean": ((_H, 0, 0, 0), _MEAN),
    "pad-top5-mean": ((0, _H, 0, 0), _MEAN),
    "pad-right5-mean": ((0, 0, _H, 0), _MEAN),
    "pad-bottom5-mean": ((0, 0, 0, _H), _MEAN),
    "pad-left-right2.5": ((_Q, 0, _Q, 0), _EDGE),
    "pad-top-bottom2.5": ((0, _Q, 0, _Q), _EDGE),
    "pad-top-left2.5": ((_Q, _Q, 0, 0), _EDGE),
    "pad-top-right2.5": ((0, _Q, _Q, 0), _EDGE),
    "pad-bottom-left2.5": ((_Q, 0, 0, _Q), _EDGE),
    "pad-bottom-right2.5": ((0, 0, _Q, _Q), _EDGE),
}
REFRAMED = tuple(_REFRAME)
REFRAME_MAX_SIDE = 512  # variants are hashed from a copy this size: PDQ costs ~0.6 s at 12 MP, ~2 ms here


class MediaError(BastionError):
    """A media file that cannot be hashed safely (unreadable, truncated, too large, not media)."""

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)


class VpdqUnavailable(MediaError):
    """vPDQ needs the ``vpdq`` package, which builds from source against ffmpeg's dev headers."""


@dataclass(frozen=True, slots=True)
class VpdqFrame:
    frame: int
    quality: int
    pdq: str
    timestamp: float


@dataclass(frozen=True, slots=True)
class MediaHashes:
    """Everything Bastion keeps about one file: hashes only, never pixels."""

    path: str
    md5: str
    sha256: str
    pdq: str | None = None
    quality: int | None = None
    vpdq: tuple[VpdqFrame, ...] | None = None
    dihedral: dict[str, str] = field(default_factory=dict)
    reframed: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)  # plugin hash types: {type name: value}

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "pdq": self.pdq,
            "quality": self.quality,
            "md5": self.md5,
            "sha256": self.sha256,
        }
        if self.vpdq is not None:
            out["vpdq"] = [[f.frame, f.quality, f.pdq, f.timestamp] for f in self.vpdq]
        if self.reframed:
            out["reframed"] = dict(self.reframed)
        for name, value in self.extra.items():
            out[HASH_TYPES.get(name).field] = value
        return out


def file_digests(path: str | os.PathLike[str]) -> tuple[str, str]:
    """MD5 and SHA-256 of the file bytes, streamed so big videos never sit in memory."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                md5.update(block)
                sha.update(block)
    except OSError as exc:
        raise MediaError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    return md5.hexdigest(), sha.hexdigest()


def load_image(
    path: str | os.PathLike[str],
    *,
    exif_transpose: bool = True,
    max_bytes: int = MAX_FILE_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> npt.NDArray[np.uint8]:
    """Decode an image to an RGB uint8 array, refusing bombs, huge and truncated files with MediaError."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise MediaError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    if size > max_bytes:
        raise MediaError(f"file is {size} bytes, over the {max_bytes}-byte limit", path=path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                w, h = opened.size
                if w * h > max_pixels or w <= 0 or h <= 0:
                    raise MediaError(
                        f"image is {w}x{h} pixels, over the {max_pixels}-pixel limit (decompression bomb?)",
                        path=path,
                    )
                opened.load()
                img: Image.Image = opened
                if exif_transpose:
                    img = ImageOps.exif_transpose(img)
                if img.mode != "RGB":
                    img = img.convert("RGB")
                return np.asarray(img, dtype=np.uint8)
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(f"decompression bomb refused: {exc}", path=path) from exc
    except UnidentifiedImageError as exc:
        raise MediaError("not a recognised image format", path=path) from exc
    except (OSError, ValueError, SyntaxError, MemoryError) as exc:
        raise MediaError(f"cannot decode image (truncated or corrupt?): {exc}", path=path) from exc


def _bits_to_hex(bits: npt.NDArray[Any]) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_from_array(rgb: npt.NDArray[np.uint8]) -> tuple[str, int]:
    bits, quality = pdqhash.compute(rgb)
    return _bits_to_hex(bits), int(quality)


def pdq_dihedral_from_array(rgb: npt.NDArray[np.uint8]) -> tuple[dict[str, str], int]:
    """The 8 rotation/flip hashes in one pass: rotated copies are >100 bits apart, so matching needs all 8."""
    out: dict[str, str] = {}
    quality = 0
    for name, transform in _DIHEDRAL.items():
        out[name], q = pdq_from_array(np.ascontiguousarray(transform(rgb)))
        quality = q if name == "original" else quality
    return out, quality


def _pad_back(
    rgb: npt.NDArray[np.uint8], cut: tuple[float, float, float, float], flat: npt.NDArray[np.uint8] | None
) -> npt.NDArray[np.uint8]:
    h, w = rgb.shape[:2]
    left, top, right, bottom = cut
    full_w, full_h = w / (1 - left - right), h / (1 - top - bottom)
    t, b = round(full_h * top), round(full_h * bottom)
    lf, r = round(full_w * left), round(full_w * right)
    if flat is None:
        return np.pad(rgb, ((t, b), (lf, r), (0, 0)), mode="edge")
    out = np.empty((h + t + b, w + lf + r, 3), dtype=np.uint8)
    out[:] = flat
    out[t : t + h, lf : lf + w] = rgb
    return out


def pdq_reframed_from_array(
    rgb: npt.NDArray[np.uint8], *, max_side: int = REFRAME_MAX_SIDE
) -> dict[str, str]:
    """PDQ of the query padded back as if each small border crop of ``REFRAMED`` were undone: the list holds
    only hashes, so a cropped copy can only be lined up with its original from the query's side."""
    h, w = rgb.shape[:2]
    if max(h, w) > max_side:
        k = max_side / max(h, w)
        small = Image.fromarray(np.ascontiguousarray(rgb)).resize(
            (max(1, round(w * k)), max(1, round(h * k))), Image.Resampling.BOX
        )
        rgb = np.asarray(small, dtype=np.uint8)
    mean = rgb.mean(axis=(0, 1)).astype(np.uint8)
    return {
        name: pdq_from_array(_pad_back(rgb, cut, mean if fill == _MEAN else None))[0]
        for name, (cut, fill) in _REFRAME.items()
    }


def pdq_file(path: str | os.PathLike[str], *, exif_transpose: bool = True) -> tuple[str, int]:
    """PDQ hash (64 hex) and quality (0-100) of an image file."""
    return pdq_from_array(load_image(path, exif_transpose=exif_transpose))


def is_video(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def vpdq_file(path: str | os.PathLike[str], seconds_per_hash: float = 1.0) -> tuple[VpdqFrame, ...]:
    """Per-frame PDQ of a video via the ``vpdq`` package (libav decode)."""
    try:
        import vpdq
    except ImportError as exc:
        raise VpdqUnavailable(
            "vPDQ needs the 'vpdq' package: run scripts/install-vpdq.sh (ffmpeg dev headers + pip build)",
            path=path,
        ) from exc
    if not Path(path).is_file():
        raise MediaError("no such file", path=path)
    try:
        feats = vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash)
    except Exception as exc:  # the extension raises bare ValueError/RuntimeError on bad streams
        raise MediaError(f"cannot decode video: {exc}", path=path) from exc
    return tuple(
        VpdqFrame(int(f.frame_number), int(f.quality), vpdq.hash_to_hex(f.hash), round(float(f.timestamp), 3))
        for f in feats
    )


def hash_file(
    path: str | os.PathLike[str],
    *,
    dihedral: bool = False,
    reframe: bool = False,
    seconds_per_hash: float = 1.0,
) -> MediaHashes:
    """All hashes of one file; videos get vPDQ, everything else is decoded as an image. ``dihedral`` and
    ``reframe`` add the query-side variants matching uses for rotated/flipped and slightly cropped copies."""
    md5, sha256 = file_digests(path)
    extra = plugin_hashes(path)
    if is_video(path):
        return MediaHashes(str(path), md5, sha256, vpdq=vpdq_file(path, seconds_per_hash), extra=extra)
    rgb = load_image(path)
    pdq, quality = pdq_from_array(rgb)
    variants = pdq_dihedral_from_array(rgb)[0] if dihedral else {}
    reframed = pdq_reframed_from_array(rgb) if reframe else {}
    return MediaHashes(
        str(path), md5, sha256, pdq=pdq, quality=quality, dihedral=variants, reframed=reframed, extra=extra
    )


def plugin_hashes(path: str | os.PathLike[str]) -> dict[str, str]:
    """The values of every registered type that computes its own (the built-in ones return None)."""
    out = {}
    for t in HASH_TYPES:
        try:
            value = t.hash_file(str(path))
        except Exception as exc:  # a plugin's decoder failing on hostile input is a bad file, not a crash
            raise MediaError(f"{t.name} cannot hash this file: {exc}", path=path) from exc
        if value is not None:
            out[t.name] = t.validate(value)
    return out
