# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by build-aux/run, build-aux/test and build-aux/bench.
# shellcheck shell=bash

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# What building needs on Debian 13 (the floor: GLib 2.84, GTK 4.18,
# libadwaita 1.7, libsoup 3.6, libsecret 0.21, json-glib 1.10).
build_packages=(
  meson ninja-build pkg-config gcc gettext itstool
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev
  libsoup-3.0-dev libjson-glib-dev libsecret-1-dev glib-networking
  desktop-file-utils appstream libgtk-4-bin libxml2-utils
  # Not a build dependency but needed to run: GTK 4.18 loads SVG icons
  # (the app's own, and Adwaita's at sizes other than 16 px) through
  # gdk-pixbuf's librsvg loader; without it they are missing images.
  librsvg2-common
)

# What the tests need on top: a session bus, a keyring, a display,
# AT-SPI, and the tools the data-file tests call.
test_packages=(
  dbus dbus-x11 gnome-keyring libsecret-tools xvfb xauth x11-utils
  at-spi2-core python3-dogtail gsettings-desktop-schemas imagemagick
  gnutls-bin flatpak-builder clang libclang-rt-dev xdotool locales
  python3-gi gir1.2-gdkpixbuf-2.0 git
)

missing_packages() {
  local p missing=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  echo "${missing[@]}"
}

ensure_packages() {
  local missing
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Some packages are missing. Install them with:"
    echo "  sudo apt-get install -y $missing"
    exit 1
  fi
  echo "Installing: $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || apt-get update
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing
}

# A build folder configured on another stack (the Debian 12 host before the
# root, or a root made from another recipe) is made again: meson refuses
# a folder of another version, and old libraries would be linked.
forget_other_stack_build() {
  local dir=$top/$1 stack
  stack="$(meson --version) $(pkg-config --modversion glib-2.0 gtk4 libadwaita-1 2>/dev/null | tr '\n' ' ')"
  if [ -d "$dir" ] && [ "$(cat "$dir/.tessera-stack" 2>/dev/null)" != "$stack" ]; then
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  echo "$stack" >"$dir/.tessera-stack"
}

ensure_build() {
  local dir=$1; shift
  forget_other_stack_build "$dir"
  if [ ! -f "$top/$dir/build.ninja" ]; then
    meson setup "$top/$dir" "$top" "$@"
  fi
  meson compile -C "$top/$dir"
}

# Only the Debian 13 root needs them: what a desktop has (fonts, icons,
# GSettings' dconf backend) and what build-aux/bench compares against.
root_extra_packages=(
  fonts-cantarell adwaita-icon-theme dconf-gsettings-backend dconf-service
  seahorse procps psmisc e2fsprogs ca-certificates
)

# The floor, as pkg-config module versions (meson.build asks for the same).
floor_modules=(
  "glib-2.0 >= 2.84" "gtk4 >= 4.18" "libadwaita-1 >= 1.7"
  "libsoup-3.0 >= 3.6" "libsecret-1 >= 0.21" "json-glib-1.0 >= 1.10"
)

# Whether this host's distribution ships the floor, so that the build runs
# natively. TESSERA_ROOT=1 forces the Debian 13 root, TESSERA_ROOT=0 the
# host. Debian 13+ and Ubuntu 25.10+ do; Debian 12 and older Ubuntu do not
# (they get the root). Elsewhere (Fedora, Arch…) the host is used: its
# package manager is the developer's to drive, and meson names what is
# missing.
host_has_floor() {
  case "${TESSERA_ROOT:-}" in
    1) return 1 ;;
    0) return 0 ;;
  esac
  [ -n "${TESSERA_IN_ROOT:-}" ] && return 0
  local id="" version_id=""
  if [ -r /etc/os-release ]; then
    id=$(. /etc/os-release; echo "${ID:-}")
    version_id=$(. /etc/os-release; echo "${VERSION_ID:-}")
  fi
  case "$id" in
    debian)
      # testing and unstable have no VERSION_ID
      [ -z "$version_id" ] || [ "${version_id%%.*}" -ge 13 ] ;;
    ubuntu)
      local major=${version_id%%.*} minor=${version_id#*.}
      [ "$major" -gt 25 ] || { [ "$major" -eq 25 ] && [ "${minor#0}" -ge 10 ]; } ;;
    *)
      return 0 ;;
  esac
}

# The root lives in a cache folder, named after what went into it, so a
# change of the package list (or of this recipe) makes a new one and
# everything else reuses the last.
root_cache=${TESSERA_ROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tessera}

# What goes into the root. A host with a desktop's portal packages gets
# them in its root too, so that the suite meets what it would natively
# (the portal activated on a test's private bus); TESSERA_ROOT_EXTRA_PACKAGES
# adds more.
root_packages() {
  local p
  printf '%s\n' "${build_packages[@]}" "${test_packages[@]}" "${root_extra_packages[@]}" \
    ${TESSERA_ROOT_EXTRA_PACKAGES:-}
  for p in xdg-desktop-portal xdg-desktop-portal-gtk; do
    [ -z "$(missing_packages "$p")" ] && echo "$p"
  done
  return 0
}

