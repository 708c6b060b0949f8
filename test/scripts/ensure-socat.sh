#!/usr/bin/env bash
# Makes socat available: the modem emulator's pty tests pair two pseudo-terminals with it, so
# the agent's serial code talks to the emulator through a real tty. Installs Debian's package if
# missing. Needs root (or sudo) the first time.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v socat >/dev/null 2>&1; then
  echo "installing socat (Debian package)..." >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq socat >&2
fi
socat -V | head -n 2 >&2
