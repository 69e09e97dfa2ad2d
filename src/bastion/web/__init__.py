"""Review console: server-rendered Jinja2 pages with htmx (vendored in ``static/``), no front-end build."""

__all__: list[str] = []  # pages are mounted by bastion.api.service; nothing here is a library API
