#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""journey.py BUILDDIR FAKE_HARNESS: a person's first use of Tessera, end to end

Drives the installed app the way a person with a screen reader does,
through AT-SPI (Debian python3-dogtail):

  1. `meson install` BUILDDIR into a temporary DESTDIR and compile the
     installed schemas (what the package's trigger does);
  2. start the fake Harness (tests/tessera-fake-harness --demo) and that
     installed bin/tessera, on a throwaway $HOME with GSettings' keyfile
     backend and the keys in the session's real gnome-keyring;
  3. Add credential → fill "Credential name", "API key", check that
     "Account ID" was filled in from the key, set "API base URL"
     to the fake → Save → the tile says "Verified";
  4. the tile says it is selected: the first credential saved is the one
     scripts use;
  5. Ctrl+Q, start the app again: the tile is there and still selected;
  6. `tessera token` prints the key; `tessera remove` deletes it from the
     session's keyring; the key is in no file of the profile and in no
     log line.

Run it under build-aux/session (private D-Bus, unlocked gnome-keyring,
Xvfb); without a display or a Secret Service it exits 77 (skip). The app
and dogtail talk over an AT-SPI bus of the journey's own. Every wait
polls with a timeout and a failure says what was expected and what the
screen showed.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BUILDDIR, FAKE_HARNESS = (os.path.abspath(p) for p in sys.argv[1:3])

ACCESSIBILITY_CONF = "/usr/share/defaults/at-spi2/accessibility.conf"

NAME = "Journey to the fake Harness"
DESCRIPTION = "Created by tests/e2e/journey.py"

started = time.monotonic()


class Failure(Exception):
    pass


def step(message):
    print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(77)


# Sanitizer builds run several times slower: every timeout is multiplied
# by this (install() sets it from the build's b_sanitize option).
slowness = 1


def wait_for(what, condition, timeout=10.0, interval=0.1, explain=None):
    """Polls condition() until it returns something true, and returns that.
    On timeout, fails saying what was awaited, and explain()'s account of
    what was seen instead."""
    timeout *= slowness
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
        except Exception as error:  # a node that went away while we looked
            result = None
            last_error = error
        else:
            last_error = None
        if result:
            return result
        if time.monotonic() > deadline:
            message = f"timed out after {timeout:.0f} s waiting for {what}"
            if last_error is not None:
                message += f" (last error: {last_error})"
            if explain is not None:
                message += "\n" + explain()
            raise Failure(message)
        time.sleep(interval)


def run(argv, **kwargs):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **kwargs)


# ---------------------------------------------------------------- environment


def check_session():
    if not os.environ.get("DISPLAY"):
        skip("no X display; run under build-aux/session")
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        skip("no D-Bus session bus; run under build-aux/session")
    out = run(["gdbus", "call", "--session", "-d", "org.freedesktop.DBus",
               "-o", "/org/freedesktop/DBus", "-m", "org.freedesktop.DBus.NameHasOwner",
               "org.freedesktop.secrets"]).stdout
    if "true" not in out:
        skip("no Secret Service on the session bus; run under build-aux/session")

    if not os.path.exists(ACCESSIBILITY_CONF):
        skip(f"{ACCESSIBILITY_CONF} is missing (Debian at-spi2-core)")


class AccessibilityBus:
    """An AT-SPI bus of the journey's own, which the app and dogtail find
    through AT_SPI_BUS_ADDRESS. The session's bus is shared by every test,
    and a test that starts GTK on a D-Bus session of its own, with this
    display and runtime directory, starts a second bus launcher that takes
    over the session's bus socket and deletes it when it ends. Its registry,
    started on demand, inherits DISPLAY to synthesize clicks and keys."""

    def __init__(self, tmp):
        self.address = "unix:path=" + os.path.join(tmp, "at-spi-bus")
        env = dict(os.environ, AT_SPI_BUS_ADDRESS=self.address)
        self.process = subprocess.Popen(["dbus-daemon", f"--config-file={ACCESSIBILITY_CONF}",
                                         "--nofork", f"--address={self.address}", "--print-address=1"],
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True)
        if not self.process.stdout.readline():
            raise Failure("the accessibility bus (dbus-daemon) did not start")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


