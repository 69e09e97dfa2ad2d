"""The end-to-end demo: a synthetic platform, ingested and run through every capability Bastion has."""

from bastion.demo.runner import DemoOptions, run_demo

__all__ = ["DemoOptions", "run_demo"]
