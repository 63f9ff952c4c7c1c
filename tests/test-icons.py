#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-icons.py SRCDIR GRESOURCE_XML

Every icon name the code and the .ui files use must exist where the app
runs: in Adwaita's icon theme as installed here (on the floor, Debian 13's
Adwaita 48), or as an SVG shipped in the app's GResource under icons/
(GtkApplication adds <resource-base-path>/icons to the icon theme). A name
found in neither renders as a missing image.

Each icon's file is also loaded as GTK 4.18 loads it (SVG through
gdk-pixbuf's librsvg loader, Debian package librsvg2-common): without that
loader, every SVG icon but Adwaita's pre-rendered 16-pixel ones is a
missing image, the app's own among them.

The lookup is checked first against names known to be present and absent,
so that a missing theme or a broken search fails instead of passing.
"""

import os
import re
import sys
import xml.etree.ElementTree as ET

from tessera_testlib import TapPoints

import gi
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf, GLib  # noqa: E402

srcdir, gresource_xml = sys.argv[1:3]
tap = TapPoints()
check = tap.point


# Names used: quoted "…-symbolic" strings in C, icon-name properties and
# attributes in .ui files (some name no -symbolic icon).
used = {}
for dirpath, _, files in os.walk(srcdir):
    for f in sorted(files):
        path = os.path.join(dirpath, f)
        if f.endswith(".c") or f.endswith(".h"):
            text = open(path, encoding="utf-8").read()
            names = re.findall(r'"([a-z0-9][a-z0-9.-]*-symbolic)"', text)
        elif f.endswith(".ui"):
            text = open(path, encoding="utf-8").read()
            names = re.findall(r'name="icon-name"[^>]*>\s*([^<\s]+)\s*<', text)
            names += re.findall(r'icon-name="([^"]+)"', text)
            names += re.findall(r'"([a-z0-9][a-z0-9.-]*-symbolic)"', text)
        else:
            continue
        for n in names:
            used.setdefault(n, set()).add(os.path.relpath(path, srcdir))

# The theme, in the data folders GTK searches.
data_dirs = [os.environ.get("XDG_DATA_HOME", os.path.expanduser("~/.local/share"))]
data_dirs += os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share").split(":")
theme_files = {}   # name → the files that hold it, at every size
for d in data_dirs:
    root = os.path.join(d, "icons", "Adwaita")
    for dirpath, _, files in os.walk(root):
        for f in files:
            stem, ext = os.path.splitext(f)
            if ext in (".svg", ".png"):
                theme_files.setdefault(stem, []).append(os.path.join(dirpath, f))

# The resource: files whose resource path is icons/<size>/<context>/NAME.svg
resource_dir = os.path.dirname(gresource_xml)
resource_icons = {}
for gres in ET.parse(gresource_xml).getroot():
    prefix = gres.get("prefix", "/")
    for f in gres.findall("file"):
        alias = f.get("alias") or f.text
        if alias.startswith("icons/") and alias.endswith(".svg"):
            resource_icons[os.path.basename(alias)[:-4]] = os.path.join(resource_dir, f.text)


def found(name):
    return name in theme_files or name in resource_icons


check("the Adwaita theme is installed and searched (list-add-symbolic found)",
      "list-add-symbolic" in theme_files, f"searched {data_dirs}")
check("a name Adwaita 48 lacks is reported missing (emblem-ok-symbolic)",
      not found("emblem-ok-symbolic"))
check("the code uses icons at all", len(used) >= 5, f"found {sorted(used)}")
check("SVG icons can be loaded (gdk-pixbuf has an SVG loader)",
      any(fmt.get_name() == "svg" for fmt in GdkPixbuf.Pixbuf.get_formats()),
      "install librsvg2-common")

for name, path in sorted(resource_icons.items()):
    ok = os.path.isfile(path)
    if ok:
        root = ET.parse(path).getroot()
        ok = root.tag.endswith("svg")
    check(f"shipped icon {name} is an SVG in the source tree", ok, path)
    check(f"shipped icon {name} is symbolic", name.endswith("-symbolic"))



def loads(path):
    try:
        pixbuf = GdkPixbuf.Pixbuf.new_from_file_at_size(path, 64, 64)
        return pixbuf is not None and pixbuf.get_width() > 0, ""
    except GLib.Error as e:
        return False, e.message


for name in sorted(used):
    where = "theme" if name in theme_files else "resource" if name in resource_icons else None
    check(f"icon {name} exists ({where or 'missing'})", where is not None,
          "used in " + ", ".join(sorted(used[name])))
    # Scalable files are what GTK draws at any size but the pre-rendered ones.
    files = theme_files.get(name, []) if where == "theme" else [resource_icons.get(name)] if where else []
    for path in [f for f in files if f.endswith(".svg")]:
        ok, why = loads(path)
        check(f"icon {name} loads from {os.path.basename(os.path.dirname(path))}/{os.path.basename(path)}",
              ok, why + " (is librsvg2-common installed?)")

sys.exit(tap.report())
