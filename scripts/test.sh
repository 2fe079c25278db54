#!/usr/bin/env bash
# Runs every test against real parts: the project's own Apache Kafka (unless
# KAFKA_BOOTSTRAP_SERVERS names one) and a secured one beside it (unless
# KAFKA_SECURE_BOOTSTRAP_SERVERS names one), real SQLite files, real HTTP on
# 127.0.0.1, a real PostgreSQL (unless TOPICGATE_TEST_POSTGRES_URL names
# one), a real headless Chromium for the dashboard, a real Prometheus (with
# promtool) for the metrics and Confluent's Python client for the Schema
# Registry API.
#
# Usage: scripts/test.sh [cargo test arguments] [-- test binary arguments]
#
# The test binaries (the library's unit tests and each area under tests/)
# run two at a time: most of their time is spent waiting on brokers and
# processes, not on the CPU, and each area's dedicated Kafka clusters use
# ports of their own. Each binary's output is shown whole once all ended.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Installing the browser and fetching and starting Kafka wait mostly on the
# network and on disk, so they run while cargo compiles the tests (on a
# fresh machine that saves a minute or two of a CI run).
setup_logs="$(mktemp -d)"
# libpq (PostgreSQL's client library) is linked into the binaries, so it
# must be there before cargo builds them; a no-op when it is.
scripts/postgres.sh install
scripts/install-browser.sh >"$setup_logs/browser.log" 2>&1 &
browser_job=$!
# After the browser, not beside it: two apt-gets at once fight over apt's lock.
{
  # Not a child of this subshell, so polled rather than waited for.
  while kill -0 "$browser_job" 2>/dev/null; do sleep 1; done
  scripts/install-prometheus.sh
} >"$setup_logs/prometheus.log" 2>&1 &
prometheus_job=$!
# Confluent's Python client for the Schema Registry API test; after
# Prometheus, since it may need apt for python3-venv.
{
  while kill -0 "$prometheus_job" 2>/dev/null; do sleep 1; done
  scripts/install-python-client.sh
} >"$setup_logs/python.log" 2>&1 &
python_job=$!
# A PostgreSQL of the tests' own, made anew each run: tests create a
# database each and never drop it. Crash safety is traded for speed
# (--ephemeral). After the Python client, since it may need apt too.
readonly TEST_POSTGRES_NAME=test TEST_POSTGRES_PORT=25432
started_postgres=""
postgres_job=""
if [ -z "${TOPICGATE_TEST_POSTGRES_URL:-}" ]; then
  {
    while kill -0 "$python_job" 2>/dev/null; do sleep 1; done
    scripts/postgres.sh start --fresh --ephemeral --name "$TEST_POSTGRES_NAME" --port "$TEST_POSTGRES_PORT"
  } >"$setup_logs/postgres.out" 2>"$setup_logs/postgres.log" &
  postgres_job=$!
  started_postgres=yes
fi

started_kafka=""
kafka_job=""
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  scripts/kafka.sh start >"$setup_logs/kafka.out" 2>"$setup_logs/kafka.log" &
  kafka_job=$!
  started_kafka=yes
fi
# A secured Kafka beside it (SCRAM logins, ACLs) for the tests of Kafka's
# access control, unless KAFKA_SECURE_BOOTSTRAP_SERVERS names one (then
# KAFKA_SECURE_CONTROLLER_SERVERS and KAFKA_SECURE_PASSWORD_FILE must be
# set too). Its own name and ports keep it apart from every other cluster.
# It is made anew each run (--fresh): a secured instance restarted after
# a SCRAM credential was added and removed refuses the super user's login (see
# docs/kafka.md); a new one costs a storage format, a few seconds that the
# build hides.
readonly SECURE_KAFKA_NAME=test-secure SECURE_KAFKA_PORT=20892 SECURE_KAFKA_CONTROLLER_PORT=20992
started_secure_kafka=""
secure_kafka_job=""
if [ -z "${KAFKA_SECURE_BOOTSTRAP_SERVERS:-}" ]; then
  scripts/kafka.sh start --secure --fresh --name "$SECURE_KAFKA_NAME" --port "$SECURE_KAFKA_PORT" \
    --controller-port "$SECURE_KAFKA_CONTROLLER_PORT" \
    >"$setup_logs/secure-kafka.out" 2>"$setup_logs/secure-kafka.log" &
  secure_kafka_job=$!
  started_secure_kafka=yes
