"""The small model every capability shares; imports nothing else of Bastion."""

from bastion.core.errors import BastionError, ConfigError, InputError, NotFound
from bastion.core.model import (
    AccountStatus,
    AgeBand,
    EntityType,
    FollowSource,
    PostKind,
    Signal,
)
from bastion.core.signals import Side, SignalKind, lookup, register

__all__ = [
    "AccountStatus",
    "AgeBand",
    "BastionError",
    "ConfigError",
    "EntityType",
    "FollowSource",
    "InputError",
    "NotFound",
    "PostKind",
    "Side",
    "Signal",
    "SignalKind",
    "lookup",
    "register",
]
