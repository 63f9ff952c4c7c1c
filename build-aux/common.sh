# Shared by build-aux/run, build-aux/test and build-aux/bench.
# shellcheck shell=bash

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# What building needs on Debian 12.
build_packages=(
  meson ninja-build pkg-config gcc gettext itstool
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev
  libsoup-3.0-dev libjson-glib-dev libsecret-1-dev glib-networking
  desktop-file-utils appstream
)

# What the tests need on top: a session bus, a keyring, a display,
# AT-SPI, and the tools the data-file tests call.
test_packages=(
  dbus dbus-x11 gnome-keyring libsecret-tools xvfb xauth x11-utils
  at-spi2-core python3-dogtail gsettings-desktop-schemas imagemagick
  gnutls-bin flatpak-builder clang libclang-rt-14-dev
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

ensure_build() {
  local dir=$1; shift
  if [ ! -f "$top/$dir/build.ninja" ]; then
    meson setup "$top/$dir" "$top" "$@"
  fi
  meson compile -C "$top/$dir"
}
