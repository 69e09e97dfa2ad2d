#!/usr/bin/env bash
# Install Bastion into .venv and run the demo on the embedded default database (./bastion-demo.db).
set -euo pipefail
cd "$(dirname "$0")/.."
BASTION_EXTRAS=demo bash scripts/setup.sh
exec .venv/bin/bastion demo "$@"
