"""SHA-256 of the file bytes: an exact match, under threatexchange's ``video_sha256``."""

from __future__ import annotations

from threatexchange.signal_type.sha256 import VideoSHA256Signal

from bastion.media.hashtypes.base import ThreatExchangeHashType


class SHA256(ThreatExchangeHashType):
    signal = VideoSHA256Signal
    name = VideoSHA256Signal.get_name()  # "video_sha256"
    export_key = "sha256"
    cybertip_label = "SHA256"
    examples = (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
    )
    bad_examples = ("", "e3b0c442", "g" * 64, "d41d8cd98f00b204e9800998ecf8427e")
