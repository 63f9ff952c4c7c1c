#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-potfiles.sh SRCDIR: po/POTFILES.in must list every file under src/
# and data/ that has translatable strings, list nothing that does not
# exist, and stay sorted (LC_ALL=C) without duplicates. Desktop and
# metainfo templates carry no markers but are always translated, so they
# must be listed too.
set -euo pipefail
export LC_ALL=C

srcdir=${1:?usage: $0 SRCDIR}
cd "$srcdir"

potfiles=po/POTFILES.in
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

listed=$(grep -Ev '^[[:space:]]*(#|$)' "$potfiles" | sed 's/[[:space:]]*$//' || true)

# Every listed file exists.
while IFS= read -r file; do
  [ -n "$file" ] || continue
  [ -f "$file" ] || fail "$potfiles lists $file, which does not exist"
done <<< "$listed"

# Sorted, no duplicates.
if [ "$listed" != "$(printf '%s\n' "$listed" | sort -u)" ]; then
  fail "$potfiles is not sorted (LC_ALL=C sort) or has duplicates; expected:"
  printf '%s\n' "$listed" | sort -u | sed 's/^/  /'
fi

# Every file with a gettext marker or a translatable property is listed.
markers='(^|[^A-Za-z0-9_])(_|N_|C_|NC_|Q_)[[:space:]]*\(|translatable="yes"'
candidates=$( {
  grep -rlIE "$markers" src data --exclude-dir=screenshots || true
  find data -name '*.desktop.in' -o -name '*.metainfo.xml.in'
} | sort -u)

checked=0
while IFS= read -r file; do
  [ -n "$file" ] || continue
  checked=$((checked + 1))
  if ! grep -qxF "$file" <<< "$listed"; then
    fail "$file has translatable strings but is missing from $potfiles"
  fi
done <<< "$candidates"

if [ "$checked" -eq 0 ]; then
  fail "found no file with translatable strings at all: is $srcdir the source tree?"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures problem(s) in $potfiles"
  exit 1
fi
echo "$potfiles: $(grep -c . <<< "$listed") files listed, all $checked files with translatable strings among them"