def install(tmp):
    """meson install into tmp/dest; returns the installed tessera, the data
    directory, the compiled schemas' directory and the module directory."""
    global slowness
    dest = os.path.join(tmp, "dest")
    result = run(["meson", "install", "-C", BUILDDIR, "--destdir", dest])
    if result.returncode != 0:
        raise Failure("meson install failed:\n" + result.stdout[-3000:])

    options = json.loads(run(["meson", "introspect", "--buildoptions", BUILDDIR]).stdout)
    option = {o["name"]: o["value"] for o in options}
    if option.get("b_sanitize", "none") != "none":
        slowness = 4
    prefix = dest + option["prefix"]
    bindir = os.path.join(prefix, option["bindir"])
    datadir = os.path.join(prefix, option["datadir"])

    # meson skips gnome.post_install under DESTDIR; a package's trigger
    # would compile the schemas.
    schemas = os.path.join(datadir, "glib-2.0", "schemas")
    result = run(["glib-compile-schemas", "--strict", schemas])
    if result.returncode != 0:
        raise Failure("the installed schemas do not compile:\n" + result.stdout)

    tessera = os.path.join(bindir, "tessera")
    if not os.access(tessera, os.X_OK):
        raise Failure(f"meson install did not install {tessera}")
    # The network and keyring modules, which the app opens on first use from
    # the directory it was built for; under DESTDIR it is told where.
    moduledir = os.path.join(prefix, option["libdir"], "tessera")
    for module in ("libtessera-net.so", "libtessera-keyring.so"):
        if not os.path.isfile(os.path.join(moduledir, module)):
            raise Failure(f"meson install did not install {module} in {moduledir}")
    return tessera, datadir, schemas, moduledir


def make_profile(tmp, datadir, schemas, moduledir):
    """The environment of the app, the CLI and this script: a throwaway
    home, keyfile settings, the installed data first on XDG_DATA_DIRS, and
    the session's gnome-keyring (no file backend)."""
    home = os.path.join(tmp, "home")
    env = dict(os.environ)
    for name in ("NO_AT_BRIDGE", "GTK_A11Y", "SECRET_BACKEND", "SECRET_FILE_TEST_PATH",
                 "SECRET_FILE_TEST_PASSWORD", "G_TEST_SRCDIR", "G_TEST_BUILDDIR"):
        env.pop(name, None)
    env.update({
        "HOME": home,
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
        "XDG_DATA_DIRS": datadir + ":" + os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share"),
        "GSETTINGS_SCHEMA_DIR": schemas,
        "TESSERA_MODULE_DIR": moduledir,
        "GSETTINGS_BACKEND": "keyfile",
        "LANGUAGE": "C",
        "GDK_BACKEND": "x11",
        "GSK_RENDERER": "cairo",
    })
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.makedirs(env[name], exist_ok=True)
    return env


