#!/usr/bin/env bash
# Load-tests one endpoint with wrk and prints req/s, p50 and p99 (bench/report.lua).
#
#   bench/wrk.sh <base-url> <path> [token]
#   bench/wrk.sh http://127.0.0.1:8080 /healthz
#   bench/wrk.sh http://127.0.0.1:8080 /api/v1/me "$ACCESS_TOKEN"
#
# Environment: WRK_THREADS (2), WRK_CONNECTIONS (64), WRK_DURATION (10s); BENCH_PID=<server pid>
# also prints the server's resident memory after the run. The server's access log costs a write
# per request: run it with LOG_LEVEL=warn to measure the HTTP path rather than the log sink.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bench/wrk.sh <base-url> <path> [token]" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/bootstrap installs it)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
base=${1%/}
path=$2
token=${3:-}

args=(-t"${WRK_THREADS:-2}" -c"${WRK_CONNECTIONS:-64}" -d"${WRK_DURATION:-10s}" --latency -s "$here/report.lua")
[ -z "$token" ] || args+=(-H "Authorization: Bearer $token")

# Fail fast (and show why) when the endpoint does not answer 2xx: a benchmark of 401s is worthless.
if command -v curl >/dev/null; then
  curl_args=(-s -o /dev/null -w '%{http_code}')
  [ -z "$token" ] || curl_args+=(-H "Authorization: Bearer $token")
  code=$(curl "${curl_args[@]}" "$base$path" || true)
  case "$code" in 2*) ;; *) echo "wrk.sh: $base$path answered $code, not 2xx" >&2; exit 1 ;; esac
fi

echo "url: $base$path"
wrk "${args[@]}" "$base$path"
if [ -n "${BENCH_PID:-}" ] && [ -r "/proc/$BENCH_PID/status" ]; then
  # VmRSS counts SQLite's memory-mapped database pages (file-backed page cache, once per connection's
  # map); RssAnon is the process's own memory.
  awk '/^VmRSS:/ { printf "server_rss_mb: %.1f\n", $2 / 1024 }
       /^RssAnon:/ { printf "server_anon_mb: %.1f\n", $2 / 1024 }' "/proc/$BENCH_PID/status"
fi
