#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-install.sh BUILDDIR SRCDIR APP_ID VERSION BINDIR DATADIR LOCALEDIR MODULEDIR
#
# `meson install` into a temporary DESTDIR (no root needed), then checks that
# everything a desktop expects is there and consistent, and runs the
# installed `tessera --version` against that tree's data directory.
set -euo pipefail

builddir=$1 srcdir=$2 app_id=$3 version=$4 bindir=$5 datadir=$6 localedir=$7 moduledir=$8

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
expect_file() {
  if [ -f "$dest$1" ]; then
    echo "ok: $1"
  else
    fail "$1 was not installed"
  fi
}

# meson test builds only what tests depend on, so let meson install build
# the rest (meson.build marks this test is_parallel: false, so no other
# test runs meanwhile; the build itself is finished before tests start).
if ! meson install -C "$builddir" --destdir "$dest" > "$dest.log" 2>&1; then
  cat "$dest.log"
  rm -f "$dest.log"
  echo "FAIL: meson install into DESTDIR failed"
  exit 1
fi
rm -f "$dest.log"

# The list.
expect_file "$bindir/tessera"
[ -x "$dest$bindir/tessera" ] || fail "$bindir/tessera is not executable"
expect_file "$moduledir/libtessera-net.so"
expect_file "$moduledir/libtessera-keyring.so"
expect_file "$moduledir/libtessera-gui.so"
expect_file "$datadir/applications/$app_id.desktop"
expect_file "$datadir/metainfo/$app_id.metainfo.xml"
expect_file "$datadir/dbus-1/services/$app_id.service"
expect_file "$datadir/gnome-shell/search-providers/$app_id.search-provider.ini"
expect_file "$datadir/glib-2.0/schemas/$app_id.gschema.xml"
expect_file "$datadir/icons/hicolor/scalable/apps/$app_id.svg"
expect_file "$datadir/icons/hicolor/symbolic/apps/$app_id-symbolic.svg"

langs=$(grep -Ev '^[[:space:]]*(#|$)' "$srcdir/po/LINGUAS" || true)
[ -n "$langs" ] || fail "po/LINGUAS lists no language"
for lang in $langs; do
  expect_file "$localedir/$lang/LC_MESSAGES/tessera.mo"
done

# The pieces agree with each other.
desktop=$dest$datadir/applications/$app_id.desktop
service=$dest$datadir/dbus-1/services/$app_id.service
metainfo=$dest$datadir/metainfo/$app_id.metainfo.xml
if [ -f "$desktop" ]; then
  grep -qx "Exec=tessera" "$desktop" || fail "the desktop file does not run tessera"
  grep -qx "Icon=$app_id" "$desktop" || fail "the desktop file's icon is not $app_id"
  grep -qx "DBusActivatable=true" "$desktop" || fail "the desktop file is not DBusActivatable"
  for lang in $langs; do
    grep -q "^Comment\[$lang\]=" "$desktop" || fail "the installed desktop file has no $lang translation"
  done
fi
if [ -f "$service" ]; then
  # D-Bus activation needs a service whose name is the desktop file's id.
  grep -qx "Name=$app_id" "$service" || fail "the D-Bus service is not named $app_id"
  grep -qx "Exec=$bindir/tessera --gapplication-service" "$service" \
    || fail "the D-Bus service does not start $bindir/tessera --gapplication-service"
fi
search_provider=$dest$datadir/gnome-shell/search-providers/$app_id.search-provider.ini
if [ -f "$search_provider" ]; then
  # GNOME Shell finds the provider by the desktop file, calls it on the
  # name the D-Bus service starts, at the path the window exports it on.
  grep -qx "\[Shell Search Provider\]" "$search_provider" || fail "the search provider has no [Shell Search Provider] group"
  grep -qx "DesktopId=$app_id.desktop" "$search_provider" || fail "the search provider is not for $app_id.desktop"
  grep -qx "BusName=$app_id" "$search_provider" || fail "the search provider's bus name is not $app_id"
  grep -qx "ObjectPath=/${app_id//.//}/SearchProvider" "$search_provider" \
    || fail "the search provider's object path is not /${app_id//.//}/SearchProvider"
  grep -qx "Version=2" "$search_provider" || fail "the search provider is not version 2"
fi
if [ -f "$metainfo" ]; then
  grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$metainfo" \
    || fail "the metainfo does not launch $app_id.desktop"
  grep -q "<binary>tessera</binary>" "$metainfo" || fail "the metainfo does not provide the tessera binary"
  grep -q "<release version=\"$version\"" "$metainfo" || fail "the metainfo has no release $version"
fi

# Meson skips gnome.post_install under DESTDIR by design: a package's own
# trigger compiles the schemas when it is installed. Do what that trigger
# does; the installed files alone must compile, strictly. (test-l10n.sh
# installs into a real prefix, where gnome.post_install itself runs.)
schemas=$dest$datadir/glib-2.0/schemas
if out=$(glib-compile-schemas --strict "$schemas" 2>&1) && [ -z "$out" ]; then
  echo "ok: the installed schemas compile with --strict"
