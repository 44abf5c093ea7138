#!/bin/sh
# Installs fsevd as a systemd service from this clone, after `npm install` has built it:
#   the program  -> PREFIX/lib/fsevd (a copy: the clone may sit where the fsevd user cannot read)
#                   PREFIX/bin/fsevd
#   the unit     -> /etc/systemd/system/fsevd.service
#   the user     -> /etc/sysusers.d/fsevd.conf, created with systemd-sysusers
#   the config   -> /etc/fsevd/fsevd.yaml (kept when it exists)
# then enables and starts the service when systemd runs. Usage:
#   packaging/systemd/install.sh [--root DIR] [--prefix PREFIX] [--no-start]
# --root installs into an image or a test directory (no systemctl, no host user database).
set -eu
ROOT=
PREFIX=/usr/local
START=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=${2%/}; shift 2 ;;
    --prefix) PREFIX=${2%/}; shift 2 ;;
    --no-start) START=no; shift ;;
    *) echo "usage: $0 [--root DIR] [--prefix PREFIX] [--no-start]" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
LIB="$ROOT$PREFIX/lib/fsevd"

[ -f "$SRC/dist/.build-stamp" ] || { echo "install.sh: $SRC is not built: run npm install there first" >&2; exit 1; }
[ -z "$(find "$SRC/src" -newer "$SRC/dist/.build-stamp" -print -quit)" ] ||
  echo "install.sh: warning: src/ changed since the last build (npm run build): the copy would start through tsx" >&2
[ -f "$SRC/native/build/Release/fsevd_native.node" ] ||
  echo "install.sh: warning: the native addon is not built; fanotify, kmsg and statfs will report down" >&2

rm -rf "$LIB"
mkdir -p "$LIB/native/build/Release" "$ROOT$PREFIX/bin" "$ROOT/etc/systemd/system" "$ROOT/etc/sysusers.d" "$ROOT/etc/fsevd"
# cp -p keeps the build stamp newer than src/, so bin/fsevd.js starts the compiled dist/.
cp -Rp "$SRC/package.json" "$SRC/package-lock.json" "$SRC/README.md" "$SRC/bin" "$SRC/dist" "$SRC/src" "$SRC/node_modules" "$LIB/"
[ ! -f "$SRC/native/build/Release/fsevd_native.node" ] || cp -p "$SRC/native/build/Release/fsevd_native.node" "$LIB/native/build/Release/"
# Development packages are not needed to run; pruning works offline from the lock file.
(cd "$LIB" && npm prune --omit=dev --offline --no-audit --no-fund >/dev/null 2>&1) ||
  echo "install.sh: warning: npm prune failed; development packages stay in $LIB" >&2
chmod -R u=rwX,go=rX "$LIB"
ln -sfn "../lib/fsevd/bin/fsevd.js" "$ROOT$PREFIX/bin/fsevd"

sed "s#/usr/local/#$PREFIX/#g" "$HERE/fsevd.service" >"$ROOT/etc/systemd/system/fsevd.service"
cp "$HERE/fsevd.sysusers" "$ROOT/etc/sysusers.d/fsevd.conf"
if command -v systemd-sysusers >/dev/null 2>&1; then
  systemd-sysusers --root="${ROOT:-/}" "$ROOT/etc/sysusers.d/fsevd.conf"
elif [ -z "$ROOT" ] && ! id fsevd >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/fsevd --no-create-home --shell /usr/sbin/nologin fsevd
fi
if [ ! -e "$ROOT/etc/fsevd/fsevd.yaml" ]; then
  # Group-readable by fsevd only: the file may hold token hashes or TLS key paths.
  cp "$HERE/fsevd.yaml" "$ROOT/etc/fsevd/fsevd.yaml"
  chmod 0640 "$ROOT/etc/fsevd/fsevd.yaml"
  [ -n "$ROOT" ] || chgrp fsevd /etc/fsevd/fsevd.yaml
fi

if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if [ "$START" = yes ]; then systemctl enable --now fsevd.service; else systemctl enable fsevd.service; fi
  echo "fsevd installed; status: systemctl status fsevd; logs: journalctl -u fsevd"
else
  echo "fsevd installed in ${ROOT:-/}; systemd is not running here: start it later with systemctl enable --now fsevd"
fi
