#!/usr/bin/env bash
# Makes sure .cache/python-venv holds Confluent's Python client with its
# Schema Registry and JSON Schema serializer extras, for the test that talks
# to the admin's /schema-registry API the way Confluent's clients do.
# Creates the venv with `python3 -m venv` and installs from PyPI when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.cache/python-venv"
# The client's version is pinned so a new release cannot change the test.
PACKAGE="confluent-kafka[schemaregistry,json]==2.16.1"

if [ -x "$VENV/bin/python" ] &&
  "$VENV/bin/python" -c 'import confluent_kafka.schema_registry.json_schema, jsonschema, httpx' 2>/dev/null; then
  exit 0
fi
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-python-client.sh: python3's venv module is missing;" \
      "install it with: sudo apt-get install python3-venv" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
echo "install-python-client.sh: installing $PACKAGE into $VENV (first run only)..." >&2
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$PACKAGE"
