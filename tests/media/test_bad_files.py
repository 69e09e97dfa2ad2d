"""Hostile or broken files become MediaError (a BastionError) naming the file; nothing crashes or hangs."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from bastion.core.errors import BastionError
from bastion.media.hashing import MediaError, hash_file, load_image, pdq_file, vpdq_file


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims huge dimensions: the classic decompression-bomb shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_truncated_jpeg(tmp_path: Path) -> None:
    good = tmp_path / "good.jpg"
    Image.new("RGB", (300, 200), (10, 120, 200)).save(good, quality=90)
    bad = tmp_path / "truncated.jpg"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(MediaError, match=r"truncated\.jpg"):
        pdq_file(bad)


def test_decompression_bomb(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(50_000, 50_000))
    with pytest.raises(MediaError, match=r"limit|bomb"):
        load_image(bomb)


def test_not_an_image_and_missing(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("bluefinch marblecrow tidelamp\n")
    with pytest.raises(MediaError, match="not a recognised image"):
        hash_file(text)
    with pytest.raises(BastionError, match="cannot read"):
        hash_file(tmp_path / "absent.png")


def test_huge_file_refused_before_decoding(tmp_path: Path) -> None:
    img = tmp_path / "big.png"
    Image.new("RGB", (64, 64)).save(img)
    with pytest.raises(MediaError, match="byte limit"):
        load_image(img, max_bytes=10)
    with pytest.raises(MediaError, match="pixel limit"):
        load_image(img, max_pixels=100)


def test_broken_video(tmp_path: Path) -> None:
    pytest.importorskip("vpdq")
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    with pytest.raises(MediaError):
        vpdq_file(video)
