#!/bin/sh
# Removes what install.sh installed: stops and disables the service, removes the unit, the
# program and the sysusers.d entry. The configuration (/etc/fsevd), the journal and state
# (/var/lib/fsevd) and the fsevd user stay unless --purge. Usage:
#   packaging/systemd/uninstall.sh [--root DIR] [--prefix PREFIX] [--purge]
set -eu
ROOT=
PREFIX=/usr/local
PURGE=no
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=${2%/}; shift 2 ;;
    --prefix) PREFIX=${2%/}; shift 2 ;;
    --purge) PURGE=yes; shift ;;
    *) echo "usage: $0 [--root DIR] [--prefix PREFIX] [--purge]" >&2; exit 2 ;;
  esac
done
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
  systemctl disable --now fsevd.service 2>/dev/null || true
fi
rm -f "$ROOT/etc/systemd/system/fsevd.service" "$ROOT/etc/sysusers.d/fsevd.conf" "$ROOT$PREFIX/bin/fsevd"
rm -rf "$ROOT$PREFIX/lib/fsevd"
if [ "$PURGE" = yes ]; then
  rm -rf "$ROOT/etc/fsevd" "$ROOT/var/lib/fsevd"
  if [ -z "$ROOT" ] && id fsevd >/dev/null 2>&1; then userdel fsevd; fi
fi
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
echo "fsevd removed from ${ROOT:-/}$([ "$PURGE" = yes ] && echo ' (with its configuration and state)' || echo '; kept /etc/fsevd, /var/lib/fsevd and the fsevd user (--purge removes them)')"
