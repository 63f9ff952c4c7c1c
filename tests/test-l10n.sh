#!/usr/bin/env bash
# test-l10n.sh SRCDIR APP_ID
#
# Does the built `tessera` speak German (and every other language in
# po/LINGUAS)? The program looks for its catalogue in the LOCALEDIR compiled
# into it, so this configures a private build of the source tree with a
# temporary --prefix, builds only what is installed, installs it there for
# real (no DESTDIR, so gnome.post_install runs too), and runs that program
# with LANGUAGE=<lang> LANG=C.UTF-8 (only the C locales exist on a fresh
# machine; gettext honours LANGUAGE under C.UTF-8).
#
# The expected text is looked up in the installed catalogue with gettext(1)
# and must differ from the English, so the test follows rewording in the
# .po files but fails when a message is untranslated or not shown.
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

# run_in LANG ARGS…: the installed tessera, with an empty in-memory store.
run_in() {
  local lang=$1; shift
  env -u LC_ALL -u LC_MESSAGES LANGUAGE="$lang" LANG=C.UTF-8 \
    XDG_DATA_DIRS="$prefix/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" \
    XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
    GSETTINGS_SCHEMA_DIR="$schemas" GSETTINGS_BACKEND=memory \
    "$exe" "$@" 2>&1 || true
}

# expect LANG MSGID ARGS…: `tessera ARGS…` in LANG prints MSGID's translation.
expect() {
  local lang=$1 msgid=$2; shift 2
  local translated out
  translated=$(env -u LC_ALL -u LC_MESSAGES LANGUAGE="$lang" LANG=C.UTF-8 \
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

# And the English stays English without LANGUAGE.
out=$(run_in C --help)
grep -qF "Open the Tessera window" <<< "$out" || fail "tessera --help in C does not print the English text"

if [ "$failures" -ne 0 ]; then
  echo "$failures problem(s)"
  exit 1
fi
echo "translations reach the installed program for: $(echo $langs)"
