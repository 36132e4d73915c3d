#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for user postgres and a database "test" (CI and dev machines only).
set -euo pipefail
probe() { psql -h 127.0.0.1 -U postgres -d test -Atqc 'SELECT 1' >/dev/null 2>&1; }
if probe; then exit 0; fi
if ! command -v pg_lsclusters >/dev/null; then
  echo "ci-postgres: postgresql-common is not installed" >&2
  exit 1
fi
version="$(ls /etc/postgresql | sort -V | tail -1)"
if [ -z "$version" ]; then
  echo "ci-postgres: no PostgreSQL cluster found under /etc/postgresql" >&2
  exit 1
fi
hba="/etc/postgresql/$version/main/pg_hba.conf"
# Trust local TCP connections (a throwaway CI server; never do this on a real one).
if ! grep -q "ci-postgres" "$hba"; then
  sed -i '1i host all all 127.0.0.1/32 trust # ci-postgres\nhost all all ::1/128 trust # ci-postgres' "$hba"
fi
if pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }' | grep -q online; then
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload
else
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
for _ in $(seq 1 30); do
  psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1 && break
  sleep 1
done
psql -h 127.0.0.1 -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test'
probe || { echo "ci-postgres: PostgreSQL still does not answer on 127.0.0.1:5432" >&2; exit 1; }
echo "ci-postgres: PostgreSQL $version is up on 127.0.0.1:5432"
