#!/usr/bin/env bash
# Load-tests the admin API with wrk: GET /api/topics/active and GET /api/stats
# over a registry of 50 topics, against a baseline in the same run on the
# same server (a static asset that never reaches the registry). Then the
# same endpoints on a second server over the same registry file with the
# request metrics turned off (TOPICGATE_NO_REQUEST_METRICS), alternating
# with the first, and the cost of one GET /metrics scrape.
#
# Usage: scripts/bench-admin.sh [DURATION_SECONDS] [CONNECTIONS]
# Needs wrk (Debian package "wrk"; installed when missing and running as root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${1:-10}"
CONNECTIONS="${2:-32}"
PORT="${BENCH_PORT:-5099}"
BASE="http://127.0.0.1:$PORT"

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else
    echo "bench-admin.sh: wrk is missing (apt-get install wrk)" >&2
    exit 1
  fi
fi

cd "$ROOT"
cargo build --release --quiet --bin topicgate-admin
WORK="$(mktemp -d)"
ADMIN_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PRODUCER_KEY="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
RUST_LOG=warn TOPICGATE_BIND="127.0.0.1:$PORT" TOPICGATE_DATABASE_URL="$WORK/bench.db" \
  TOPICGATE_ADMIN_TOKEN="$ADMIN_TOKEN" TOPICGATE_PRODUCER_KEY="$PRODUCER_KEY" \
  target/release/topicgate-admin &
ADMIN_PID=$!
OFF_PORT=$((PORT + 1))
OFF_BASE="http://127.0.0.1:$OFF_PORT"
RUST_LOG=warn TOPICGATE_BIND="127.0.0.1:$OFF_PORT" TOPICGATE_DATABASE_URL="$WORK/bench.db" \
  TOPICGATE_ADMIN_TOKEN="$ADMIN_TOKEN" TOPICGATE_PRODUCER_KEY="$PRODUCER_KEY" \
  TOPICGATE_NO_REQUEST_METRICS=true target/release/topicgate-admin &
OFF_PID=$!
trap 'kill $ADMIN_PID $OFF_PID 2>/dev/null; wait $ADMIN_PID $OFF_PID 2>/dev/null; rm -rf "$WORK"' EXIT

for _ in $(seq 50); do
  curl -sf "$BASE/api/health" >/dev/null && curl -sf "$OFF_BASE/api/health" >/dev/null && break
  sleep 0.2
done

# 50 topics: 30 active, 10 pending, 10 approved.
for i in $(seq 1 50); do
  curl -sf -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $ADMIN_TOKEN" \
    "$BASE/api/topics" -d "{\"name\":\"bench_topic_$i\",\"partitions\":3,\"description\":\"benchmark topic $i\"}" >/dev/null
  if [ "$i" -gt 10 ]; then
    curl -sf -X POST -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE/api/topics/$i/approve" >/dev/null
  fi
  if [ "$i" -gt 20 ]; then
    curl -sf -X POST -H "X-Producer-Key: $PRODUCER_KEY" -H 'Content-Type: application/json' \
      "$BASE/api/topics/activate_by_name" \
      -d "{\"topic_name\":\"bench_topic_$i\"}" >/dev/null
  fi
done
echo "active topics: $(curl -sf "$BASE/api/topics/active" | grep -o topic_name | wc -l)"

run() {
  local path=$1 base=${2:-$BASE} label=${3:-}
  # Warm up, then measure.
  wrk -t1 -c"$CONNECTIONS" -d2s "$base$path" >/dev/null
  local out
  out="$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$base$path")"
  local rps p50 p99
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  printf '| %-34s | %10s | %8s | %8s |\n' "GET $path$label" "$rps" "$p50" "$p99"
}

echo
echo "wrk -t1 -c$CONNECTIONS -d${DURATION}s, $(nproc) cores, $(date -u +%Y-%m-%d)"
printf '| %-34s | %10s | %8s | %8s |\n' "endpoint" "req/s" "p50" "p99"
printf '|%s|%s|%s|%s|\n' "------------------------" "------------" "----------" "----------"
run /static/app.css
run /api/topics/active
run /api/stats

echo
echo "request metrics on vs off (same registry file, alternating):"
printf '| %-34s | %10s | %8s | %8s |\n' "endpoint" "req/s" "p50" "p99"
printf '|%s|%s|%s|%s|\n' "------------------------------------" "------------" "----------" "----------"
for path in /api/topics/active /api/stats; do
  run "$path" "$BASE" " (metrics on)"
  run "$path" "$OFF_BASE" " (metrics off)"
done
echo
echo "one scrape (the registry's counts plus rendering):"
run /metrics "$BASE"
echo "/metrics body: $(curl -sf "$BASE/metrics" | wc -c) bytes"
