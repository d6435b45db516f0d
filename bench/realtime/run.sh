#!/usr/bin/env bash
# The real-time benchmarks of docs/benchmarks.md, against a RelWithDebInfo `emporium` started here on
# a fresh SQLite demo shop (`seed --demo --products 200`):
#   fan-out  p50/p99 latency of admin.event to CLIENTS (1,000) staff connections over EVENTS (300) events
#   idle     server memory per idle /ws connection at CONNECTIONS (10,000)
#
#   bench/realtime/run.sh [path/to/emporium] [fanout|idle|all]
#
# Environment: CLIENTS, EVENTS, CONNECTIONS, IDLE_SECONDS (10), IO_THREADS (2). Rate limits are off
# (every connection comes from 127.0.0.1) and the server logs at warn.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../../build-rel/emporium}")
what=${2:-all}
work=$(mktemp -d /tmp/emporium-rt-bench.XXXXXX)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

# 10,000 client sockets in node, as many in the server (each process gets this limit): raise the
# soft limit to the hard one, and stop early if that cannot hold the connections asked for.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((${CONNECTIONS:-10000} + 512)) ]; then
  echo "open-file limit $(ulimit -n) is too low for ${CONNECTIONS:-10000} connections"; exit 1
fi

export DATA_DIR=$work/data LOG_LEVEL=warn
export DATABASE_URL=sqlite://$work/data/bench.db
export RATE_LIMIT_IP_PER_MINUTE=0 RATE_LIMIT_USER_PER_MINUTE=0
export IO_THREADS=${IO_THREADS:-2}
"$bin" migrate >/dev/null
"$bin" seed --demo --products 200 >"$work/seed.log"
admin=$(sed -n 's/^demo admin: *\([^ ]*\) \/ \(.*\)$/\1 \2/p' "$work/seed.log")
customer=$(sed -n 's/^demo customer: *\([^ ]*\) \/ \(.*\)$/\1 \2/p' "$work/seed.log")
[ -n "$admin" ] && [ -n "$customer" ] || { echo "seed printed no demo accounts:"; cat "$work/seed.log"; exit 1; }

PORT=0 "$bin" serve >"$work/serve.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 1 200); do grep -q listening "$work/serve.log" && break; sleep 0.05; done
base=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)
[ -n "$base" ] || { echo "server did not start:"; cat "$work/serve.log"; exit 1; }

echo "== emporium $("$bin" --version) $(nproc) cores, io_threads=$IO_THREADS, load: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
if [ "$what" = all ] || [ "$what" = fanout ]; then
  # shellcheck disable=SC2086
  node "$here/fanout.js" "$base" $admin "${CLIENTS:-1000}" "${EVENTS:-300}" || status=1
fi
if [ "$what" = all ] || [ "$what" = idle ]; then
  # shellcheck disable=SC2086
  node "$here/idle.js" "$base" "$(cat "$work/pid")" $customer "${CONNECTIONS:-10000}" "${IDLE_SECONDS:-10}" || status=1
fi
exit $status
