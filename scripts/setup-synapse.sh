#!/usr/bin/env bash
# Create .venv-synapse: Synapse (matrix-synapse from PyPI) with Bastion installed beside it, as an operator
# installs the module into the homeserver's environment. A separate venv because Synapse pins its own
# dependencies (Twisted, ...) and runs as its own process; the connector tests start it from here.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
[ -x .venv-synapse/bin/python ] || "$python" -m venv .venv-synapse
stamp=".venv-synapse/.bastion-installed-$(cat pyproject.toml scripts/setup-synapse.sh | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv-synapse/bin/python -m pip install --quiet --upgrade pip
  .venv-synapse/bin/python -m pip install --quiet -e ".[synapse]"
  .venv-synapse/bin/python -m pip check
  touch "$stamp"
fi