class FakeHarness:
    def __init__(self, tmp):
        self.log_path = os.path.join(tmp, "fake-harness.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([FAKE_HARNESS, "--demo"], stdout=subprocess.PIPE,
                                        stderr=self.log, text=True)
        self.values = {}
        deadline = time.monotonic() + 10 * slowness
        while "TESSERA_DEMO_PAT_EXPIRED" not in self.values:
            line = self.process.stdout.readline()
            if not line or time.monotonic() > deadline:
                raise Failure("tessera-fake-harness --demo did not print its demo keys:\n"
                              + self.read_log())
            name, _, value = line.strip().partition("=")
            self.values[name] = value
        self.url = self.values["TESSERA_FAKE_HARNESS_URL"]

    def read_log(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()[-3000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# ---------------------------------------------------------------- the app


class App:
    """One run of the installed tessera, and its node in the AT-SPI tree."""

    def __init__(self, tessera, env, log_path):
        self.log_path = log_path
        self.log = open(log_path, "a")
        self.log.write(f"---- {tessera}\n")
        self.log.flush()
        self.process = subprocess.Popen([tessera], env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self.node = wait_for("the tessera process to appear on the accessibility bus",
                             self.find_application, timeout=30, interval=0.2,
                             explain=self.explain_start)
        self.window = wait_for("the main window “Tessera” to be showing",
                               lambda: self.find_toplevel("frame", "Tessera"),
                               timeout=30, explain=self.explain_start)

    def read_log(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()[-3000:]

    def explain_start(self):
        if self.process.poll() is not None:
            return f"tessera exited with status {self.process.returncode}:\n{self.read_log()}"
        names = [a.name for a in tree.root.applications()]
        return f"applications on the bus: {names}\ntessera's output:\n{self.read_log()}"

    def find_application(self):
        if self.process.poll() is not None:
            raise Failure(f"tessera exited with status {self.process.returncode} at start:\n"
                          + self.read_log())
        for application in tree.root.applications():
            try:
                if application.name == "tessera" and application.get_process_id() == self.process.pid:
                    return application
            except Exception:
                continue
        return None

    def find_toplevel(self, role, name):
        """A toplevel window of the app that is on screen. GTK 4.8 sets
        `showing` on a frame only; an AdwWindow (role "filler") has just
        `visible`, and leaves the tree when it is closed."""
        for child in self.node.children:
            if child.roleName == role and child.name == name and \
               (child.showing or (role != "frame" and child.visible)):
                return child
        return None

    def find_dialog(self, name):
        """A dialog shown inside the main window (AdwDialog)."""
        return find_one(self.window, lambda n: n.roleName in ("dialog", "alert") and n.name == name
                        and n.showing)

    def toplevel_count(self):
        return sum(1 for c in self.node.children if c.showing or c.visible)

    def toplevels(self):
        return ", ".join(f"[{c.roleName}] “{c.name}”" for c in self.node.children) or "none"

    def quit(self):
        """Ctrl+Q, as a person would, and a clean exit."""
        # Keys go to the window under the pointer (no window manager):
        # point at the main window first.
        x, y, width, height = self.window.extents
        rawinput.absoluteMotion(x + width // 2, y + 20)
        rawinput.keyCombo("<Control>q")
        try:
            status = self.process.wait(10 * slowness)
        except subprocess.TimeoutExpired:
            raise Failure(f"Ctrl+Q did not quit tessera within {10 * slowness} s")
        if status != 0:
            raise Failure(f"tessera exited with status {status} after Ctrl+Q:\n{self.read_log()}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def descendants(node, predicate):
    return node.findChildren(predicate, showingOnly=False)


def find_one(node, predicate):
    return node.findChild(predicate, retry=False, requireResult=False, showingOnly=False)


def texts_under(node):
    """The words a screen reader finds under node, for failure messages."""
    words = []
    for label in descendants(node, lambda n: n.roleName == "label"):
        if label.name and not label.name.startswith("Gtk"):
            words.append(label.name)
        elif text_of(label):
            words.append(text_of(label))
    return " | ".join(words)


def buttons_under(node):
    """The push buttons a screen reader finds under node, named, with
    their states, for failure messages."""
    found = []
    for button in descendants(node, lambda n: n.roleName in BUTTON_ROLES + ("toggle button",)):
        states = [s for s in ("showing", "visible", "sensitive") if getattr(button, s)]
        found.append(f"“{button.name}” ({', '.join(states) or 'hidden'})")
    return ", ".join(found) or "none"


def find_tile(window, name):
    """The grid item ("table cell") whose tile carries the credential name
    in a label, with that tile (the cell's child named after the
    credential and its state)."""
    for cell in descendants(window, lambda n: n.roleName == "table cell"):
        if find_one(cell, lambda n: n.roleName == "label" and n.name == name):
            tile = find_one(cell, lambda n: n.name.startswith(name + ", "))
            return cell, tile
    return None


def tile_state(cell):
    """The tile's state line: the label after the name saying Verified,
    Expired, Not verified…"""
    for label in descendants(cell, lambda n: n.roleName == "label"):
        for word in ("Verified", "Not verified", "Rejected", "Expired", "Expires",
                     "Couldn’t check", "Token missing", "Checking…"):
            if label.name.startswith(word):
                return label.name
    return None


def text_of(node):
    """The text of an entry. GTK 4.8 answers GetText (0, -1), which
    dogtail's Node.text asks, with an empty string: ask for the length."""
    text = node.queryText()
    return text.getText(0, text.characterCount)


def click_node(node, what):
    """A pointer click at the centre of node. GTK 4.18 only takes an XTest
    click after a pointer motion."""
    if node is None:
        raise Failure(f"nothing named “{what}” to click")
    x, y, width, height = node.extents
    rawinput.absoluteMotion(x + width // 2, y + height // 2)
    rawinput.click(x + width // 2, y + height // 2)


def scroll_into_view(node, container):
    """Scrolls with the wheel over container, as a person would, until node
    is inside it (a dialog taller than the screen)."""
    if node is None:
        return
    cx, cy, cwidth, cheight = container.extents
    for _ in range(20):
        x, y, width, height = node.extents
        if y >= cy and y + height <= cy + cheight:
            return
        rawinput.absoluteMotion(cx + cwidth // 2, cy + cheight // 2)
        rawinput.click(cx + cwidth // 2, cy + cheight // 2, button=5 if y + height > cy + cheight else 4)
        time.sleep(0.2 * slowness)


def row(dialog, title):
    # The dialog's rows reach the accessibility tree a moment after the
    # dialog does (seconds on a loaded machine): wait for them.
    return wait_for(f"an entry row titled “{title}” in the dialog",
                    lambda: find_one(dialog, lambda n: n.roleName == "text" and n.name == title),
                    explain=lambda: f"the dialog shows: {texts_under(dialog)}")


# AT-SPI's name for a push button: "push button" up to at-spi2-core 2.46
# (Debian 12), "button" since (Debian 13).
BUTTON_ROLES = ("push button", "button")


def push_button(parent, name):
    return find_one(parent, lambda n: n.roleName in BUTTON_ROLES and n.name == name)


# ---------------------------------------------------------------- the journey


def add_credential(app, fake):
    step("Add credential (header bar button)")
    add = push_button(app.window, "Add credential")
    if add is None:
        raise Failure("the main window has no button named “Add credential”; it shows: "
                      + texts_under(app.window) + "; buttons: " + buttons_under(app.window))
    add.doActionNamed("click")
    dialog = wait_for("the dialog “Add Credential” to be showing in the main window",
                      lambda: app.find_dialog("Add Credential"),
                      explain=lambda: "toplevels: " + app.toplevels())
    # Part of the main window (AdwDialog), not a window of its own.
    if app.toplevel_count() != 1:
        raise Failure("the dialog opened a second window; toplevels: " + app.toplevels())

    step("fill in the form")
    row(dialog, "Credential name").text = NAME
    row(dialog, "Credential description").text = DESCRIPTION
    row(dialog, "API key").text = fake.values["TESSERA_DEMO_PAT"]
    account = row(dialog, "Account ID")
    wait_for(f"“Account ID” to be filled in from the key with {fake.values['TESSERA_DEMO_ACCOUNT']}",
             lambda: text_of(account) == fake.values["TESSERA_DEMO_ACCOUNT"], timeout=5,
             explain=lambda: f"it holds “{text_of(account)}”")
    # The row sits in the collapsed "Server" expander. GTK 4.8 put the
    # rows of a collapsed expander in the tree; GTK 4.18 only those shown,
    # and its expander header is a "list item" with no action: open it
    # with a click, as a person does.
    if find_one(dialog, lambda n: n.roleName == "text" and n.name == "API base URL") is None:
        server = find_one(dialog, lambda n: n.name == "Server" and n.roleName != "label")
        scroll_into_view(server, dialog)
        click_node(server, "Server")
    base_url = wait_for("the row “API base URL” once “Server” is open",
                        lambda: find_one(dialog, lambda n: n.roleName == "text" and n.name == "API base URL"),
                        timeout=5, explain=lambda: "the dialog shows: " + texts_under(dialog))
    base_url.text = fake.url
    wait_for("“API base URL” to hold the fake Harness URL", lambda: text_of(base_url) == fake.url,
             timeout=5, explain=lambda: f"it holds “{text_of(base_url)}”")

    save = push_button(dialog, "Save")
    if save is None:
        raise Failure("the dialog has no button named “Save”")
    wait_for("Save to become sensitive", lambda: save.sensitive, timeout=5,
             explain=lambda: "the dialog shows: " + texts_under(dialog))

    step("Save")
    save.doActionNamed("click")
    wait_for("the dialog to close after Save (verified against the fake Harness)",
             lambda: app.find_dialog("Add Credential") is None, timeout=20,
             explain=lambda: "the dialog shows: " + texts_under(dialog)
             + "\nfake Harness log:\n" + fake.read_log() + "\n" + app.explain_start())


def see_verified_tile(app):
    found = wait_for(f"a tile named “{NAME}” in the grid",
                     lambda: find_tile(app.window, NAME), timeout=10,
                     explain=lambda: "the window shows: " + texts_under(app.window))
    cell = found[0]
    state = wait_for(f"the tile “{NAME}” to say Verified",
                     lambda: (tile_state(cell) or "").startswith("Verified") and tile_state(cell),
                     timeout=15,
                     explain=lambda: f"its state line says “{tile_state(cell)}”; "
                     f"the tile shows: {texts_under(cell)}")
    step(f"the tile says “{state}”")
    return found


def is_selected(tile):
    return tile is not None and tile.description == "Selected"


def see_selected_tile(app):
    """The first credential saved is the one scripts use: its tile says
    so to a screen reader without anyone clicking it."""
    cell, tile = find_tile(app.window, NAME)
    if tile is None:
        raise Failure(f"the tile “{NAME}” has no accessible name naming the credential and its state")
    wait_for(f"the first saved tile “{NAME}” to be selected (accessible description “Selected”)",
             lambda: is_selected(find_tile(app.window, NAME)[1]), timeout=10,
             explain=lambda: f"its description is “{find_tile(app.window, NAME)[1].description}”")


SECOND = "Second account"
EXPIRED = "Old laptop"


def tessera_cli(tessera, env, *args, key=None, check=True):
    result = subprocess.run([tessera, *args], env=env, input=(key + "\n") if key else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=30 * slowness)
    if check and result.returncode != 0:
        raise Failure(f"`tessera {' '.join(args)}` exited {result.returncode}: {result.stderr.strip()}")
    return result


def token_now(tessera, env):
    return tessera_cli(tessera, env, "token").stdout.strip()


def change_selection(app, tessera, env, fake):
    """A click on another tile hands scripts that credential, says so in a
    toast naming it, and the toast's Undo hands them the first one back:
    `tessera token` shows each step."""
    step(f"tessera add “{SECOND}” (the window follows)")
    tessera_cli(tessera, env, "add", SECOND, "--base-url", fake.url, key=fake.values["TESSERA_DEMO_SAT"])
    cell = wait_for(f"the tile “{SECOND}” to appear in the window", lambda: find_tile(app.window, SECOND),
                    timeout=10, explain=lambda: "the window shows: " + texts_under(app.window))[0]
    if token_now(tessera, env) != fake.values["TESSERA_DEMO_PAT"]:
        raise Failure("adding a second credential changed what scripts get")

    step(f"click the tile “{SECOND}”")
    click_node(cell, SECOND)
    title = f"Scripts now use “{SECOND}”"
    wait_for(f"a toast “{title}”",
             lambda: find_one(app.window, lambda n: n.roleName == "label" and n.name == title),
             timeout=5, explain=lambda: "the window shows: " + texts_under(app.window))
    wait_for("`tessera token` to give the second key",
             lambda: token_now(tessera, env) == fake.values["TESSERA_DEMO_SAT"], timeout=5)

    step("Undo in the toast")
    undo = wait_for("the toast's Undo button", lambda: push_button(app.window, "Undo"), timeout=5,
                    explain=lambda: "buttons: " + buttons_under(app.window))
    undo.doActionNamed("click")
    wait_for("`tessera token` to give the first key again",
             lambda: token_now(tessera, env) == fake.values["TESSERA_DEMO_PAT"], timeout=5)
    wait_for(f"the tile “{NAME}” to be selected again",
             lambda: is_selected(find_tile(app.window, NAME)[1]), timeout=5)


def see_replace_key(app, tessera, env, fake):
    """An expired credential's tile offers its fix without a menu."""
    step(f"tessera add “{EXPIRED}” with an expired key, and verify it")
    tessera_cli(tessera, env, "add", EXPIRED, "--base-url", fake.url, "--no-verify",
                key=fake.values["TESSERA_DEMO_PAT_EXPIRED"])
    tessera_cli(tessera, env, "verify", EXPIRED, check=False)
    wait_for(f"the tile “{EXPIRED}” to say Expired and offer “Replace Key…”",
             lambda: find_tile(app.window, EXPIRED) and
             tile_state(find_tile(app.window, EXPIRED)[0]) == "Expired" and
             push_button(find_tile(app.window, EXPIRED)[0], "Replace Key…"),
             timeout=10, explain=lambda: "the window shows: " + texts_under(app.window))
    step("the expired tile says Expired and shows “Replace Key…”")


def journey(tmp):
    step("meson install into a temporary DESTDIR")
    tessera, datadir, schemas, moduledir = install(tmp)
    env = make_profile(tmp, datadir, schemas, moduledir)

    # dogtail reads toolkit-accessibility in this process when imported.
    os.environ.update({k: env[k] for k in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                           "XDG_CACHE_HOME", "GSETTINGS_BACKEND")})
    os.environ.pop("GSETTINGS_SCHEMA_DIR", None)
    result = run(["gsettings", "set", "org.gnome.desktop.interface", "toolkit-accessibility", "true"],
                 env=os.environ)
    if result.returncode != 0:
        skip("cannot turn on toolkit-accessibility (gsettings-desktop-schemas missing?): "
             + result.stdout)

    app_log = os.path.join(tmp, "tessera.log")
    a11y_bus = fake = app = None
    try:
        a11y_bus = AccessibilityBus(tmp)
        os.environ["AT_SPI_BUS_ADDRESS"] = env["AT_SPI_BUS_ADDRESS"] = a11y_bus.address

        global tree, rawinput, config
        from dogtail.config import config
        config.logDebugToFile = False
        config.logDebugToStdOut = False
        config.actionDelay = 0.2
        config.defaultDelay = 0.2
        config.typingDelay = 0.05
        config.searchCutoffCount = 1
        from dogtail import rawinput, tree

        fake = FakeHarness(tmp)
        step(f"fake Harness at {fake.url}; start the installed {os.path.relpath(tessera, tmp)}")
        app = App(tessera, env, app_log)
        step("the main window is showing")

        add_credential(app, fake)
        see_verified_tile(app)
        see_selected_tile(app)

        step("Ctrl+Q")
        app.quit()

        step("start again")
        app = App(tessera, env, app_log)
        cell, tile = see_verified_tile(app)
        if not is_selected(tile):
            raise Failure(f"after a restart the tile “{NAME}” is no longer selected "
                          f"(description “{tile.description if tile else None}”)")
        step("the tile is still there and still selected")

        step("tessera token")
        result = subprocess.run([tessera, "token"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, timeout=30 * slowness)
        if result.returncode != 0 or result.stdout != fake.values["TESSERA_DEMO_PAT"] + "\n":
            raise Failure(f"`tessera token` exited {result.returncode} and did not print the key "
                          f"saved in the dialog; stderr: {result.stderr.strip()}")

        change_selection(app, tessera, env, fake)
        see_replace_key(app, tessera, env, fake)

        step("Ctrl+Q")
        app.quit()
        app = None
    except Failure:
        shot = os.path.join(BUILDDIR, "meson-logs", "journey-failure.png")
        if run(["import", "-window", "root", shot]).returncode == 0:
            print(f"The screen at the failure: {shot}")
        raise
    finally:
        for process in (app, fake, a11y_bus):
            if process is not None:
                process.stop()

    # The keyring belongs to the session, which other tests share.
    step("tessera remove")
    for name in (NAME, SECOND, EXPIRED):
        result = subprocess.run([tessera, "remove", name], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, timeout=30 * slowness)
        if result.returncode != 0:
            raise Failure(f"`tessera remove {name}` exited {result.returncode}: {result.stdout.strip()}")

    step("the key is in no file of the profile and in no log")
    key = fake.values["TESSERA_DEMO_PAT"]
    secret_part = key.rsplit(".", 1)[-1]
    for directory, _, files in os.walk(env["HOME"]):
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                if secret_part.encode() in f.read():
                    raise Failure(f"the key was written to {path}")
    with open(app_log, encoding="utf-8", errors="replace") as f:
        if secret_part in f.read():
            raise Failure("the key appears in tessera's output")


def main():
    tmp = tempfile.mkdtemp(prefix="tessera-journey.")
    try:
        check_session()
        journey(tmp)
    except Failure as failure:
        print(f"FAIL: {failure}")
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    step("journey complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
