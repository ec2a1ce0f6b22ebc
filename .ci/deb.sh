#!/bin/sh
# CI job "deb": the Debian packages (debian/, README.source there).
#  1. dpkg-buildpackage -us -uc -b on a copy of the tree: libgru1,
#     libgru-dev, gru-tools and their -dbgsym; the test suite runs inside the build,
#     dpkg-gensymbols -c4 holds the exports to debian/libgru1.symbols.
#  2. lintian on the result: fails on any error or warning that
#     debian/source/lintian-overrides or debian/*.lintian-overrides do not
#     override with a reason (README.source explains the rest).
#  3. Installs the packages, runs hardening-check on the installed .so and
#     the gru command, builds a pkg-config consumer against them
#     (debian/tests), runs gru; removes them again at the end.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh build-essential debhelper dpkg-dev lintian devscripts libcmocka-dev pkgconf
start=$(date +%s)
T=${GRU_CI_TMP:-/tmp/gru-ci}/deb
rm -rf "$T" && mkdir -p "$T"
fail() { echo "deb: FAIL: $*"; exit 1; }

version=$(dpkg-parsechangelog -S Version)
src="$T/libgru-${version%-*}"
mkdir -p "$src"
git ls-files -z | xargs -0 cp --parents -t "$src"

# The source package first, from the clean tree (an orig tarball of it
# without debian/): lintian then checks debian/control, rules and the rest.
tar -C "$T" --exclude="libgru-${version%-*}/debian" -cJf "$T/libgru_${version%-*}.orig.tar.xz" \
  "libgru-${version%-*}"
(cd "$T" && dpkg-source -b "libgru-${version%-*}") >"$T/source.log" 2>&1 ||
  { cat "$T/source.log"; fail "dpkg-source -b failed"; }

echo "== deb: dpkg-buildpackage -us -uc -b (libgru $version)"
(cd "$src" && dpkg-checkbuilddeps && dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
  { tail -60 "$T/build.log"; fail "dpkg-buildpackage failed (log above)"; }
grep -E "tests passed|dpkg-gensymbols" "$T/build.log" || true
arch=$(dpkg --print-architecture)
changes="$T/libgru_${version}_$arch.changes"
# Every package debian/control names, and the runtime library's debug
# symbols; each is listed with its files.
packages="$(sed -n 's/^Package: *//p' debian/control) libgru1-dbgsym"
debs=""
for p in $packages; do
  deb=$(ls "$T/${p}_${version}_"*.deb 2>/dev/null || true)
  [ -n "$deb" ] || fail "dpkg-buildpackage made no $p package"
  debs="$debs $deb"
  echo "-- $p:"; dpkg-deb -c "$deb" | awk '{print "   " $6 ($7 ? " " $7 " " $8 : "")}'
done

echo "== deb: lintian"
lintian --info --display-level '>=info' --fail-on error,warning "$changes" "$T/libgru_$version.dsc" || {
  fail "lintian found errors or unexplained warnings (above): fix them, or override with a reason"
}
echo "lintian: no errors, no warnings left unexplained"

echo "== deb: install, hardening-check, pkg-config consumer"
# shellcheck disable=SC2086 # lists of names
trap 'apt-get purge -y -q $packages >/dev/null 2>&1 || true' EXIT
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $debs \
  >"$T/apt.log" 2>&1 || { cat "$T/apt.log"; fail "apt-get install"; }
so=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libgru.so.1
# --nocfprotection: no Debian 12 binary has the IBT/SHSTK property that
# check looks for (glibc's crti.o lacks it, so ld drops it; dpkg 1.21 has
# no "branch" hardening feature): /usr/lib/*/libz.so.1 fails it the same.
hardening-check --nocfprotection "$so"
AUTOPKGTEST_TMP="$T/consumer" && mkdir -p "$AUTOPKGTEST_TMP" && export AUTOPKGTEST_TMP
out=$(debian/tests/pkg-config-consumer) || fail "pkg-config consumer: $out"
echo "$out"
case $out in *"libgru ${version%-*}, ok") ;; *) fail "consumer printed '$out'" ;; esac
if grep -qx 'Package: gru-tools' debian/control; then
  [ "$(gru --version)" = "gru (libgru) ${version%-*}" ] || fail "gru --version: $(gru --version)"
  hardening-check --nocfprotection /usr/bin/gru
  gru info | head -4
  dpkg -L gru-tools | grep -q '/man1/gru\.1\.gz$' || fail "gru-tools has no manual page"
fi
echo "deb: ok in $(($(date +%s) - start)) s"
