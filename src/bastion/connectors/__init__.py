"""Connectors: adapters at the edge that run inside a platform's own software (a Synapse module) and talk
to Bastion over HTTP only. They import ``bastion.core`` and nothing else of Bastion, so they can be loaded
in the platform's process without Bastion's storage, detection or service code."""

__all__: list[str] = []  # each connector is its own package (bastion.connectors.synapse)