else
  fail "the installed schemas do not compile cleanly: $out"
fi
if [ -f "$schemas/gschemas.compiled" ]; then
  keys=$(GSETTINGS_SCHEMA_DIR=$schemas GSETTINGS_BACKEND=memory gsettings list-keys "$app_id" 2>&1 || true)
  if grep -qx credentials <<< "$keys"; then
    echo "ok: the installed gschemas.compiled holds $app_id"
  else
    fail "the installed gschemas.compiled does not hold the schema $app_id"
  fi
fi

# The program is not linked with the network and keyring libraries; the
# modules it opens instead export their entry points, every function of
# Tessera's they call is exported by the program, and the keyring module
# (what `tessera token` opens) is not linked with libsoup.
program=$dest$bindir/tessera
check_module() {
  local module=$1 entry=$2
  if nm -D --defined-only "$module" | grep -qw "$entry"; then
    echo "ok: $(basename "$module") exports $entry"
  else
    fail "$(basename "$module") does not export $entry"
  fi
  exported=$(nm -D --defined-only "$program" | awk '{print $3}')
  missing=0
  for symbol in $(nm -D --undefined-only "$module" | awk '$2 ~ /^tessera_/ {print $2}'); do
    if ! grep -qxF "$symbol" <<< "$exported"; then
      fail "$(basename "$module") calls $symbol, which tessera does not export"
      missing=1
    fi
  done
  [ "$missing" -eq 0 ] && echo "ok: every function of Tessera's $(basename "$module") calls is exported by tessera"
}
net_module=$dest$moduledir/libtessera-net.so
keyring_module=$dest$moduledir/libtessera-keyring.so
if [ -f "$program" ] && [ -f "$net_module" ] && [ -f "$keyring_module" ]; then
  needed=$(readelf -d "$program" | grep NEEDED || true)
  if grep -qE "libsoup|libsecret" <<< "$needed"; then
    fail "tessera is linked with libsoup or libsecret: $needed"
  else
    echo "ok: tessera is not linked with libsoup or libsecret"
  fi
  check_module "$net_module" tessera_net_module_get
  check_module "$keyring_module" tessera_keyring_module_get
  keyring_needed=$(readelf -d "$keyring_module" | grep NEEDED || true)
  if grep -qE "libsoup|libjson-glib" <<< "$keyring_needed"; then
    fail "libtessera-keyring.so is linked with libsoup or json-glib: $keyring_needed"
  else
    echo "ok: libtessera-keyring.so is not linked with libsoup or json-glib"
  fi
fi

# Nor with GTK: the window is libtessera-gui.so, so that a script's
# `tessera token` loads GLib, GIO and the core only. The window module
# carries no copy of the core (one copy of every type): what it calls is
# the program's.
gui_module=$dest$moduledir/libtessera-gui.so
if [ -f "$program" ] && [ -f "$gui_module" ]; then
  needed=$(readelf -d "$program" | grep NEEDED || true)
  if grep -qE "libgtk|libadwaita" <<< "$needed"; then
    fail "tessera is linked with GTK or libadwaita: $needed"
  else
    echo "ok: tessera is not linked with GTK or libadwaita"
  fi
  if nm -D --defined-only "$gui_module" | grep -qw tessera_gui_main; then
    echo "ok: the window module exports tessera_gui_main"
  else
    fail "the window module does not export tessera_gui_main"
  fi
  if nm -D --defined-only "$gui_module" | awk '{print $3}' | grep -qx 'tessera_store_get_type'; then
    fail "the window module has its own copy of the core (tessera_store_get_type)"
  fi
  exported=$(nm -D --defined-only "$program" | awk '{print $3}')
  missing=0
  for symbol in $(nm -D --undefined-only "$gui_module" | awk '$2 ~ /^tessera_/ {print $2}'); do
    if ! grep -qxF "$symbol" <<< "$exported"; then
      fail "the window module calls $symbol, which tessera does not export"
      missing=1
    fi
  done
  [ "$missing" -eq 0 ] && echo "ok: every function of Tessera's the window module calls is exported by tessera"
fi

# The installed program runs with that tree's data.
if [ -x "$dest$bindir/tessera" ]; then
  if ! out=$(env XDG_DATA_DIRS="$dest$datadir:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" \
                 GSETTINGS_SCHEMA_DIR="$schemas" GSETTINGS_BACKEND=memory LANGUAGE=C \
                 "$dest$bindir/tessera" --version 2>&1); then
    fail "installed tessera --version failed: $out"
  elif grep -qF "$version" <<< "$out"; then
    echo "ok: installed tessera --version says: $out"
  else
    fail "installed tessera --version does not print $version: $out"
  fi
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures problem(s); installed files:"
  (cd "$dest" && find . -type f | sort | sed 's/^/  /')
  exit 1
fi
echo "install into DESTDIR: all checks passed"