fi
cleanup() {
  # A start still running is waited for, so that stop finds what it started.
  if [ -n "$kafka_job" ]; then wait "$kafka_job" 2>/dev/null || true; fi
  if [ -n "$secure_kafka_job" ]; then wait "$secure_kafka_job" 2>/dev/null || true; fi
  if [ -n "$started_kafka" ]; then
    scripts/kafka.sh stop || true
  fi
  if [ -n "$started_secure_kafka" ]; then
    scripts/kafka.sh stop --name "$SECURE_KAFKA_NAME" || true
  fi
  if [ -n "$postgres_job" ]; then wait "$postgres_job" 2>/dev/null || true; fi
  if [ -n "$started_postgres" ]; then
    scripts/postgres.sh stop --name "$TEST_POSTGRES_NAME" || true
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

# Arguments before `--` are cargo's (which tests to build), after it the
# test binaries' (filters, --nocapture, ...).
cargo_args=()
test_args=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then
    shift
    test_args=("$@")
    break
  fi
  cargo_args+=("$1")
  shift
done

# Builds the tests and lists the test binaries cargo made, one per line.
build_tests() {
  cargo test --no-run --message-format=json-render-diagnostics ${cargo_args[@]+"${cargo_args[@]}"} |
    python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("profile", {}).get("test") \
            and message.get("executable"):
        print(message["executable"])
'
}
binaries="$setup_logs/binaries"
build_tests >"$binaries"

await "$browser_job" "installing the browser" "$setup_logs/browser.log"
await "$prometheus_job" "installing prometheus" "$setup_logs/prometheus.log"
await "$python_job" "installing Confluent's Python client" "$setup_logs/python.log"

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
if [ -n "$secure_kafka_job" ]; then
  await "$secure_kafka_job" "starting the secured Kafka" "$setup_logs/secure-kafka.out" "$setup_logs/secure-kafka.log"
  secure_kafka_job=""
  # The script's last lines say what a client needs; the tests take the
  # address and the super user's password file under names of their own.
  KAFKA_SECURE_BOOTSTRAP_SERVERS="$(sed -n 's/^KAFKA_BOOTSTRAP_SERVERS=//p' "$setup_logs/secure-kafka.out" | tail -n 1)"
  KAFKA_SECURE_PASSWORD_FILE="$(sed -n 's/^TOPICGATE_KAFKA_SASL_PASSWORD_FILE=//p' "$setup_logs/secure-kafka.out" | tail -n 1)"
  KAFKA_SECURE_CONTROLLER_SERVERS="127.0.0.1:$SECURE_KAFKA_CONTROLLER_PORT"
  export KAFKA_SECURE_BOOTSTRAP_SERVERS KAFKA_SECURE_PASSWORD_FILE KAFKA_SECURE_CONTROLLER_SERVERS
fi
echo "test.sh: secured Kafka at $KAFKA_SECURE_BOOTSTRAP_SERVERS"
if [ -n "$postgres_job" ]; then
  await "$postgres_job" "starting PostgreSQL" "$setup_logs/postgres.out" "$setup_logs/postgres.log"
  postgres_job=""
  TOPICGATE_TEST_POSTGRES_URL="$(sed -n 's/^DATABASE_URL=//p' "$setup_logs/postgres.out" | tail -n 1)"
  export TOPICGATE_TEST_POSTGRES_URL
fi
echo "test.sh: PostgreSQL at $TOPICGATE_TEST_POSTGRES_URL"

# Runs the test binaries two at a time, longest first, then reports each in
# turn; fails if any did. Two lanes nearly halve the wall time; more would
# make the dedicated clusters' JVMs start slower than their tests allow on
# a two-core machine.
lanes="${TOPICGATE_TEST_LANES:-2}"
outputs="$setup_logs/outputs"
mkdir -p "$outputs"

# Runs one test binary (or the doc tests), keeping its output and status.
run_one() {
  local name=$1
  shift
  if "$@" >"$outputs/$name" 2>&1; then echo 0 >"$outputs/$name.rc"; else echo 1 >"$outputs/$name.rc"; fi
}

# The areas whose tests take longest start first (from measured runs).
longest_first() {
  local area
  for area in producer admin system consumer; do
    grep "/$area-[0-9a-f]*$" "$binaries" || true
  done
  grep -v -E "/(producer|admin|system|consumer)-[0-9a-f]*$" "$binaries" || true
}

# The admin area runs a second time with its registry on PostgreSQL.
registries_of() {
  case "$1" in
    */admin-*) echo sqlite postgres ;;
    *) echo sqlite ;;
  esac
}

mapfile -t ordered < <(longest_first)
names=()
running=0
for binary in "${ordered[@]}"; do
  for registry in $(registries_of "$binary"); do
    if [ "$running" -ge "$lanes" ]; then
      wait -n
      running=$((running - 1))
    fi
    name="$(basename "$binary")"
    if [ "$registry" = postgres ]; then name="$name-postgres"; fi
    names+=("$name")
    TOPICGATE_TEST_REGISTRY="$registry" run_one "$name" "$binary" ${test_args[@]+"${test_args[@]}"} &
    running=$((running + 1))
  done
done
# Doc tests have no binary of their own; cargo runs them.
if [ ${#cargo_args[@]} -eq 0 ]; then
  names+=(doc-tests)
  run_one doc-tests cargo test --doc -- ${test_args[@]+"${test_args[@]}"} &
fi
wait

failed=()
for name in "${names[@]}"; do
  if [ "$(cat "$outputs/$name.rc")" = 0 ]; then status=passed; else status=FAILED; failed+=("$name"); fi
  echo "test.sh: ---- $name: $status ----"
  cat "$outputs/$name"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: every test binary passed (${#names[@]})"
