#!/usr/bin/env bash
# Installs the Debian packages the test suite and the server need, only those missing.
# PostgreSQL (second database run), fonts for rendered test images (CJK), Chromium for e2e,
# Dovecot (the IMAP server tests/ingestion/ starts on loopback).
set -euo pipefail
packages=(postgresql fonts-wqy-zenhei fonts-dejavu-core chromium gettext dovecot-imapd)  # gettext: compilemessages
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
