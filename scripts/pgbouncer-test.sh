#!/usr/bin/env bash
# Runs the PostgreSQL part of the test suite through a pgbouncer in transaction mode that this script
# starts (own port, own configuration in a temporary directory, trust to the PostgreSQL of
# TEST_DIRECT_DATABASE_URL) and stops again. Each test app gets a database of its own (CREATE DATABASE
# on the direct connection; pgbouncer's `*` entry routes every database name to the same server), so
# no `?schema=` has to survive the pooler. Arguments are passed to jest (default: the subset below).
#
#   scripts/pgbouncer-test.sh                         # CI's subset
#   PGBOUNCER_TEST_ALL=1 scripts/pgbouncer-test.sh    # accounts, identity, partner-api, security, outbox, database
#   scripts/pgbouncer-test.sh test/identity           # one folder
set -euo pipefail
cd "$(dirname "$0")/.."

DIRECT="${TEST_DIRECT_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
REDIS="${REDIS_URL:-redis://127.0.0.1:6379}"
PG_HOST="$(node -e 'const u=new URL(process.argv[1]);console.log(u.hostname)' "$DIRECT")"
PG_PORT="$(node -e 'const u=new URL(process.argv[1]);console.log(u.port||5432)' "$DIRECT")"
PORT="${PGBOUNCER_PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}"

DIR="$(mktemp -d /tmp/ih-pgbouncer.XXXXXX)"
cat >"$DIR/pgbouncer.ini" <<INI
[databases]
* = host=$PG_HOST port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir = $DIR
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 10
server_idle_timeout = 10
idle_transaction_timeout = 30
; node-postgres sends "-c idle_in_transaction_session_timeout=…" in options; pgbouncer 1.18 knows no
; options, so it is ignored (the service checks at start that a ?schema= it was given did arrive)
ignore_startup_parameters = options
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
INI
echo '"postgres" ""' >"$DIR/userlist.txt"

AS=()
if [ "$(id -u)" = 0 ]; then
  chown -R postgres "$DIR"
  AS=(-u postgres) # pgbouncer refuses to run as root
fi
pgbouncer -d "${AS[@]}" "$DIR/pgbouncer.ini"
stop() {
  if [ -f "$DIR/pgbouncer.pid" ]; then kill "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null || true; fi
  for _ in $(seq 1 50); do [ -f "$DIR/pgbouncer.pid" ] || break; sleep 0.1; done
  rm -rf "$DIR"
}
trap stop EXIT
trap "exit 130" INT TERM
for _ in $(seq 1 50); do
  psql -qAt "postgres://postgres@127.0.0.1:$PORT/postgres" -c 'SELECT 1' >/dev/null 2>&1 && break
  sleep 0.2
done
echo "pgbouncer $(pgbouncer --version | head -n 1 | cut -d' ' -f2) on 127.0.0.1:$PORT, transaction mode, in front of $PG_HOST:$PG_PORT"

if [ $# -eq 0 ] && [ "${PGBOUNCER_TEST_ALL:-}" = 1 ]; then
  # accounts, identity, partner API, security, outbox, database: 36 files, ~15 min on a busy 2-core machine
  set -- 'test/(accounts|identity|partner-api|security|outbox|database|scale)/' --testPathIgnorePatterns browser
elif [ $# -eq 0 ]; then
  # CI's share (under five minutes): what pooling could break — migrations under the advisory lock,
  # pool exhaustion, transactions and row locks, the outbox's leases, both APIs' writes, sessions
  set -- test/scale/pgbouncer test/database test/identity/identity.e2e test/accounts/accounts.e2e \
    test/partner-api/upsert test/partner-api/both-apis test/partner-api/identity-update test/outbox test/security/pool \
    test/security/database-error-logs
fi
# pgbouncer 1.18 in transaction mode cannot keep named prepared statements (README, pgbouncer)
DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/test" TEST_DIRECT_DATABASE_URL="$DIRECT" REDIS_URL="$REDIS" \
  DATABASE_PREPARED_STATEMENTS=false npx jest --runInBand "$@"
