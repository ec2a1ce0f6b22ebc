#!/bin/sh
# CI job "version": the release version is written once, in include/gru.h
# (GRU_VERSION_MAJOR/MINOR/PATCH); CMake reads it there. Everything else
# that names it must agree: the header's own GRU_VERSION_STRING, the
# upstream part of debian/changelog's newest entry, and a CHANGELOG.md
# section; the library's SOVERSION must match debian/'s package name.
set -eu
cd "$(dirname "$0")/.."
status=0
fail() { status=1; echo "version: $*"; }

part() { sed -n "s/^#define GRU_VERSION_$1 \([0-9][0-9]*\)$/\1/p" include/gru.h; }
version="$(part MAJOR).$(part MINOR).$(part PATCH)"
echo "include/gru.h: $version"
string=$(sed -n 's/^#define GRU_VERSION_STRING "\(.*\)"$/\1/p' include/gru.h)
[ "$string" = "$version" ] || fail "GRU_VERSION_STRING is \"$string\", the macros say $version: fix gru.h"

deb=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog)
upstream=${deb#*:}
upstream=${upstream%-*}
echo "debian/changelog: $deb"
[ "$upstream" = "$version" ] ||
  fail "debian/changelog's newest entry is $deb, gru.h says $version: add an entry (dch -v $version-1)"

grep -q "^## \[$version\]" CHANGELOG.md || grep -q "^## \[Unreleased\]" CHANGELOG.md ||
  fail "CHANGELOG.md has neither a \"## [$version]\" nor a \"## [Unreleased]\" section"
if grep -q "^## \[$version\]" CHANGELOG.md; then
  echo "CHANGELOG.md: [$version]"
else
  echo "CHANGELOG.md: [Unreleased] (to be released as $version)"
fi
newest=$(sed -n 's/^## \[\([0-9][0-9.]*\)\].*/\1/p' CHANGELOG.md | head -1)
if [ -n "$newest" ] && [ "$newest" != "$version" ]; then
  # A released section newer than the header would mean the header lags.
  first=$(printf '%s\n%s\n' "$newest" "$version" | sort -V | tail -1)
  [ "$first" = "$version" ] || fail "CHANGELOG.md's newest release is $newest, newer than gru.h's $version"
fi

soversion=$(sed -n 's/^set(GRU_SOVERSION \([0-9]*\))/\1/p' CMakeLists.txt)
grep -q "^Package: libgru$soversion\$" debian/control ||
  fail "SOVERSION is $soversion but debian/control has no Package: libgru$soversion (docs/abi.md)"
head -1 "debian/libgru$soversion.symbols" 2>/dev/null | grep -q "^libgru.so.$soversion libgru$soversion " ||
  fail "debian/libgru$soversion.symbols is missing or not for libgru.so.$soversion"
[ $status -eq 0 ] && echo "version: ok, $version everywhere (SONAME libgru.so.$soversion)"
exit $status
