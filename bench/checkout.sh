#!/usr/bin/env bash
# Checkout throughput of docs/benchmarks.md: 32 concurrent customers, each "3 cart lines → POST
# /orders → simulated payment", on SQLite (default) or MariaDB.
#
#   bench/checkout.sh [path/to/emporium]                       SQLite in a temp dir
#   DATABASE_URL=mariadb://... bench/checkout.sh               an empty MariaDB database
#
# The load comes from bench/checkout/checkout_client (C++, one thread), built beside the binary:
# build/bench/checkout/checkout_client for build/emporium (CHECKOUT_CLIENT overrides the path).
#
# Environment: CUSTOMERS (32), BENCH_SECONDS (20), IO_THREADS (2), OUTBOX_ON_TMPFS=1 (the receipts'
# outbox folder in /dev/shm, the database still on disk: keeps ext4's inode allocator, which skips
# inodes deleted minutes earlier by the previous run, out of A/B comparisons). The server runs with
# EMPORIUM_ENV=test (so X-Sql-Statements is returned), LOG_LEVEL=warn and rate limits off.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../build/emporium}")
client=${CHECKOUT_CLIENT:-$(dirname "$bin")/bench/checkout/checkout_client}
[ -x "$client" ] || { echo "no checkout client at $client (build the checkout_client target)" >&2; exit 2; }
# On ext4 without a journal (this machine's disk) a new file does not reuse an inode freed in the
# last 60 s (5 minutes while its inode table block is not yet written): each creation scans past
# them, so the receipts a previous run deleted slowed the next run's outbox down. A run that
# deleted receipts on disk flushes and stamps the time; the next one waits until they are a
# minute old.
stamp=/tmp/emporium-bench.receipts-deleted
if [ -f "$stamp" ]; then
  remaining=$(($(stat -c %Y "$stamp") + 61 - $(date +%s)))
  if [ "$remaining" -gt 0 ]; then
    echo "== waiting ${remaining} s for the previous run's deleted receipts to age (see the comment above)" >&2
    sleep "$remaining"
  fi
fi
work=$(mktemp -d /tmp/emporium-bench.XXXXXX)
outbox=
cleanup() {
  kill "$(cat "$work/pid" 2>/dev/null)" 2>/dev/null || true
  rm -rf "$work" ${outbox:+"$outbox"}
  if [ -z "$outbox" ]; then
    sync
    touch "$stamp"
  fi
}
trap cleanup EXIT

export DATA_DIR=$work/data LOG_LEVEL=warn EMPORIUM_ENV=test
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/data/bench.db}
export RATE_LIMIT_IP_PER_MINUTE=0 RATE_LIMIT_USER_PER_MINUTE=0
export PASSWORD_HASH_OPS=1 PASSWORD_HASH_MEMORY_KIB=8   # registering the bench customers is not what is measured
export IO_THREADS=${IO_THREADS:-2}
if [ "${OUTBOX_ON_TMPFS:-0}" = 1 ]; then
  outbox=$(mktemp -d /dev/shm/emporium-outbox.XXXXXX)
  mkdir -p "$DATA_DIR" && ln -s "$outbox" "$DATA_DIR/outbox"
fi
"$bin" migrate >/dev/null
"$bin" user create --email bench-admin@example.com --password bench-password-123 --role admin >/dev/null
for n in $(seq 0 $((${CUSTOMERS:-32} - 1))); do
  "$bin" user create --email "bench-customer-$n@example.com" --password bench-password-2026 --role customer >/dev/null
done

"$bin" serve --port 0 >"$work/serve.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 1 100); do grep -q listening "$work/serve.log" && break; sleep 0.05; done
base=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)
token=$(curl -s "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench-admin@example.com","password":"bench-password-123"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
echo "== emporium $("$bin" --version) $(nproc) cores, database ${DATABASE_URL%%:*}, io_threads=$IO_THREADS"
# The server's CPU time (user + system) per order over the run, receipts included: the host's speed
# drifts, and this tells a slower machine from slower code. On stderr; stdout's last line stays the
# client's JSON.
server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$(cat "$work/pid")/stat"; }
cpu_before=$(server_cpu_ticks)
"$client" "$base" "$token" "${CUSTOMERS:-32}" "${BENCH_SECONDS:-20}" | tee "$work/result.json"
cpu_after=$(server_cpu_ticks)
orders=$(grep -o '"orders":[0-9]*' "$work/result.json" | cut -d: -f2)
if [ -n "$orders" ] && [ "$orders" -gt 0 ]; then
  awk -v t="$((cpu_after - cpu_before))" -v hz="$(getconf CLK_TCK)" -v n="$orders" \
    'BEGIN { printf "== server CPU per order: %.3f ms (user + system, receipts included)\n", t * 1000 / hz / n }' >&2
fi
