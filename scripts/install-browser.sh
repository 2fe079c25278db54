#!/usr/bin/env bash
# Makes sure Debian's Chromium and ChromeDriver are present for the
# dashboard's browser test; installs them with apt when missing.
set -euo pipefail

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-browser.sh: chromium and chromium-driver are missing;" \
    "install them with: sudo apt-get install chromium chromium-driver" >&2
  exit 1
fi
echo "install-browser.sh: installing chromium and chromium-driver (first run only)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium chromium-driver >/dev/null
