"""MD5 of the file bytes: an exact match, under threatexchange's ``video_md5`` (used for any file's MD5)."""

from __future__ import annotations

from typing import ClassVar

from threatexchange.signal_type.md5 import VideoMD5Signal

from bastion.media.hashtypes.base import ThreatExchangeHashType


class MD5(ThreatExchangeHashType):
    signal = VideoMD5Signal
    name = VideoMD5Signal.get_name()  # "video_md5"
    aliases = ("photo_md5",)
    export_key = "md5"
    cybertip_label = "MD5"
    examples: ClassVar[tuple[str, ...]] = (
        *VideoMD5Signal.get_examples(),
        " D41D8CD98F00B204E9800998ECF8427E ",
    )
    bad_examples = ("", "d41d8cd98f00b204e9800998ecf8427", "z" * 32, "d41d8cd98f00b204e9800998ecf8427e0")
