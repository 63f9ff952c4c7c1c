#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-flatpak.py MANIFEST APP_ID BUILDDIR SRCDIR

This machine cannot download Flatpak runtimes, so the Flatpak is not built
here. What can be checked without them is checked: the manifest parses,
it is named after the app id, its command is the program meson installs,
the sandbox gets exactly the permissions Tessera needs, the app module
builds this repository with meson, and flatpak-builder itself reads the
manifest without a warning and without dropping anything.

Each check is a TAP test point.
"""

import json
import os
import subprocess
import sys

# What the sandbox needs: Harness over the network, a Wayland (or X11)
# window with GL. Secrets go through the Secret portal, where libsecret
# uses its file backend, so no --talk-name=org.freedesktop.secrets.
EXPECTED_FINISH_ARGS = [
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
]

# Already in org.gnome.Platform: building them again would only shadow the
# runtime's copies.
RUNTIME_LIBRARIES = {"glib", "gtk", "gtk4", "libadwaita", "libsoup", "libsoup3",
                     "json-glib", "libsecret"}

manifest_path, app_id, builddir, srcdir = sys.argv[1:5]
results = []


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


# 1. It parses.
try:
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    check("manifest parses as JSON", isinstance(manifest, dict))
except (OSError, ValueError) as e:
    check("manifest parses as JSON", False, str(e))
    manifest = {}

# 2. Named after the app id.
manifest_id = manifest.get("id", manifest.get("app-id"))
file_stem = os.path.basename(manifest_path)
file_stem = file_stem[:-len(".json")] if file_stem.endswith(".json") else file_stem
check("app id is " + app_id, manifest_id == app_id, f"manifest says {manifest_id!r}")
check("file name is the app id", file_stem == app_id, f"file is {file_stem!r}")

# 3. Runtime: a stable GNOME branch, not master/nightly.
check("runtime is org.gnome.Platform", manifest.get("runtime") == "org.gnome.Platform",
      repr(manifest.get("runtime")))
check("sdk is org.gnome.Sdk", manifest.get("sdk") == "org.gnome.Sdk", repr(manifest.get("sdk")))
version = str(manifest.get("runtime-version", ""))
check("runtime-version is a stable release number", version.isdigit(), repr(version))

# 4. The command is the executable meson installs into bin/.
command = manifest.get("command")
installed = {}
intro = run(["meson", "introspect", "--installed", builddir])
if intro.returncode == 0:
    installed = json.loads(intro.stdout)
targets = {}
intro_targets = run(["meson", "introspect", "--targets", builddir])
if intro_targets.returncode == 0:
    targets = {t["name"]: t for t in json.loads(intro_targets.stdout)}
prefix = json.loads(run(["meson", "introspect", "--buildoptions", builddir]).stdout or "[]")
options = {o["name"]: o["value"] for o in prefix}
bin_path = os.path.join(options.get("prefix", ""), options.get("bindir", "bin"), command or "")
check("command is set", bool(command), repr(command))
check(f"command {command!r} is installed as {bin_path}", bin_path in installed.values(),
      "installed: " + ", ".join(sorted(v for v in installed.values() if "/bin/" in v)))
target = targets.get(command or "", {})
check(f"{command!r} is an installed executable target",
      target.get("type") == "executable" and target.get("installed"), repr(target.get("type")))

# 5. Exactly the permissions Tessera needs.
finish_args = manifest.get("finish-args", [])
check("finish-args are exactly " + " ".join(EXPECTED_FINISH_ARGS),
      sorted(finish_args) == sorted(EXPECTED_FINISH_ARGS) and len(set(finish_args)) == len(finish_args),
      "got " + " ".join(finish_args))
check("no direct access to the Secret Service",
      not any("org.freedesktop.secrets" in a for a in finish_args))
check("no filesystem access", not any(a.startswith("--filesystem") for a in finish_args))

# 6. The app module: this repository, built with meson; nothing the runtime has.
modules = manifest.get("modules", [])
app_module = modules[-1] if modules and isinstance(modules[-1], dict) else {}
sources = app_module.get("sources", [])
manifest_dir = os.path.dirname(os.path.abspath(manifest_path))
check("the last module is tessera, built with meson",
      app_module.get("name") == "tessera" and app_module.get("buildsystem") == "meson",
      repr({k: app_module.get(k) for k in ("name", "buildsystem")}))
dir_sources = [s for s in sources if isinstance(s, dict) and s.get("type") == "dir"]
check("its source is this repository (type dir, path ..)",
      len(dir_sources) == 1 and dir_sources[0].get("path") == ".."
      and os.path.samefile(os.path.join(manifest_dir, ".."), srcdir),
      repr(sources))
extra = [m.get("name") for m in modules if isinstance(m, dict) and m.get("name") in RUNTIME_LIBRARIES]
check("no module rebuilds a library of the GNOME runtime", not extra, repr(extra))

# 7. flatpak-builder reads it: no warning, and nothing dropped on the way.
try:
    shown = run(["flatpak-builder", "--show-manifest", manifest_path])
    stderr = shown.stderr.strip()
    check("flatpak-builder --show-manifest accepts it", shown.returncode == 0 and not stderr,
          f"exit {shown.returncode}; {stderr}")
    try:
        check("flatpak-builder reads back the same manifest", json.loads(shown.stdout) == manifest,
              "flatpak-builder dropped or changed a property")
    except ValueError as e:
        check("flatpak-builder reads back the same manifest", False, str(e))
except FileNotFoundError:
    check("flatpak-builder --show-manifest accepts it", False,
          "flatpak-builder is not installed (Debian: flatpak-builder)")

print(f"1..{len(results)}")
for i, (name, ok, detail) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok and detail:
        print(f"# {detail}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
