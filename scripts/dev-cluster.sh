#!/usr/bin/env bash
# A scale-out cluster on one machine, for trying it and for test/scale/dev-cluster.e2e-spec.ts:
#
#   haproxy :LB  →  instance A :A, instance B :B  →  pgbouncer :BOUNCER  →  primary :PRIMARY
#                                                                        →  streaming replica :REPLICA
#   Redis: REDIS_URL (default the machine's, with the key prefix ih-dev-cluster:)
#
#   scripts/dev-cluster.sh up             # create and start everything (builds dist/ first when missing)
#   scripts/dev-cluster.sh env            # the URLs, as shell variables
#   scripts/dev-cluster.sh stop-replica   # stop / start the replica (what the e2e test does mid-run)
#   scripts/dev-cluster.sh start-replica
#   scripts/dev-cluster.sh down           # stop everything and drop both clusters
#
# The PostgreSQL clusters are Debian's (pg_createcluster, own names and ports); the machine's main
# cluster is not touched. Ports: DEV_CLUSTER_PORT_BASE (default 55400) + 32 primary, + 33 replica,
# + 34 pgbouncer, + 80 haproxy, + 81 and + 82 the two instances. State (configs, logs, pids) in
# DEV_CLUSTER_DIR (default /tmp/ih-dev-cluster). Run as root or as a user that may run pg_createcluster.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${DEV_CLUSTER_PORT_BASE:-55400}"
PRIMARY_PORT=$((BASE + 32))
REPLICA_PORT=$((BASE + 33))
BOUNCER_PORT=$((BASE + 34))
LB_PORT=$((BASE + 80))
A_PORT=$((BASE + 81))
B_PORT=$((BASE + 82))
STATE="${DEV_CLUSTER_DIR:-/tmp/ih-dev-cluster}"
VERSION="${PG_VERSION:-$(ls /etc/postgresql | sort -n | tail -n 1)}"
PRIMARY=ihdev_primary
REPLICA=ihdev_replica
REDIS="${REDIS_URL:-redis://127.0.0.1:6379}"
PREFIX="${DEV_CLUSTER_REDIS_PREFIX:-ih-dev-cluster:}"
ADMIN_EMAIL=admin@dev-cluster.example
ADMIN_PASSWORD='dev cluster admin passphrase'

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
ctl() { pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$@"; }
wait_for() { # what, command…
  local what="$1"
  shift
  for _ in $(seq 1 450); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "dev-cluster: $what did not come up" >&2
  return 1
}

print_env() {
  cat <<ENV
DEV_CLUSTER_LB=http://127.0.0.1:$LB_PORT
DEV_CLUSTER_A=http://127.0.0.1:$A_PORT
DEV_CLUSTER_B=http://127.0.0.1:$B_PORT
DEV_CLUSTER_PRIMARY=postgres://postgres@127.0.0.1:$PRIMARY_PORT/identity
DEV_CLUSTER_REPLICA=postgres://postgres@127.0.0.1:$REPLICA_PORT/identity
DEV_CLUSTER_ADMIN_EMAIL=$ADMIN_EMAIL
DEV_CLUSTER_ADMIN_PASSWORD='$ADMIN_PASSWORD'
ENV
}

start_instance() { # name port
  local name="$1" port="$2"
  PORT="$port" HOST=127.0.0.1 NODE_ENV=production LOG_LEVEL="${DEV_CLUSTER_LOG_LEVEL:-info}" \
    DATABASE_URL="postgres://postgres@127.0.0.1:$BOUNCER_PORT/identity" DATABASE_PREPARED_STATEMENTS=false \
    DATABASE_MIGRATION_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/identity" \
    DATABASE_REPLICA_URLS="postgres://postgres@127.0.0.1:$BOUNCER_PORT/identity_replica" \
    REPLICA_STICKY_MS="${REPLICA_STICKY_MS:-2000}" REPLICA_MAX_LAG_MS="${REPLICA_MAX_LAG_MS:-5000}" \
    REDIS_URL="$REDIS" REDIS_KEY_PREFIX="$PREFIX" TRUSTED_PROXIES=127.0.0.1 \
    BOOTSTRAP_ADMIN_EMAIL="$ADMIN_EMAIL" BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    PUBLIC_URL="http://127.0.0.1:$LB_PORT" \
    nohup node dist/main.js >"$STATE/instance-$name.log" 2>&1 &
  echo $! >"$STATE/instance-$name.pid"
}

up() {
  if pg_lsclusters -h 2>/dev/null | awk '{print $2}' | grep -qx "$PRIMARY"; then
    echo "dev-cluster: already up (scripts/dev-cluster.sh down first)" >&2
    exit 1
  fi
  [ -f dist/main.js ] || npm run build
  mkdir -p "$STATE"

  # 1. the primary: its own cluster and port, trust on 127.0.0.1 for this machine's tests, replication allowed
  pg_createcluster "$VERSION" "$PRIMARY" --port "$PRIMARY_PORT" -- --auth-local=peer --auth-host=trust >/dev/null
  conf="/etc/postgresql/$VERSION/$PRIMARY"
  cat >>"$conf/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
hot_standby = on
max_connections = 60
CONF
  echo "host replication postgres 127.0.0.1/32 trust" >>"$conf/pg_hba.conf"
  ctl "$PRIMARY" start
  wait_for "the primary" pg_isready -q -h 127.0.0.1 -p "$PRIMARY_PORT"
  as_postgres "psql -q -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -c 'CREATE DATABASE identity'"

  # 2. the replica: a cluster whose data directory is a base backup of the primary, streaming (-R -X stream)
  pg_createcluster "$VERSION" "$REPLICA" --port "$REPLICA_PORT" -- --auth-local=peer --auth-host=trust >/dev/null
  rconf="/etc/postgresql/$VERSION/$REPLICA"
  cat >>"$rconf/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
hot_standby = on
max_connections = 60
CONF
  data="$(pg_lsclusters -h 2>/dev/null | awk -v n="$REPLICA" '$2 == n {print $6}')"
  find "$data" -mindepth 1 -delete # pg_basebackup fills the empty directory (postgres may not create it)
  as_postgres "pg_basebackup -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -D $data -R -X stream -c fast"
  ctl "$REPLICA" start
  wait_for "the replica" pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT"

  # 3. pgbouncer in transaction mode in front of both
  cat >"$STATE/pgbouncer.ini" <<INI
[databases]
identity = host=127.0.0.1 port=$PRIMARY_PORT dbname=identity
identity_replica = host=127.0.0.1 port=$REPLICA_PORT dbname=identity

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir = $STATE
auth_type = trust
auth_file = $STATE/userlist.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 15
idle_transaction_timeout = 30
server_login_retry = 1
; a query waiting for a server of a stopped replica fails after 3 s (instead of 120) and the service
; runs it again on the primary; the replica monitor has marked that replica down within a second
query_wait_timeout = 3
ignore_startup_parameters = options
logfile = $STATE/pgbouncer.log
pidfile = $STATE/pgbouncer.pid
INI
  echo '"postgres" ""' >"$STATE/userlist.txt"
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$STATE" "$STATE/pgbouncer.ini" "$STATE/userlist.txt"
    pgbouncer -d -u postgres "$STATE/pgbouncer.ini"
  else
    pgbouncer -d "$STATE/pgbouncer.ini"
  fi
  wait_for "pgbouncer" psql -qAt "postgres://postgres@127.0.0.1:$BOUNCER_PORT/identity" -c 'SELECT 1'

  # 4. two instances: migrations over the direct URL (the first waits for nothing, the second finds none pending)
  start_instance a "$A_PORT"
  wait_for "instance A" curl -sf "http://127.0.0.1:$A_PORT/health/ready"
  start_instance b "$B_PORT"
  wait_for "instance B" curl -sf "http://127.0.0.1:$B_PORT/health/ready"

  # 5. haproxy, round robin, taking an instance out when /health/ready fails
  cat >"$STATE/haproxy.cfg" <<CFG
global
  maxconn 500
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend identity_hub
  bind 127.0.0.1:$LB_PORT
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /health/ready
  option forwardfor
  server a 127.0.0.1:$A_PORT check inter 1s
  server b 127.0.0.1:$B_PORT check inter 1s
CFG
  haproxy -D -f "$STATE/haproxy.cfg" -p "$STATE/haproxy.pid"
  wait_for "haproxy" curl -sf "http://127.0.0.1:$LB_PORT/health/ready"
  echo "dev-cluster up: load balancer http://127.0.0.1:$LB_PORT (scripts/dev-cluster.sh env for the rest)"
}

stop_pid() { # pidfile
  if [ -f "$1" ]; then
    local pid
    pid="$(cat "$1")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$1"
  fi
}

down() {
  stop_pid "$STATE/haproxy.pid"
  stop_pid "$STATE/instance-a.pid"
  stop_pid "$STATE/instance-b.pid"
  stop_pid "$STATE/pgbouncer.pid"
  for cluster in "$REPLICA" "$PRIMARY"; do
    if pg_lsclusters -h 2>/dev/null | awk '{print $2}' | grep -qx "$cluster"; then
      pg_dropcluster --stop "$VERSION" "$cluster"
    fi
  done
  if [ -n "${REDIS:-}" ] && command -v redis-cli >/dev/null 2>&1; then
    redis-cli -u "$REDIS" --scan --pattern "${PREFIX}*" | xargs -r redis-cli -u "$REDIS" del >/dev/null || true
  fi
  rm -rf "$STATE"
  echo "dev-cluster down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) print_env ;;
  stop-replica) ctl "$REPLICA" stop -m fast ;;
  start-replica)
    ctl "$REPLICA" start
    wait_for "the replica" pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT"
    ;;
  *)
    echo "usage: scripts/dev-cluster.sh up|down|env|stop-replica|start-replica" >&2
    exit 2
    ;;
esac
