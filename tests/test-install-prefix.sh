#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-install-prefix.sh SRCDIR APP_ID
#
# Installs the source tree for real into a temporary --prefix and checks
# what only a real prefix shows:
#   - gnome.post_install ran (meson skips it under DESTDIR);
#   - D-Bus activation: a private session bus that reads the installed
#     service file starts `tessera --gapplication-service`, which answers
#     org.freedesktop.Application (needs a display: build-aux/session);
#   - translations: the program looks for its catalogue in the LOCALEDIR
#     compiled into it, so only an installed tessera can speak German (and
#     every other language of po/LINGUAS). It runs with LANGUAGE=<lang>
#     and LANG set to a generated UTF-8 locale of that language (Debian 13's
#     gettext ignores LANGUAGE under C.UTF-8; build-aux/root-customize
#     generates de_DE and fr_FR), or C.UTF-8 where there is none (Debian
#     12's gettext honours LANGUAGE there). The expected text is looked up in the
#     installed catalogue with gettext(1) and must differ from the English,
#     so the test follows rewording in the .po files but fails when a
#     message is untranslated or not shown.
set -euo pipefail

srcdir=$1 app_id=$2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

step() {
  local what=$1; shift
  if ! "$@" > "$tmp/step.log" 2>&1; then
    tail -n 40 "$tmp/step.log"
    echo "FAIL: $what"
    exit 1
  fi
}

step "meson setup with --prefix=$prefix" \
  meson setup "$tmp/build" "$srcdir" --prefix="$prefix" -Dbuildtype=plain
# Only what gets installed: the tests and benchmarks are not needed here.
targets=$(meson introspect --targets "$tmp/build" | python3 -c '
import json, os, sys
build = sys.argv[1]
for t in json.load(sys.stdin):
    if t.get("installed"):
        for f in t["filename"]:
            print(os.path.relpath(f, build))
' "$tmp/build")
# shellcheck disable=SC2086
step "build the installed targets" ninja -C "$tmp/build" $targets
step "meson install into $prefix" meson install -C "$tmp/build" --no-rebuild

exe=$prefix/bin/tessera
[ -x "$exe" ] || { echo "FAIL: $exe was not installed"; exit 1; }

# gnome.post_install ran (it is skipped only under DESTDIR).
schemas=$prefix/share/glib-2.0/schemas
if [ -f "$schemas/gschemas.compiled" ]; then
  echo "ok: gnome.post_install compiled $schemas/gschemas.compiled"
else
  fail "gnome.post_install did not compile the schemas in $schemas"
fi
if [ -f "$prefix/share/icons/hicolor/icon-theme.cache" ]; then
  echo "ok: gnome.post_install updated the hicolor icon cache"
else
  fail "gnome.post_install did not update the icon cache"
fi

# locale_of LANG: a generated UTF-8 locale for the language, else C.UTF-8.
locale_of() {
  local found
  found=$(locale -a 2>/dev/null | grep -i -m1 -E "^$1_[A-Z]+\.utf-?8\$" || true)
  echo "${found:-C.UTF-8}"
}

# run_in LANG ARGS…: the installed tessera, with an empty in-memory store.
run_in() {
  local lang=$1; shift
  env -u LC_ALL -u LC_MESSAGES LANGUAGE="$lang" LANG="$(locale_of "$lang")" \
    XDG_DATA_DIRS="$prefix/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" \
    XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
    GSETTINGS_SCHEMA_DIR="$schemas" GSETTINGS_BACKEND=memory \
    "$exe" "$@" 2>&1 || true
}

# expect LANG MSGID ARGS…: `tessera ARGS…` in LANG prints MSGID's translation.
expect() {
  local lang=$1 msgid=$2; shift 2
  local translated out
  translated=$(env -u LC_ALL -u LC_MESSAGES LANGUAGE="$lang" LANG="$(locale_of "$lang")" \
                 TEXTDOMAINDIR="$prefix/share/locale" gettext -e -d tessera "$msgid")
  # Command substitution drops the trailing newline of both.
  if [ -z "$translated" ] || [ "$translated" = "$(printf '%b' "$msgid")" ]; then
    fail "[$lang] “$msgid” has no translation in the installed catalogue"
    return
  fi
  out=$(run_in "$lang" "$@")
  if grep -qF -- "$translated" <<< "$out"; then
    echo "ok: [$lang] tessera $* prints “$translated”"
  else
    fail "[$lang] tessera $* does not print “$translated”; it printed:"
    sed 's/^/    /' <<< "$out"
  fi
}

langs=$(grep -Ev '^[[:space:]]*(#|$)' "$srcdir/po/LINGUAS" || true)
case " $(echo $langs) " in
  *" de "*) ;;
  *) fail "po/LINGUAS does not list de" ;;
esac

for lang in $langs; do
  expect "$lang" "Open the Tessera window" --help
  expect "$lang" "Show the version." --help
  expect "$lang" 'No credentials are saved yet. Add one with “tessera add NAME”.\n' list
done

