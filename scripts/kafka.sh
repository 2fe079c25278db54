#!/usr/bin/env bash
# A real Apache Kafka (KRaft mode) for development, tests and CI, on 127.0.0.1.
#
# The broker is fetched once from Maven Central (see scripts/kafka/pom.xml)
# into .cache/kafka/<version>/libs and run straight from those jars with the
# machine's Java (17 or newer). Nothing is installed system-wide. See
# docs/kafka.md for the whole story.
#
# Usage: scripts/kafka.sh COMMAND [OPTIONS]
#
# Commands:
#   start            start the instance (idempotent) and wait until every node
#                    answers metadata requests; the last line of stdout is
#                    KAFKA_BOOTSTRAP_SERVERS=host:port[,host:port...]
#                    (a --secure instance prints its client settings after it)
#   stop             stop every node of the instance (SIGTERM, SIGKILL after a bound)
#   restart          stop, then start again on the same data
#   status           print the state of each node; exit 0 when all run, 1 otherwise
#   stop-node I      stop node I (0-based; node I serves port P+I) cleanly
#   kill-node I      SIGKILL node I, as a crash would
#   start-node I     start node I again and wait until the cluster lists it
#   destroy          SIGKILL every node and delete the instance's data and logs
#   fetch            only fetch Kafka into the cache
#
# Options (start reads them; other commands use what start recorded):
#   --name NAME          instance name, default "default" (.cache/kafka/run/NAME)
#   --brokers N          number of combined broker+controller nodes, default 1
#   --port P             first broker port, default 9092; node I uses P+I
#   --controller-port C  first controller port, default P+100; node I uses C+I
#   --fresh              (start) throw away existing data of the instance first
#   --secure             (start) a new instance where Kafka enforces access:
#                        SASL/SCRAM-SHA-512 clients, ACLs, a super user
#                        'topicgate' whose generated password is kept in
#                        .cache/kafka/run/NAME/secrets/topicgate.password
#   --tls-dir DIR        (start, with --secure) all traffic is TLS (SASL_SSL)
#                        with the caller's certificates: DIR holds
#                        ca.pem (the CA), server.pem (the broker's certificate
#                        chain, valid for 127.0.0.1) and server.key (its PKCS#8
#                        private key, unencrypted, mode 0600)
#   --timeout S          seconds to wait for readiness, default 90
#
# Environment:
#   KAFKA_VERSION        Kafka version to fetch and run (default pinned below)
#   KAFKA_CACHE_DIR      cache directory (default <repo>/.cache/kafka)
#   KAFKA_POM            the pom that lists what to fetch (default <repo>/scripts/kafka/pom.xml)
#   KAFKA_HEAP_OPTS      broker heap (default -Xms256m -Xmx512m)
#   JAVA_HOME            Java to use (default: java on PATH)
set -euo pipefail

readonly DEFAULT_KAFKA_VERSION=4.1.1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}"
CACHE="${KAFKA_CACHE_DIR:-$ROOT/.cache/kafka}"
LIBS="$CACHE/$KAFKA_VERSION/libs"
RUN="$CACHE/run"
POM="${KAFKA_POM:-$ROOT/scripts/kafka/pom.xml}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
STOP_TIMEOUT=60

log() { echo "kafka.sh: $*" >&2; }
die() {
  echo "kafka.sh: error: $*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------- arguments

COMMAND="${1:-}"
[[ -n "$COMMAND" ]] || usage
shift
NODE_ARG=""
case "$COMMAND" in
  stop-node | kill-node | start-node)
    NODE_ARG="${1:-}"
    [[ "$NODE_ARG" =~ ^[0-9]+$ ]] || die "$COMMAND needs a node index (0-based)"
    shift
    ;;
  start | stop | restart | status | destroy | fetch) ;;
  -h | --help | help) usage ;;
  *) die "unknown command '$COMMAND' (try --help)" ;;
esac

NAME=default
OPT_BROKERS=""
OPT_PORT=""
OPT_CPORT=""
FRESH=0
OPT_SECURE=0
SECURE=0
OPT_TLS_DIR=""
TLS_DIR=""
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --name) NAME="${2:?--name needs a value}"; shift 2 ;;
    --brokers) OPT_BROKERS="${2:?--brokers needs a value}"; shift 2 ;;
    --port) OPT_PORT="${2:?--port needs a value}"; shift 2 ;;
    --controller-port) OPT_CPORT="${2:?--controller-port needs a value}"; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    --secure) OPT_SECURE=1; shift ;;
    --tls-dir) OPT_TLS_DIR="${2:?--tls-dir needs a directory}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    -h | --help) usage ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done
