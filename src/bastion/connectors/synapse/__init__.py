"""Bastion on a Matrix homeserver: a Synapse module (``bastion.connectors.synapse.BastionModule``) that runs
Bastion's guards on Synapse's request path, sends the homeserver's events to Bastion and enforces its
decisions through Synapse's admin API. It talks to Bastion over HTTP only."""

from bastion.connectors.synapse.config import ConnectorConfig
from bastion.connectors.synapse.module import BastionModule

__all__ = ["BastionModule", "ConnectorConfig"]
