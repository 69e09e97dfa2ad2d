"""The synthetic platform generator: seeded, deterministic, benign; used by the demo, tests and benchmarks."""

from bastion.synth.config import SynthConfig
from bastion.synth.export import write_export
from bastion.synth.generator import SyntheticPlatform, generate
from bastion.synth.truth import GroundTruth

__all__ = ["GroundTruth", "SynthConfig", "SyntheticPlatform", "generate", "write_export"]
