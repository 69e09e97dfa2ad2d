__all__: list[str] = []  # the command is bastion.cli.main:app; nothing here is a library API
