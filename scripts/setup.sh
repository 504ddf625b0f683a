#!/usr/bin/env bash
# Sets up a fresh machine for this repository: Debian packages, the pinned Node.js and npm
# packages, and the pinned Kubernetes control-plane binaries (built once, then cached in
# ~/.cache/industriverse). Safe to run again: every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*" >&2; }

# Debian packages the platform and its tests use (one a line in scripts/debian-packages.txt).
mapfile -t wanted < <(grep -v '^\s*#' scripts/debian-packages.txt | awk 'NF { print $1 }')
missing=()
for p in "${wanted[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Go builds the pinned control plane; the machine's Go fetches a newer toolchain itself if go.mod needs one.
if ! command -v go >/dev/null; then
  say "Go is required to build the control plane; installing Debian's golang-go"
  apt-get install -y -qq golang-go >/dev/null
fi
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

# npm packages, including the pinned Node.js (package "node"); skipped when the lockfile is unchanged.
stamp=node_modules/.lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/node ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
export PATH="$PWD/node_modules/.bin:$PATH"
say "node $(node --version)"

say "control-plane binaries"
node packages/testenv/src/cli/build.ts
