"""Review console: server-rendered Jinja2 pages with htmx (vendored in ``static/``), no front-end build."""
