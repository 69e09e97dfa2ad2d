#!/usr/bin/env bash
# Install Bastion with its test tools into .venv, make sure PostgreSQL runs, then lint, type-check and run
# the whole test suite against SQLite and PostgreSQL. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
BASTION_EXTRAS=dev bash scripts/setup.sh
bash scripts/setup-synapse.sh  # a real Synapse for the connector tests (tests/connectors), in .venv-synapse
bash scripts/system-deps.sh
export BASTION_TEST_DATABASE_URL="${BASTION_TEST_DATABASE_URL:-$(bash scripts/services.sh)}"
echo "== ruff"
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
echo "== import contracts (layers and public surfaces, pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports --no-cache
echo "== mypy"
.venv/bin/mypy
# CI collects no artifacts: say where the browser tests' screenshots go (printed before pytest, whose summary
# line must stay the last one).
echo "== screenshots of the browser tests (tests/web) are written to $PWD/test-artifacts/"
echo "== pytest (SQLite and PostgreSQL)"
.venv/bin/pytest -n 2 --dist loadfile "$@"