root_recipe() {
  echo trixie
  root_packages
  cat "$top/build-aux/root-customize"
}

root_dir() {
  local hash
  hash=$(root_recipe | sha256sum | cut -c1-12)
  echo "$root_cache/debian13-$hash"
}

# Makes the Debian 13 root with mmdebstrap unless it is already there:
# written to a temporary folder and renamed when complete, under a lock,
# so an interrupted or concurrent run never leaves half a root in use.
ensure_root() {
  local root tmp packages
  root=$(root_dir)
  [ -f "$root/.complete" ] && return 0
  # As an ordinary user mmdebstrap works in a user namespace, which needs
  # newuidmap/newgidmap (Debian package uidmap) and subordinate ids in
  # /etc/subuid (adduser gives every new user some).
  local mode=root
  [ "$(id -u)" -ne 0 ] && mode=unshare
  if [ "$mode" = unshare ]; then
    ensure_packages mmdebstrap bubblewrap uidmap || return 1
  else
    ensure_packages mmdebstrap bubblewrap || return 1
  fi
  mkdir -p "$root_cache"
  exec 9>"$root_cache/.lock"
  flock 9
  if [ ! -f "$root/.complete" ]; then
    echo "== Making the Debian 13 root in $root (once; about 2-4 minutes)"
    local started=$SECONDS
    tmp=$(mktemp -d "$root_cache/.new.XXXXXX")
    packages=$(root_packages | paste -sd,)
    # A tarball, unpacked without /dev (bwrap makes one): the same steps
    # work as root and, with --mode=unshare, as an ordinary user.
    if ! mmdebstrap --mode="$mode" --variant=apt --include="$packages" \
         --customize-hook='"$TESSERA_ROOT_CUSTOMIZE" "$1"' \
         trixie "$tmp/root.tar" >"$tmp/mmdebstrap.log" 2>&1; then
      echo "mmdebstrap failed; its log:" >&2
      tail -40 "$tmp/mmdebstrap.log" >&2
      rm -rf "$tmp"
      return 1
    fi
    mkdir "$tmp/root"
    tar -C "$tmp/root" --exclude='./dev/*' -xf "$tmp/root.tar"
    rm -f "$tmp/root.tar"
    touch "$tmp/root/.complete"
    rm -rf "$root"
    mv "$tmp/root" "$root"
    rm -rf "$tmp"
    # Roots unused for a week were made from an older recipe.
    find "$root_cache" -maxdepth 1 -name 'debian13-*' ! -path "$root" -mtime +7 -exec rm -rf {} +
    echo "== Root ready in $((SECONDS - started)) s"
  fi
  exec 9>&-
}
export TESSERA_ROOT_CUSTOMIZE=$top/build-aux/root-customize

# Runs a command inside the root with bwrap: the source tree, /tmp (X11
# sockets, build-aux/session's folders) and, for build-aux/run, the
# caller's home and runtime folder (display, session bus, keyring) are
# the host's; everything else is Debian 13.
run_in_root() {
  local root args
  root=$(root_dir)
  touch "$root"
  args=(--bind "$root" / --proc /proc --dev /dev --tmpfs /dev/shm
        --ro-bind /sys /sys --bind /tmp /tmp --bind "$top" "$top"
        --ro-bind-try /etc/hosts /etc/hosts
        --unshare-pid --die-with-parent --chdir "$PWD"
        --setenv TESSERA_IN_ROOT 1
        --setenv PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
  # An ordinary user needs a name in the root (dbus-daemon asks for one).
  if [ "$(id -u)" -ne 0 ]; then
    local uid
    uid=$(id -u)
    { grep -v "^[^:]*:[^:]*:$uid:" "$root/etc/passwd"
      getent passwd "$uid" || echo "$(id -un):x:$uid:$(id -g)::$HOME:/bin/bash"; } >"$root_cache/passwd.$uid"
    { cat "$root/etc/group"; getent group "$(id -g)" || true; } >"$root_cache/group.$uid"
    args+=(--ro-bind "$root_cache/passwd.$uid" /etc/passwd --ro-bind "$root_cache/group.$uid" /etc/group)
  fi
  if [ -n "${TESSERA_ROOT_SHARE_DESKTOP:-}" ]; then
    [ -d "$HOME" ] && args+=(--bind "$HOME" "$HOME")
    [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ] && \
      args+=(--bind "$XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR")
    [ -n "${XAUTHORITY:-}" ] && [ -f "$XAUTHORITY" ] && \
      args+=(--ro-bind "$XAUTHORITY" "$XAUTHORITY")
  fi
  exec bwrap "${args[@]}" -- "$@"
}

# Called first by build-aux/run, test and bench with the script and its
# arguments: on a host without the floor, runs the script again inside
# the Debian 13 root (made first if need be).
enter_root_unless_floor() {
  host_has_floor && return 0
  ensure_root || exit 1
  echo "== This host lacks the floor (Debian 13's GTK 4.18, libadwaita 1.7): running in the Debian 13 root"
  run_in_root "$@"
}
