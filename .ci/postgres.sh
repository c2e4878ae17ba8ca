#!/usr/bin/env bash
# Installs (if needed) and starts a local PostgreSQL, creates a throwaway database and
# prints its URL. Used by .ci/run so the store's PostgreSQL suite runs in CI.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 2>/dev/null || true
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -p $port" && break
  sleep 1
done
su postgres -c "psql -p $port -tAc \"select 1 from pg_roles where rolname='idlegrid_ci'\"" | grep -q 1 ||
  su postgres -c "psql -p $port -qc \"create role idlegrid_ci login password 'idlegrid_ci'\"" >&2
# Tests that need a database of their own (a cluster of coordinators) create it.
su postgres -c "psql -p $port -qc \"alter role idlegrid_ci createdb\"" >&2
database="idlegrid_ci_$(date +%s)_$$"
su postgres -c "createdb -p $port -O idlegrid_ci $database" >&2
echo "postgres://idlegrid_ci:idlegrid_ci@127.0.0.1:$port/$database"
