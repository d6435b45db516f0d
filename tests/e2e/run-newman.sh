#!/usr/bin/env bash
# Runs the Postman collection against the real binary on a fresh database.
#
#   tests/e2e/run-newman.sh <path/to/emporium> [collection.json]
#
# Starts `emporium serve --port 0` in a temporary directory (its own DATA_DIR, .env-free working
# directory, low argon2 cost), creates the first admin BEFORE serving, reads the port from the
# "listening on http://host:port" line, runs newman, then stops the server with SIGTERM. Fails if
# newman fails or the server does not exit 0.
#
# Environment: E2E_DATABASE_URL (default: a SQLite file in the temporary directory), or
# E2E_DATABASE=mariadb to use EMPORIUM_TEST_MARIADB_URL from `scripts/with-services mariadb`;
# E2E_KEEP=1 keeps the temporary directory; NEWMAN_ARGS adds newman options (e.g. "--bail").
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: run-newman.sh <emporium binary> [collection.json]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "$1")
collection=$(realpath "${2:-$here/auth.postman_collection.json}")
newman="$here/../node_modules/.bin/newman"
[ -x "$bin" ] || { echo "run-newman: $bin is not an executable" >&2; exit 2; }
[ -x "$newman" ] || { echo "run-newman: $newman is missing; run scripts/bootstrap (npm ci in tests/)" >&2; exit 2; }

if [ "${E2E_DATABASE:-sqlite}" = mariadb ]; then
  [ -n "${EMPORIUM_TEST_MARIADB_URL:-}" ] ||
    { echo "run-newman: E2E_DATABASE=mariadb needs EMPORIUM_TEST_MARIADB_URL (run under scripts/with-services mariadb)" >&2; exit 2; }
  E2E_DATABASE_URL=$EMPORIUM_TEST_MARIADB_URL
fi

work=$(mktemp -d /tmp/emporium-e2e.XXXXXX)
server_pid=""
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${E2E_KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then
    echo "run-newman: logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Only what this run sets: nothing from the caller's shell or a .env file leaks in.
unset PORT HOST DATABASE_URL REDIS_URL SMTP_URL JWT_SECRET DATA_DIR PUBLIC_URL CORS_ORIGINS MAIL_FROM
export DATA_DIR="$work/data"
export DATABASE_URL="${E2E_DATABASE_URL:-sqlite://$work/emporium.db}"
export JWT_SECRET
JWT_SECRET="e2e-$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export EMPORIUM_ENV=test LOG_FORMAT=json LOG_LEVEL="${LOG_LEVEL:-info}"
export PASSWORD_HASH_OPS=1 PASSWORD_HASH_MEMORY_KIB=8
# One client IP sends the whole collection in a few seconds: keep the general per-IP bucket out of
# the way (login and registration throttles are separate and stay at their defaults).
export RATE_LIMIT_IP_PER_MINUTE=60000 RATE_LIMIT_IP_BURST=10000
admin_email=admin@example.com
admin_password="Admin-Passphrase-e2e"
cd "$work"

"$bin" user create --email "$admin_email" --password "$admin_password" --role admin \
  >"$work/user-create.log" 2>&1 || { echo "run-newman: user create failed:" >&2; cat "$work/user-create.log" >&2; exit 1; }

"$bin" serve --port 0 >"$work/stdout.log" 2>"$work/server.log" &
server_pid=$!
base_url=""
for _ in $(seq 1 600); do  # up to 30 s (migrations on a cold MariaDB)
  if line=$(grep -m1 -o 'listening on http://[^[:space:]]*' "$work/stdout.log" 2>/dev/null); then
    base_url=${line#listening on }
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$base_url" ]; then
  echo "run-newman: the server did not start; stdout and log:" >&2
  cat "$work/stdout.log" >&2
  tail -n 50 "$work/server.log" >&2
  exit 1
fi
echo "run-newman: server at $base_url (database ${DATABASE_URL%%:*})"

newman_rc=0
# shellcheck disable=SC2086  # NEWMAN_ARGS is split on purpose
"$newman" run "$collection" \
  --env-var "baseUrl=$base_url" \
  --env-var "adminEmail=$admin_email" \
  --env-var "adminPassword=$admin_password" \
  --env-var "jwtSecret=$JWT_SECRET" \
  --timeout-request 15000 --color off --disable-unicode \
  --reporters cli ${NEWMAN_ARGS:-} || newman_rc=$?

kill -TERM "$server_pid"
server_rc=0
wait "$server_pid" || server_rc=$?
server_pid=""
if [ $server_rc -ne 0 ]; then
  echo "run-newman: the server exited with status $server_rc; last log lines:" >&2
  tail -n 30 "$work/server.log" >&2
fi
if grep -q '"level":"\(error\|critical\)"' "$work/server.log"; then
  echo "run-newman: the server logged errors:" >&2
  grep '"level":"\(error\|critical\)"' "$work/server.log" | tail -n 20 >&2
fi
[ $newman_rc -eq 0 ] && [ $server_rc -eq 0 ]
