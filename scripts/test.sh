#!/usr/bin/env bash
# Runs every test against real parts: the project's own Apache Kafka (unless
# KAFKA_BOOTSTRAP_SERVERS names one), real SQLite files, real HTTP on
# 127.0.0.1 and a real headless Chromium for the dashboard.
#
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/install-browser.sh

started_kafka=""
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  bootstrap="$(scripts/kafka.sh start | tail -n 1)"
  export "${bootstrap?}"
  started_kafka=yes
fi
cleanup() {
  if [ -n "$started_kafka" ]; then
    scripts/kafka.sh stop || true
  fi
}
trap cleanup EXIT
echo "test.sh: Kafka at $KAFKA_BOOTSTRAP_SERVERS"

cargo test "$@"
