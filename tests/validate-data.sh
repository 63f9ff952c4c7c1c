#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# validate-data.sh desktop|metainfo FILE
#
# desktop-file-validate and appstreamcli exit 0 when they only warn, so this
# wrapper fails on every error, warning, hint and info they print as well.
# AppStream's "pedantic" notes (such as upper-case letters in the
# component id, which GNOME ids always have) are shown but do not fail.
set -euo pipefail

kind=$1
file=$2

case $kind in
  desktop)
    command -v desktop-file-validate >/dev/null || { echo "desktop-file-validate is missing (Debian: desktop-file-utils)"; exit 1; }
    out=$(desktop-file-validate "$file" 2>&1) || { printf '%s\n' "$out"; exit 1; }
    if [ -n "$out" ]; then
      printf '%s\n' "$out"
      echo "FAIL: desktop-file-validate printed the issues above"
      exit 1
    fi
    echo "$file: valid, no warnings"
    ;;

  metainfo)
    command -v appstreamcli >/dev/null || { echo "appstreamcli is missing (Debian: appstream)"; exit 1; }
    rc=0
    out=$(appstreamcli validate --no-net --pedantic --explain "$file" 2>&1) || rc=$?
    printf '%s\n' "$out"
    [ "$rc" -eq 0 ] || { echo "FAIL: appstreamcli validate exited with $rc"; exit 1; }

    # AppStream before 1.0 (Debian 12 has 0.16.1) predates the <developer>
    # element that Flathub now requires, and reports it as an unknown tag.
    # That one note is expected there and nowhere else.
    version=$(appstreamcli --version | sed -n 's/^AppStream version: //p')
    allowed='^$'
    if [ "$(printf '%s\n' "$version" 1.0 | sort -V | head -n1)" != 1.0 ]; then
      allowed=': unknown-tag developer$'
    fi

    issues=$(printf '%s\n' "$out" | grep -E '^[EWI]: ' | grep -Ev "$allowed" || true)
    if [ -n "$issues" ]; then
      echo "FAIL: appstreamcli reported:"
      printf '%s\n' "$issues"
      exit 1
    fi
    echo "$file: valid, no errors, warnings or infos (AppStream $version; allowed: '$allowed')"
    ;;

  *)
    echo "usage: $0 desktop|metainfo FILE" >&2
    exit 2
    ;;
esac
