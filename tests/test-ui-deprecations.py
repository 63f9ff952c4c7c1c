#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-ui-deprecations.py SRCDIR GTK_INCLUDEDIR ADW_INCLUDEDIR

The compiler warns about deprecated API in C (the API level is pinned to
the floor in meson.build); nothing warns about a deprecated class in a .ui
file. This reads the floor's own headers, as installed here: every type
GTK declares under gtk/deprecated/, and every libadwaita type whose
declaration is marked ADW_DEPRECATED_IN_…, and fails for a .ui file of
ours that names one as an object class or a template parent.

Allowed, with the reason:
  GtkShortcuts* in tessera-shortcuts-window.ui: deprecated in GTK 4.18 for
  AdwShortcutsDialog, which needs libadwaita 1.8; the floor is 1.7.

The header reading is checked first on types known to be deprecated at the
floor (GtkInfoBar, AdwAboutWindow, AdwMessageDialog), so that a change in
the headers' layout fails instead of passing.
"""

import glob
import os
import re
import sys

from tessera_testlib import TapPoints

srcdir, gtk_include, adw_include = sys.argv[1:4]
tap = TapPoints()
check = tap.point

ALLOWED = {
    "tessera-shortcuts-window.ui": re.compile(r"^Gtk(ShortcutsWindow|ShortcutsSection|ShortcutsGroup|ShortcutsShortcut|ShortcutLabel)$"),
}


def camel(snake, prefix):
    return prefix + "".join(part.capitalize() for part in snake.split("_"))


deprecated = set()
for header in glob.glob(os.path.join(gtk_include, "gtk", "deprecated", "*.h")):
    text = open(header, encoding="utf-8").read()
    for m in re.finditer(r"G_DECLARE_(?:FINAL|DERIVABLE|INTERFACE)_TYPE\s*\((Gtk\w+)", text):
        deprecated.add(m.group(1))
    for m in re.finditer(r"\bgtk_(\w+)_get_type\s*\(", text):
        deprecated.add(camel(m.group(1), "Gtk"))

for header in glob.glob(os.path.join(adw_include, "adw-*.h")):
    text = open(header, encoding="utf-8").read()
    for m in re.finditer(r"ADW_DEPRECATED_IN_\w+(?:\([^)]*\))?\s*\n\s*G_DECLARE_(?:FINAL|DERIVABLE)_TYPE\s*\((Adw\w+)", text):
        deprecated.add(m.group(1))

for known in ("GtkInfoBar", "GtkDialog", "AdwAboutWindow", "AdwMessageDialog"):
    check(f"the floor's headers mark {known} deprecated", known in deprecated,
          f"read {len(deprecated)} deprecated types from {gtk_include} and {adw_include}")

ui_files = sorted(glob.glob(os.path.join(srcdir, "**", "*.ui"), recursive=True))
check("there are .ui files to check", ui_files, srcdir)
for path in ui_files:
    name = os.path.basename(path)
    text = open(path, encoding="utf-8").read()
    used = set(re.findall(r'<object\s+class="(\w+)"', text)) | set(re.findall(r'parent="(\w+)"', text))
    allowed = ALLOWED.get(name)
    bad = sorted(t for t in used if t in deprecated and not (allowed and allowed.match(t)))
    check(f"{name} uses no class deprecated at the floor", not bad, "deprecated: " + ", ".join(bad))

sys.exit(tap.report())
