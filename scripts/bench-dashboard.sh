#!/usr/bin/env bash
# Bytes the dashboard serves per live refresh over a large registry: fills
# a fresh registry with N topics (default 3,400), then fetches the page and
# its live part (what the page's script fetches every 2-10 s), first page
# and a search.
#
# Usage: scripts/bench-dashboard.sh [TOPICS]
# ADMIN_BIN=path measures another build of topicgate-admin (say, an older one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOPICS="${1:-3400}"
PORT="${BENCH_PORT:-5098}"
BASE="http://127.0.0.1:$PORT"

cd "$ROOT"
if [ -z "${ADMIN_BIN:-}" ]; then
  # The bytes do not depend on the build profile.
  cargo build --quiet --bin topicgate-admin
  ADMIN_BIN=target/debug/topicgate-admin
fi
WORK="$(mktemp -d)"
chmod 700 "$WORK"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/admin-token"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/producer-key"
chmod 600 "$WORK/admin-token" "$WORK/producer-key"
# Secrets as environment only, as older builds take no *_FILE options.
RUST_LOG=warn TOPICGATE_BIND="127.0.0.1:$PORT" TOPICGATE_DATABASE_URL="$WORK/bench.db" \
  TOPICGATE_ADMIN_TOKEN="$(cat "$WORK/admin-token")" \
  TOPICGATE_PRODUCER_KEY="$(cat "$WORK/producer-key")" \
  "$ADMIN_BIN" &
ADMIN_PID=$!
trap 'kill $ADMIN_PID 2>/dev/null; wait $ADMIN_PID 2>/dev/null; rm -rf "$WORK"' EXIT

for _ in $(seq 50); do
  curl -sf "$BASE/api/health" >/dev/null && break
  sleep 0.2
done

seq 1 "$TOPICS" | xargs -P 4 -I{} curl -sf -o /dev/null -X POST "$BASE/api/topics" \
  -d '{"name":"bench_topic_{}","partitions":3,"created_by":"team-{}","description":"benchmark topic {} with a description of ordinary length"}'
echo "topics: $(curl -sf "$BASE/api/stats" | grep -o '"total_topics":[0-9]*')"

measure() {
  local path=$1
  printf '| %-32s | %10s |\n' "GET $path" "$(curl -sf "$BASE$path" | wc -c)"
}
echo
echo "$ADMIN_BIN, $(date -u +%Y-%m-%d)"
printf '| %-32s | %10s |\n' "request" "bytes"
printf '|%s|%s|\n' "----------------------------------" "------------"
measure /
measure /dashboard/live
measure "/dashboard/live?page=2"
measure "/dashboard/live?q=topic_33"
