#!/bin/sh
# Installs the Debian 12 packages libgru needs to build and test, if any is
# missing. Uses sudo when not run as root. Extra package names may be given
# as arguments (CI adds the ones its extra jobs need).
set -eu

packages="cmake make gcc pkg-config libopenblas-dev libcmocka-dev $*"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing:$missing"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
