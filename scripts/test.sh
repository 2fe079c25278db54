#!/usr/bin/env bash
# Runs every test against real parts: the project's own Apache Kafka (unless
# KAFKA_BOOTSTRAP_SERVERS names one), real SQLite files, real HTTP on
# 127.0.0.1, a real headless Chromium for the dashboard and a real
# Prometheus (with promtool) for the metrics.
#
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Installing the browser and fetching and starting Kafka wait mostly on the
# network and on disk, so they run while cargo compiles the tests (on a
# fresh machine that saves a minute or two of a CI run).
setup_logs="$(mktemp -d)"
scripts/install-browser.sh >"$setup_logs/browser.log" 2>&1 &
browser_job=$!
# After the browser, not beside it: two apt-gets at once fight over apt's lock.
{
  # Not a child of this subshell, so polled rather than waited for.
  while kill -0 "$browser_job" 2>/dev/null; do sleep 1; done
  scripts/install-prometheus.sh
} >"$setup_logs/prometheus.log" 2>&1 &
prometheus_job=$!

started_kafka=""
kafka_job=""
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  scripts/kafka.sh start >"$setup_logs/kafka.out" 2>"$setup_logs/kafka.log" &
  kafka_job=$!
  started_kafka=yes
fi
cleanup() {
  # A start still running is waited for, so that stop finds what it started.
  if [ -n "$kafka_job" ]; then wait "$kafka_job" 2>/dev/null || true; fi
  if [ -n "$started_kafka" ]; then
    scripts/kafka.sh stop || true
  fi
  rm -rf "$setup_logs"
}
trap cleanup EXIT

# Waits for a set-up job; on failure shows its output and stops.
await() {
  local job=$1 what=$2
  shift 2
  if ! wait "$job"; then
    echo "test.sh: $what failed:" >&2
    cat "$@" >&2
    exit 1
  fi
}

cargo test --no-run "$@"

await "$browser_job" "installing the browser" "$setup_logs/browser.log"
await "$prometheus_job" "installing prometheus" "$setup_logs/prometheus.log"

# The shipped Prometheus configuration, alert rules and their unit tests.
promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/rules.yml
promtool test rules deploy/prometheus/rules_test.yml
if [ -n "$kafka_job" ]; then
  await "$kafka_job" "starting Kafka" "$setup_logs/kafka.out" "$setup_logs/kafka.log"
  kafka_job=""
  bootstrap="$(tail -n 1 "$setup_logs/kafka.out")"
  export "${bootstrap?}"
fi
echo "test.sh: Kafka at $KAFKA_BOOTSTRAP_SERVERS"

cargo test "$@"
