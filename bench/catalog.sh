#!/usr/bin/env bash
# The catalog and search benchmarks of docs/benchmarks.md (issue 3): wrk at 64 connections on
#   GET /api/v1/products?limit=20, GET /api/v1/products/{slug}, GET /api/v1/search?q=<common word>,
#   GET /api/v1/search?q=<one typo>, GET /api/v1/search/suggest?q=<prefix>
# after seeding PRODUCTS demo products (deterministic: the same seed gives the same shop).
#
#   bench/catalog.sh [path/to/emporium]                          SQLite in a temp dir
#   DATABASE_URL=mariadb://... bench/catalog.sh                  an empty MariaDB database
#
# Environment: PRODUCTS (10000), IO_THREADS (2), WRK_DURATION (10s). The server runs with
# LOG_LEVEL=warn and rate limits out of the way, so the HTTP + SQL path is what is measured.
# Each endpoint is measured on one URL (the response cache answers all but the first request of
# each RESPONSE_CACHE_TTL_MS), then product pages are measured over random slugs of the whole
# catalog (the long tail: mostly cache misses). RESPONSE_CACHE_TTL_MS=0 measures the database path
# alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../build/emporium}")
work=$(mktemp -d /tmp/emporium-bench.XXXXXX)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

export DATA_DIR=$work/data LOG_LEVEL=warn EMPORIUM_ENV=production
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/data/bench.db}
export RATE_LIMIT_IP_PER_MINUTE=1000000000 RATE_LIMIT_IP_BURST=1000000000
export RATE_LIMIT_USER_PER_MINUTE=1000000000 RATE_LIMIT_USER_BURST=1000000000
export IO_THREADS=${IO_THREADS:-2}
products=${PRODUCTS:-10000}

start=$(date +%s.%N)
"$bin" seed --demo --products "$products" --customers 10 >"$work/seed.log"
echo "== seeded $products products in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

"$bin" serve --port 0 >"$work/serve.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 1 200); do grep -q listening "$work/serve.log" && break; sleep 0.05; done
base=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)
pid=$(cat "$work/pid")
slug=$(curl -s "$base/api/v1/products?limit=1&sort=popular" | sed 's/.*"slug":"\([^"]*\)".*/\1/')

echo "== emporium $("$bin" --version) $(nproc) cores, database ${DATABASE_URL%%:*}, $products products, io_threads=$IO_THREADS, response cache ${RESPONSE_CACHE_TTL_MS:-1000} ms"
run() {
  echo "== GET $1"
  BENCH_PID=$pid WRK_DURATION=${WRK_DURATION:-10s} "$here/wrk.sh" "$base" "$1" | grep -E 'requests_per_sec|p50|p99|non_2xx|server_'
}
run "/api/v1/products?limit=20"
run "/api/v1/products/$slug"
run "/api/v1/search?q=headphones"
run "/api/v1/search?q=hedphones"
run "/api/v1/search/suggest?q=hea"
echo "== GET /api/v1/products/demo-{random 1..$products}"
WRK_PATH_PATTERN="/api/v1/products/demo-{n}" WRK_PATH_MAX=$products BENCH_PID=$pid \
  WRK_DURATION=${WRK_DURATION:-10s} "$here/wrk.sh" "$base" "/api/v1/products/$slug" |
  grep -E 'requests_per_sec|p50|p99|non_2xx|server_'
