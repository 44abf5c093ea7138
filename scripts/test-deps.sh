#!/bin/sh
# Installs the Debian packages the test suite drives for real (mkfs tools, mount, ...), when they
# are missing. Runs before `npm test` (pretest) and from .ci/run. Needs root and apt-get; without
# them it only says what is missing, and the tests that need a package skip saying why.
set -eu
# One line per package the tests use; add yours here.
PACKAGES="
e2fsprogs
util-linux
mount
bindfs
btrfs-progs
curl
openssl
prometheus
prometheus-alertmanager
prometheus-node-exporter
xfsprogs
fdisk
kmod
quota
slurm-wlm
slurmctld
slurmd
slurm-client
munge
chromium
systemd
"
missing=""
for pkg in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: missing Debian packages:$missing (not root or no apt-get: tests that need them will skip)" >&2
  exit 0
fi
echo "test-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
  apt-get update -q >/dev/null 2>&1
  apt-get install -y -q --no-install-recommends $missing
}