# A status is stored as a code and put in words when shown: a check made in
# one language reads in the reader's (list --json's status_detail). The
# server refuses the connection, so no network is needed.
lang_store=(XDG_CONFIG_HOME="$tmp/lang-config" XDG_DATA_HOME="$tmp/lang-data"
            GSETTINGS_BACKEND=keyfile SECRET_BACKEND=file
            SECRET_FILE_TEST_PATH="$tmp/lang-keyring" SECRET_FILE_TEST_PASSWORD=test)
run_lang() {
  local lang=$1; shift
  env -u LC_ALL -u LC_MESSAGES LANGUAGE="$lang" LANG="$(locale_of "$lang")" \
    XDG_DATA_DIRS="$prefix/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" \
    GSETTINGS_SCHEMA_DIR="$schemas" "${lang_store[@]}" "$exe" "$@" 2>&1
}
refused_msgid="The server refused the connection. Check the server address and port."
refused_de=$(env -u LC_ALL -u LC_MESSAGES LANGUAGE=de LANG="$(locale_of de)" \
               TEXTDOMAINDIR="$prefix/share/locale" gettext -d tessera "$refused_msgid")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'pat.LangAcct00000000000001.64656d6f00000000000000bb.LangSecret0000001\n' |
  run_lang C add Refused --base-url "http://127.0.0.1:$port" --no-verify > /dev/null ||
  fail "tessera add --no-verify failed"
run_lang C verify Refused > /dev/null || true
if [ "$refused_de" = "$refused_msgid" ]; then
  fail "“$refused_msgid” has no German translation"
elif run_lang de list --json | grep -qF -- "$refused_de"; then
  echo "ok: a check made in English reads German in LANGUAGE=de tessera list --json"
else
  fail "after a check in English, LANGUAGE=de tessera list --json does not say “$refused_de”:"
  run_lang de list --json | sed 's/^/    /'
fi
run_lang de verify Refused > /dev/null || true
if run_lang C list --json | grep -qF -- "$refused_msgid"; then
  echo "ok: a check made in German reads English in LANGUAGE=C tessera list --json"
else
  fail "after a check in German, LANGUAGE=C tessera list --json does not say “$refused_msgid”:"
  run_lang C list --json | sed 's/^/    /'
fi

# D-Bus activation, as GNOME Shell does it for a DBusActivatable app: the bus
# starts the service named after the desktop file, then the app is asked to
# activate (open its window) and to quit.
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && command -v dbus-run-session >/dev/null; then
  app_path=/$(tr . / <<< "$app_id")
  # GTK_A11Y=none: on this private bus GTK 4 would start a second
  # accessibility bus on the same display and runtime directory, whose
  # socket replaces, then deletes, the one of the surrounding session.
  # GDK_DEBUG=no-portals, ADW_DISABLE_PORTAL: this bus is no desktop; on a
  # machine with xdg-desktop-portal GTK and libadwaita would start the
  # portal here, and Debian 12's waited 25 s for a Secret Service, longer
  # than the Activate call below (seen on desktops, not on CI boxes).
  activation=$(env XDG_DATA_DIRS="$prefix/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" \
      GSETTINGS_SCHEMA_DIR="$schemas" GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 GTK_A11Y=none \
      GDK_DEBUG=no-portals ADW_DISABLE_PORTAL=1 \
      SECRET_BACKEND=file SECRET_FILE_TEST_PATH="$tmp/keyring" SECRET_FILE_TEST_PASSWORD=test \
      XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
      timeout 60 dbus-run-session -- bash -c '
    set -u
    bus() { gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
              --method "org.freedesktop.DBus.$1" "${@:2}"; }
    bus StartServiceByName "$0" 0 || exit 1
    echo "pid $(bus GetConnectionUnixProcessID "$0")"
    gdbus call --session --dest "$0" --object-path "$1" \
      --method org.freedesktop.Application.Activate "{}" || exit 2
    gdbus call --session --dest "$0" --object-path "$1" \
      --method org.freedesktop.Application.ActivateAction quit "[]" "{}" || exit 3
    for _ in $(seq 1 50); do
      bus NameHasOwner "$0" | grep -q false && { echo "quit"; exit 0; }
      sleep 0.1
    done
    exit 4' "$app_id" "$app_path" 2>&1) && rc=0 || rc=$?
  case $rc in
    0) echo "ok: D-Bus activation started $app_id, which activated and quit" ;;
    1) fail "the session bus could not start $app_id from $prefix/share/dbus-1/services" ;;
    2) fail "the D-Bus activated $app_id did not answer Activate" ;;
    3) fail "the D-Bus activated $app_id did not answer ActivateAction quit" ;;
    *) fail "the D-Bus activated $app_id did not quit (exit $rc)" ;;
  esac
  [ "$rc" -eq 0 ] || sed 's/^/    /' <<< "$activation"
else
  echo "SKIP: D-Bus activation needs a display and dbus-run-session (run under build-aux/session)"
fi

# And the English stays English without LANGUAGE.
out=$(run_in C --help)
grep -qF "Open the Tessera window" <<< "$out" || fail "tessera --help in C does not print the English text"

if [ "$failures" -ne 0 ]; then
  echo "$failures problem(s)"
  exit 1
fi
echo "installed into a prefix: post-install steps, D-Bus activation and translations ($(echo $langs)) all work"
