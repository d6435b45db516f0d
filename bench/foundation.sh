#!/usr/bin/env bash
# The foundation benchmarks of docs/benchmarks.md: GET /healthz and GET /api/v1/me (JWT verify +
# one indexed SELECT) with wrk at 64 connections, server RSS, and idle keep-alive connections held.
#
#   bench/foundation.sh [path/to/emporium]      (default build/emporium)
#
# Environment: IO_THREADS (2), WORKER_THREADS (server default), WRK_DURATION (15s), IDLE_CONNECTIONS (2000).
# The server runs with LOG_LEVEL=warn (no access-log line per request) and rate limits high enough
# never to trip, so the limiter's cost is measured but wrk is not refused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../build/emporium}")
work=$(mktemp -d /tmp/emporium-bench.XXXXXX)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

export DATA_DIR=$work/data DATABASE_URL=sqlite://$work/data/bench.db LOG_LEVEL=warn EMPORIUM_ENV=production
export RATE_LIMIT_IP_PER_MINUTE=1000000000 RATE_LIMIT_IP_BURST=1000000000
export RATE_LIMIT_USER_PER_MINUTE=1000000000 RATE_LIMIT_USER_BURST=1000000000
export IO_THREADS=${IO_THREADS:-2}
"$bin" user create --email bench@example.com --password bench-password-123 --role customer >/dev/null

"$bin" serve --port 0 >"$work/serve.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 1 100); do grep -q listening "$work/serve.log" && break; sleep 0.05; done
base=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)
pid=$(cat "$work/pid")
token=$(curl -s "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password-123"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')

echo "== emporium $("$bin" --version) io_threads=$IO_THREADS workers=${WORKER_THREADS:-default} $(nproc) cores"
echo "== GET /healthz"
BENCH_PID=$pid WRK_DURATION=${WRK_DURATION:-15s} "$here/wrk.sh" "$base" /healthz
echo "== GET /api/v1/me"
BENCH_PID=$pid WRK_DURATION=${WRK_DURATION:-15s} "$here/wrk.sh" "$base" /api/v1/me "$token"
echo "== idle keep-alive connections"
node "$here/idle_connections.js" "${base##*:}" "$pid" "${IDLE_CONNECTIONS:-2000}" 10
