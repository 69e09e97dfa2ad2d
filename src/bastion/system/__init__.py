"""The one entry point (:class:`Bastion`), the installed capabilities and the settings tree.

This is the top of the library: it may import every capability's manifest; nothing but the adapters
(CLI, API, console, demo) imports it.
"""

from bastion.system.bastion import Bastion
from bastion.system.jobs import Scheduler, declared_jobs
from bastion.system.plugins import Installed, Problem, installed
from bastion.system.settings import BastionSettings, load, settings_markdown

__all__ = [
    "Bastion",
    "BastionSettings",
    "Installed",
    "Problem",
    "Scheduler",
    "declared_jobs",
    "installed",
    "load",
    "settings_markdown",
]
