"""``python -m bastion``: the same command line as the installed ``bastion`` script (an outside check ran
Bastion from a copy of its source, where only the module form is at hand)."""

from bastion.cli.main import app

app(prog_name="bastion")