[[ "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "instance name may only use letters, digits, '.', '_' and '-'"
for v in "$OPT_BROKERS" "$OPT_PORT" "$OPT_CPORT" "$TIMEOUT"; do
  [[ -z "$v" || "$v" =~ ^[0-9]+$ ]] || die "'$v' is not a number"
done
[[ -z "$OPT_BROKERS" || "$OPT_BROKERS" -ge 1 ]] || die "--brokers must be at least 1"
# TLS here only protects SASL logins, so it comes with --secure, never alone.
if [[ -n "$OPT_TLS_DIR" ]]; then
  ((OPT_SECURE)) || die "--tls-dir needs --secure (TLS comes with SASL logins and ACLs)"
  [[ "$COMMAND" == start || "$COMMAND" == restart ]] || die "--tls-dir is an option of start"
  [[ -d "$OPT_TLS_DIR" ]] || die "--tls-dir '$OPT_TLS_DIR' is not a directory"
  OPT_TLS_DIR="$(cd "$OPT_TLS_DIR" && pwd)"
fi

INSTANCE="$RUN/$NAME"
INSTANCE_ENV="$INSTANCE/instance.env"
# A secure instance's secrets: only the owner may enter or read them.
SECRETS="$INSTANCE/secrets"
PASSWORD_FILE="$SECRETS/topicgate.password"
CLIENT_CONFIG="$SECRETS/client.properties"
# A TLS instance's private key with its certificate chain, the one file
# Kafka's PEM keystore reads; copied from --tls-dir at each node start.
KEYSTORE="$SECRETS/server.keystore.pem"
# The super user: brokers and controllers talk to each other as this user,
# and tools (and topicgate's reconciler) administer the cluster with it.
readonly SUPER_USER=topicgate

# ---------------------------------------------------------------- fetching

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found; Kafka $KAFKA_VERSION needs Java 17 or newer"
  local v
  v="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [[ -n "$v" && "$v" -ge 17 ]] || die "Kafka $KAFKA_VERSION needs Java 17 or newer (found: ${v:-unknown})"
}

# Fetches the broker, its runtime dependencies and a log4j2 binding once per
# version. A marker file says the copy is complete, so an interrupted fetch
# is simply redone.
fetch() {
  local dir="$CACHE/$KAFKA_VERSION"
  [[ -f "$dir/.complete" ]] && return 0
  mkdir -p "$CACHE"
  local fd
  exec {fd}>"$CACHE/.fetch-$KAFKA_VERSION.lock"
  flock "$fd"
  if [[ ! -f "$dir/.complete" ]]; then
    command -v mvn >/dev/null 2>&1 || die "mvn (Maven) not found; it is needed once to fetch Kafka"
    log "fetching Apache Kafka $KAFKA_VERSION from Maven Central (first run only)..."
    rm -rf "$dir"
    mkdir -p "$dir"
    if ! mvn -B -q -Dstyle.color=never -f "$POM" \
      -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime \
      dependency:copy-dependencies -DoutputDirectory="$dir/libs.tmp" >"$dir/fetch.log" 2>&1; then
      tail -n 40 "$dir/fetch.log" >&2
      die "fetching Kafka $KAFKA_VERSION failed (full output: $dir/fetch.log)"
    fi
    [[ -f "$dir/libs.tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] ||
      die "fetch finished but kafka_2.13-$KAFKA_VERSION.jar is missing"
    mv "$dir/libs.tmp" "$dir/libs"
    touch "$dir/.complete"
    log "fetched $(find "$dir/libs" -name '*.jar' | wc -l) jars ($(du -sh "$dir/libs" | cut -f1)) into $dir/libs"
  fi
  exec {fd}>&-
}

# ---------------------------------------------------------------- instance layout

load_instance() {
  [[ -f "$INSTANCE_ENV" ]] || return 1
  # shellcheck disable=SC1090
  source "$INSTANCE_ENV"
  SECURE="${SECURE:-0}"
  TLS_DIR="${TLS_DIR:-}"
  [[ -n "${BROKERS:-}" && -n "${PORT:-}" && -n "${CPORT:-}" && -n "${CLUSTER_ID:-}" ]]
}

node_dir() { echo "$INSTANCE/node-$1"; }
broker_port() { echo $((PORT + $1)); }
controller_port() { echo $((CPORT + $1)); }

bootstrap() {
  local i out=""
  for ((i = 0; i < BROKERS; i++)); do
    out+="${out:+,}127.0.0.1:$(broker_port "$i")"
  done
  echo "$out"
}

# Kafka's Uuid in its string form: 16 random bytes, URL-safe base64 without
# padding. Ids starting with '-' are avoided like Uuid.randomUuid() does.
random_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && break
  done
  echo "$id"
}

write_log4j_config() {
  cat >"$INSTANCE/log4j2.properties" <<'EOF'
# Broker logs: one rolling file per node, kept small.
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  cat >"$INSTANCE/log4j2-tools.properties" <<'EOF'
# Command line tools run by kafka.sh: only problems, on stderr.
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = err
EOF
}

write_node_config() {
  local i=$1 dir voters="" j
  dir="$(node_dir "$i")"
  for ((j = 0; j < BROKERS; j++)); do
    voters+="${voters:+,}$j@127.0.0.1:$(controller_port "$j")"
  done
  # Internal topics are replicated as widely as the cluster allows (at most 3).
  local rf=$((BROKERS < 3 ? BROKERS : 3))
  local isr=$((BROKERS < 2 ? BROKERS : 2))
  mkdir -p "$dir/data"
  # A secure node's properties hold the super user's JAAS login.
  if ((SECURE)); then install -m 600 /dev/null "$dir/server.properties"; fi
  cat >"$dir/server.properties" <<EOF
# Written by scripts/kafka.sh for instance '$NAME', node $i of $BROKERS.
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
$(listener_config "$i")
log.dirs=$dir/data

num.partitions=1
default.replication.factor=$rf
# Topics are created explicitly (the producer daemon's KafkaAdmin, or tests
# through the AdminClient). Auto-creation would hide a producer writing to a
# topic nobody created, by making a 1-partition topic for it.
auto.create.topics.enable=false

offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
# Fewer partitions for the internal topics than the default 50: created on a
# group's first use, they would otherwise cost seconds on a small machine.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10

# Consumer groups start consuming at once instead of waiting 3 s for members.
group.initial.rebalance.delay.ms=0
EOF
}

# The listener block of node I's server.properties.
listener_config() {
  local i=$1
  if ((!SECURE)); then
    cat <<EOF
listeners=PLAINTEXT://127.0.0.1:$(broker_port "$i"),CONTROLLER://127.0.0.1:$(controller_port "$i")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "$i")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
EOF
    return
  fi
  local password protocol=SASL_PLAINTEXT
  password="$(cat "$PASSWORD_FILE")"
  if [[ -n "$TLS_DIR" ]]; then protocol=SASL_SSL; fi
  # Every listener authenticates: clients and brokers with SCRAM-SHA-512 on
  # CLIENT, brokers and controllers with PLAIN on CONTROLLER (KRaft cannot
  # use SCRAM there: the credentials live in the metadata the controllers
  # serve). The PLAIN login list holds only the super user, so no one else,
  # and nobody unauthenticated, can talk to a controller. With --tls-dir both
  # listeners are SASL_SSL: no login or record crosses the wire in clear.
  cat <<EOF
listeners=CLIENT://127.0.0.1:$(broker_port "$i"),CONTROLLER://127.0.0.1:$(controller_port "$i")
advertised.listeners=CLIENT://127.0.0.1:$(broker_port "$i")
listener.security.protocol.map=CLIENT:$protocol,CONTROLLER:$protocol
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$SUPER_USER" password="$password";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$SUPER_USER" password="$password" user_$SUPER_USER="$password";

# Kafka decides who may do what: ACLs, and nothing for whom no ACL says so.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$SUPER_USER
EOF
  [[ -n "$TLS_DIR" ]] || return 0
  # Kafka reads PEM itself. The keystore is a 0600 copy of the key and its
  # chain (an unencrypted key needs no ssl.key.password). The truststore is
  # the caller's CA: brokers and controllers check each other's certificate,
  # and its host name (127.0.0.1), like any client.
  cat <<EOF

ssl.keystore.type=PEM
ssl.keystore.location=$KEYSTORE
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
ssl.endpoint.identification.algorithm=https
EOF
}

# Checks --tls-dir's three files, so a mistake is named here and not found
# in a broker log: present, PEM, an unencrypted PKCS#8 key only its owner
# may read.
check_tls_dir() {
  local dir=$1 file
  for file in ca.pem server.pem server.key; do
    [[ -f "$dir/$file" && -r "$dir/$file" ]] || die "--tls-dir $dir has no readable $file"
  done
  grep -q -- '-----BEGIN CERTIFICATE-----' "$dir/ca.pem" || die "$dir/ca.pem holds no PEM certificate"
  grep -q -- '-----BEGIN CERTIFICATE-----' "$dir/server.pem" || die "$dir/server.pem holds no PEM certificate"
  grep -q -- '-----BEGIN PRIVATE KEY-----' "$dir/server.key" ||
    die "$dir/server.key must be an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----; convert with: openssl pkcs8 -topk8 -nocrypt)"
  [[ "$(stat -c %a "$dir/server.key")" =~ ^[0-7]00$ ]] ||
    die "$dir/server.key may be read by others (mode $(stat -c %a "$dir/server.key")); chmod 600 it"
}

# Copies the key and certificate chain of --tls-dir into the instance's
# private keystore file, so a renewed certificate is used at the next start.
write_keystore() {
  [[ -n "$TLS_DIR" ]] || return 0
  check_tls_dir "$TLS_DIR"
  install -d -m 700 "$SECRETS"
  install -m 600 /dev/null "$KEYSTORE.tmp"
  cat "$TLS_DIR/server.key" "$TLS_DIR/server.pem" >"$KEYSTORE.tmp"
  mv "$KEYSTORE.tmp" "$KEYSTORE"
}

# A secure instance's secrets: the super user's password (32 random bytes,
# hex so it needs no quoting in JAAS or the format arguments) and the
# client settings the script's own tools use. Both only the owner may read.
write_secrets() {
  install -d -m 700 "$SECRETS"
  install -m 600 /dev/null "$PASSWORD_FILE"
  head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' >"$PASSWORD_FILE"
  install -m 600 /dev/null "$CLIENT_CONFIG"
  cat >"$CLIENT_CONFIG" <<EOF
security.protocol=$([[ -n "$TLS_DIR" ]] && echo SASL_SSL || echo SASL_PLAINTEXT)
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$SUPER_USER" password="$(cat "$PASSWORD_FILE")";
EOF
  if [[ -n "$TLS_DIR" ]]; then
    cat >>"$CLIENT_CONFIG" <<EOF
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
EOF
  fi
}

# Formats the KRaft storage of every node (in parallel; each is a JVM start).
format_storage() {
  local i pids=() failed=0
  # The tool's arguments go through a 0600 argument file that java reads
  # itself: a secure instance's SCRAM credential holds the password, which
  # must never show on a command line.
  local args="$SECRETS/format.args"
  install -d -m 700 "$SECRETS"
  install -m 600 /dev/null "$args"
  printf '%s\n' kafka.tools.StorageTool format --cluster-id "$CLUSTER_ID" >"$args"
  if ((SECURE)); then
    printf '%s\n' --add-scram "SCRAM-SHA-512=[name=$SUPER_USER,password=$(cat "$PASSWORD_FILE")]" >>"$args"
  fi
  for ((i = 0; i < BROKERS; i++)); do
    "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
      -Dlog4j2.configurationFile="$INSTANCE/log4j2-tools.properties" \
      -cp "$LIBS/*" "@$args" --config "$(node_dir "$i")/server.properties" \
      >"$(node_dir "$i")/format.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      cat "$(node_dir "$i")/format.log" >&2
      failed=1
    fi
  done
  rm -f "$args"
  [[ $failed -eq 0 ]] || die "formatting the storage of instance '$NAME' failed"
}

# Lays out a new instance: config, cluster id, formatted storage.
create_instance() {
  BROKERS="${OPT_BROKERS:-1}"
  PORT="${OPT_PORT:-9092}"
  CPORT="${OPT_CPORT:-$((PORT + 100))}"
  CLUSTER_ID="$(random_cluster_id)"
  SECURE="$OPT_SECURE"
  TLS_DIR="$OPT_TLS_DIR"
  local last_b=$((PORT + BROKERS - 1)) last_c=$((CPORT + BROKERS - 1))
  if ((CPORT <= last_b && PORT <= last_c)); then
    die "broker ports $PORT-$last_b overlap controller ports $CPORT-$last_c"
  fi
  ((last_b < 65536 && last_c < 65536)) || die "ports out of range"
  local p
  for p in $(seq "$PORT" "$last_b") $(seq "$CPORT" "$last_c"); do
    port_open "$p" && die "port $p, needed by '$NAME', is already in use by another process"
  done
  rm -rf "$INSTANCE"
  mkdir -p "$INSTANCE"
  write_log4j_config
  if ((SECURE)); then write_secrets; fi
  write_keystore
  local i
  for ((i = 0; i < BROKERS; i++)); do write_node_config "$i"; done
  log "formatting KRaft storage for '$NAME' ($BROKERS node(s), cluster id $CLUSTER_ID)"
  format_storage
  cat >"$INSTANCE_ENV" <<EOF
BROKERS=$BROKERS
PORT=$PORT
CPORT=$CPORT
CLUSTER_ID=$CLUSTER_ID
KAFKA_VERSION=$KAFKA_VERSION
SECURE=$SECURE
TLS_DIR=$(printf '%q' "$TLS_DIR")
EOF
}

# ---------------------------------------------------------------- processes

# Prints the pid of node I when it runs. The command line is checked so a
# recycled pid is never mistaken for the broker.
node_pid() {
  local dir pid
  dir="$(node_dir "$1")"
  [[ -f "$dir/pid" ]] || return 1
  pid="$(cat "$dir/pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/server.properties" || return 1
  echo "$pid"
}

node_running() { node_pid "$1" >/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

launch_node() {
  local i=$1 dir p
  dir="$(node_dir "$i")"
  for p in "$(broker_port "$i")" "$(controller_port "$i")"; do
    port_open "$p" && die "port $p (node $i of '$NAME') is already in use by another process"
  done
  write_keystore
  # shellcheck disable=SC2086
  # setsid: the broker must not die with the terminal or test run that
  # started it. The lock descriptor is closed so the broker does not hold it.
  (
    cd "$dir"
    exec setsid "$JAVA" $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dkafka.logs.dir="$dir" -Dlog4j2.configurationFile="$INSTANCE/log4j2.properties" \
      -cp "$LIBS/*" kafka.Kafka "$dir/server.properties"
  ) </dev/null >"$dir/stdout.log" 2>&1 {LOCK_FD}>&- &
  local pid=$! tries=0
  echo "$pid" >"$dir/pid"
  # Not this shell's job any more: no "Killed" notice when it is stopped.
  disown "$pid"
  # Until the subshell has exec'd java, its command line is still this
  # script's; wait for that so node_running tells the truth from here on.
  while ! node_running "$i" && kill -0 "$pid" 2>/dev/null && ((tries++ < 100)); do
    sleep 0.1
  done
}

print_log_tail() {
  local i=$1 dir
  dir="$(node_dir "$i")"
  echo "---- last 40 lines of $dir/server.log ----" >&2
  tail -n 40 "$dir/server.log" >&2 2>/dev/null || echo "(no log yet)" >&2
  if [[ -s "$dir/stdout.log" ]]; then
    echo "---- $dir/stdout.log ----" >&2
    tail -n 20 "$dir/stdout.log" >&2
  fi
}

# A real metadata round trip: BrokerApiVersionsCommand fetches the cluster
# metadata from the bootstrap broker, then asks every listed broker for its
# API versions. Prints the ids of the brokers it listed.
probe_brokers() {
  local out
  local secure_args=()
  if ((SECURE)); then secure_args=(--command-config "$CLIENT_CONFIG"); fi
  out="$(timeout 30 "$JAVA" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j2.configurationFile="$INSTANCE/log4j2-tools.properties" \
    -cp "$LIBS/*" org.apache.kafka.tools.BrokerApiVersionsCommand \
    --bootstrap-server "$1" "${secure_args[@]}" 2>/dev/null)" || return 1
  sed -n 's/^127\.0\.0\.1:[0-9]* (id: \([0-9]*\) .*) -> ($/\1/p' <<<"$out"
}

# Waits until each given node runs and is listed in the cluster's metadata.
wait_ready() {
  local nodes=("$@") deadline=$((SECONDS + TIMEOUT)) i ids all bootstrap_addr=""
  for i in "${nodes[@]}"; do bootstrap_addr+="${bootstrap_addr:+,}127.0.0.1:$(broker_port "$i")"; done
  while ((SECONDS < deadline)); do
    all=1
    for i in "${nodes[@]}"; do
      if ! node_running "$i"; then
        print_log_tail "$i"
        die "node $i of '$NAME' exited during start-up"
      fi
      port_open "$(broker_port "$i")" || all=0
    done
    if ((all)) && ids="$(probe_brokers "$bootstrap_addr")"; then
      all=1
      for i in "${nodes[@]}"; do grep -qx "$i" <<<"$ids" || all=0; done
      ((all)) && return 0
    fi
    sleep 1
  done
  for i in "${nodes[@]}"; do print_log_tail "$i"; done
  return 1
}

# Stops node I: SIGTERM (a clean, controlled shutdown), SIGKILL after a bound.
stop_nodes() {
  local signal=$1 i pid pids=() deadline
  shift
  for i in "$@"; do
    if pid="$(node_pid "$i")"; then
      kill "-$signal" "$pid" 2>/dev/null || true
      pids+=("$i:$pid")
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  for entry in "${pids[@]}"; do
    i="${entry%%:*}"
    pid="${entry#*:}"
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "node $i of '$NAME' did not stop within ${STOP_TIMEOUT}s, killing it"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$(node_dir "$i")/pid"
  done
}

all_nodes() { seq 0 $((BROKERS - 1)); }

# What a client needs, as environment assignments; the address line is
# last for an open instance (callers read the last line).
print_client_settings() {
  echo "KAFKA_BOOTSTRAP_SERVERS=$(bootstrap)"
  ((SECURE)) || return 0
  if [[ -n "$TLS_DIR" ]]; then
    echo "TOPICGATE_KAFKA_SECURITY_PROTOCOL=SASL_SSL"
    echo "TOPICGATE_KAFKA_SSL_CA=$TLS_DIR/ca.pem"
  else
    echo "TOPICGATE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT"
  fi
  echo "TOPICGATE_KAFKA_SASL_MECHANISM=SCRAM-SHA-512"
  echo "TOPICGATE_KAFKA_SASL_USERNAME=$SUPER_USER"
  echo "TOPICGATE_KAFKA_SASL_PASSWORD_FILE=$PASSWORD_FILE"
}

# ---------------------------------------------------------------- commands

lock_instance() {
  mkdir -p "$RUN"
  exec {LOCK_FD}>"$RUN/$NAME.lock"
  flock -w 600 "$LOCK_FD" || die "timed out waiting for another kafka.sh on '$NAME'"
}

require_instance() {
  load_instance || die "no Kafka instance '$NAME' (start it first: scripts/kafka.sh start --name $NAME)"
}

check_node_index() {
  ((NODE_ARG < BROKERS)) || die "instance '$NAME' has nodes 0..$((BROKERS - 1)), not $NODE_ARG"
}

cmd_start() {
  # Before anything is stopped or thrown away for the new instance.
  if [[ -n "$OPT_TLS_DIR" ]]; then check_tls_dir "$OPT_TLS_DIR"; fi
  check_java
  fetch
  lock_instance
  local i missing=() existing=0
  load_instance && existing=1
  if ((existing)); then
    local mismatch=""
    [[ -n "$OPT_BROKERS" && "$OPT_BROKERS" != "$BROKERS" ]] && mismatch+=" brokers=$BROKERS"
    [[ -n "$OPT_PORT" && "$OPT_PORT" != "$PORT" ]] && mismatch+=" port=$PORT"
    [[ -n "$OPT_CPORT" && "$OPT_CPORT" != "$CPORT" ]] && mismatch+=" controller-port=$CPORT"
    [[ -n "$OPT_TLS_DIR" && "$OPT_TLS_DIR" != "$TLS_DIR" ]] && mismatch+=" tls-dir=${TLS_DIR:-(none)}"
    # An open cluster's data was written by clients nobody authenticated:
    # it only becomes a secure one when thrown away on purpose.
    if ((OPT_SECURE && !SECURE && !FRESH)); then
      die "Kafka '$NAME' is an open (unauthenticated) instance; start it with --secure --fresh to replace it, data and all, with a secure one"
    fi
    if ((FRESH)) || [[ -n "$mismatch" ]]; then
      [[ -n "$mismatch" ]] && log "instance '$NAME' was made with$mismatch; recreating it"
      # New ports or nodes never make a secure instance an open one.
      # Nor a TLS one a plaintext one.
      if ((SECURE && !FRESH)); then OPT_SECURE=1; fi
      if ((SECURE && !FRESH)) && [[ -z "$OPT_TLS_DIR" ]]; then OPT_TLS_DIR="$TLS_DIR"; fi
      # The data is thrown away, so there is nothing to shut down cleanly.
      # shellcheck disable=SC2046
      stop_nodes KILL $(all_nodes)
      existing=0
    fi
  fi
  ((existing)) || create_instance

  for i in $(all_nodes); do node_running "$i" || missing+=("$i"); done
  if ((${#missing[@]} == 0)); then
    log "Kafka '$NAME' is already running"
  else
    log "starting Kafka $KAFKA_VERSION '$NAME': node(s) ${missing[*]} of $BROKERS (log: $INSTANCE/node-*/server.log)"
    for i in "${missing[@]}"; do launch_node "$i"; done
    # shellcheck disable=SC2046
    if ! wait_ready $(all_nodes); then
      # Half-started nodes would make the next start think all is well.
      stop_nodes KILL "${missing[@]}"
      die "Kafka '$NAME' did not answer metadata requests within ${TIMEOUT}s"
    fi
    log "Kafka '$NAME' is up"
  fi
  print_client_settings
}

cmd_stop() {
  lock_instance
  load_instance || {
    log "no Kafka instance '$NAME'"
    return 0
  }
  log "stopping Kafka '$NAME'"
  # shellcheck disable=SC2046
  stop_nodes TERM $(all_nodes)
  log "Kafka '$NAME' stopped"
}

cmd_status() {
  load_instance || {
    echo "Kafka '$NAME': not created"
    return 1
  }
  local i pid up=0
  for i in $(all_nodes); do
    if pid="$(node_pid "$i")"; then
      up=$((up + 1))
      echo "node $i: running (pid $pid) on 127.0.0.1:$(broker_port "$i")"
    else
      echo "node $i: stopped (port $(broker_port "$i"))"
    fi
  done
  if ((up == BROKERS)); then
    echo "Kafka '$NAME': running ($up/$BROKERS nodes$( ((SECURE)) && echo ", secure")$([[ -n "$TLS_DIR" ]] && echo ", TLS"))"
    print_client_settings
    return 0
  fi
  echo "Kafka '$NAME': $( ((up == 0)) && echo stopped || echo "partly running ($up/$BROKERS nodes)")"
  return 1
}

cmd_stop_node() {
  local signal=$1
  lock_instance
  require_instance
  check_node_index
  if ! node_running "$NODE_ARG"; then
    log "node $NODE_ARG of '$NAME' is not running"
    return 0
  fi
  log "$([[ $signal == KILL ]] && echo killing || echo stopping) node $NODE_ARG of '$NAME' (port $(broker_port "$NODE_ARG"))"
  stop_nodes "$signal" "$NODE_ARG"
}

cmd_start_node() {
  check_java
  fetch
  lock_instance
  require_instance
  check_node_index
  if node_running "$NODE_ARG"; then
    log "node $NODE_ARG of '$NAME' is already running"
  else
    log "starting node $NODE_ARG of '$NAME' (port $(broker_port "$NODE_ARG"))"
    launch_node "$NODE_ARG"
    if ! wait_ready "$NODE_ARG"; then
      stop_nodes KILL "$NODE_ARG"
      die "node $NODE_ARG of '$NAME' did not join the cluster within ${TIMEOUT}s"
    fi
    log "node $NODE_ARG of '$NAME' is up"
  fi
  print_client_settings
}

cmd_destroy() {
  lock_instance
  if load_instance; then
    # shellcheck disable=SC2046
    stop_nodes KILL $(all_nodes)
  fi
  rm -rf "$INSTANCE"
  log "Kafka '$NAME' destroyed"
}

case "$COMMAND" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart)
    cmd_stop
    exec {LOCK_FD}>&-
    cmd_start
    ;;
  status) cmd_status ;;
  stop-node) cmd_stop_node TERM ;;
  kill-node) cmd_stop_node KILL ;;
  start-node) cmd_start_node ;;
  destroy) cmd_destroy ;;
  fetch)
    check_java
    fetch
    echo "$LIBS"
    ;;
esac
