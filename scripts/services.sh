#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 and print a URL the tests can use.
# Installs Debian's postgresql package when no server is there (needs root, as on CI machines).
set -euo pipefail
PGURL_TRUST="postgresql://postgres@127.0.0.1:5432/postgres"
PGURL_PASSWORD="postgresql://postgres:bastion-test@127.0.0.1:5432/postgres"

answers() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 || ! answers; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "installing PostgreSQL from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do answers && break; sleep 1; done
fi
answers || { echo "PostgreSQL did not start" >&2; exit 1; }

# Trust auth on this machine kind; a freshly installed server wants a password instead.
if .venv/bin/python - "$PGURL_TRUST" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=5).close()
PY
then
  echo "$PGURL_TRUST"
else
  su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'bastion-test'\"" >&2
  echo "$PGURL_PASSWORD"
fi
