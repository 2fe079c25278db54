#!/usr/bin/env bash
# Makes sure Debian's Prometheus (`prometheus` and `promtool`) is present for
# the metrics tests and the checks of deploy/prometheus; installs it with apt
# when missing.
set -euo pipefail

if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-prometheus.sh: prometheus and promtool are missing;" \
    "install them with: sudo apt-get install prometheus" >&2
  exit 1
fi
echo "install-prometheus.sh: installing prometheus (first run only)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The package's service is not wanted: tests start their own Prometheus.
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
