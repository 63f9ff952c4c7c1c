#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-search-provider.py TESSERA SCHEMA_DIR: GNOME Shell's search (issue 19)

On a D-Bus session bus of its own, whose service directory holds
Tessera's D-Bus service file (Exec=TESSERA --gapplication-service), with
gnome-keyring on it, GSettings' keyfile backend and an AT-SPI bus of its
own, under build-aux/session's Xvfb:

  1. `tessera add` stores "Deploy bot" (a PAT), "Staging" (a SAT) and
     twenty others, before it;
  2. `gdbus call … GetInitialResultSet "['deploy']"` starts Tessera through
     D-Bus activation, with no window, and finds "Deploy bot" and not the
     others, in any case; GetSubsearchResultSet narrows an earlier result;
  3. GetResultMetas gives the names, the kind and status in words and the
     app's icon, and no key: no `pat.`/`sat.`, no token ID, no secret part;
  4. left alone, the service quits by itself (with expiry reminders off:
     with them on it stays for them, see test-reminders.py);
  5. ActivateResult starts it again and shows the window on the tile of
     "Deploy bot", scrolled to and focused (read through AT-SPI);
     LaunchSearch shows the window searching for the terms; Quit ends it.

Output is TAP. Needs dbus-daemon, gnome-keyring-daemon, gdbus, a display
and python3-dogtail: a skip without them.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

from tessera_testlib import Failure, Skip, check, check_equal, is_debug_line

TESSERA, SCHEMA_DIR = (os.path.abspath(p) for p in sys.argv[1:3])

APP_ID = "io.github.tessera.Tessera"
PROVIDER_PATH = "/io/github/tessera/Tessera/SearchProvider"
PROVIDER = "org.gnome.Shell.SearchProvider2"
ACCOUNT = "TesseraSearchAcct00001"
ACCESSIBILITY_CONF = "/usr/share/defaults/at-spi2/accessibility.conf"
KEYRING_PASSWORD = "search-provider-test"
FILLERS = 20
# The service holds itself 20 s after the Shell's last call.
QUIET_EXIT_SECONDS = 45


def make_key(kind):
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return (f"{kind}.{ACCOUNT}.{secrets.token_hex(12)}."
            + "".join(secrets.choice(alnum) for _ in range(20)))


def wait_for(condition, seconds, what):
    give_up = time.monotonic() + seconds
    while True:
        try:
            result = condition()
        except Exception:  # an AT-SPI node that went away while we looked
            result = None
        if result:
            return result
        check(time.monotonic() < give_up, f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.2)


class Session:
    """A home, a session bus that can start Tessera, gnome-keyring on it,
    an accessibility bus."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tessera-search-provider.")
        self.home = os.path.join(self.dir, "home")
        for sub in (".config", ".local/share/keyrings", ".cache", "runtime"):
            os.makedirs(os.path.join(self.home, sub), exist_ok=True)
        os.chmod(os.path.join(self.home, "runtime"), 0o700)
        # The service file, where the bus looks: $XDG_DATA_DIRS/dbus-1/services.
        share = os.path.join(self.dir, "share")
        services = os.path.join(share, "dbus-1", "services")
        os.makedirs(services)
        with open(os.path.join(services, APP_ID + ".service"), "w") as f:
            f.write(f"[D-BUS Service]\nName={APP_ID}\nExec={TESSERA} --gapplication-service\n")
        self.processes = []
        self.bus_log = os.path.join(self.dir, "bus.log")

        env = {k: v for k, v in os.environ.items()
               if k not in ("SECRET_BACKEND", "SECRET_FILE_TEST_PATH", "SECRET_FILE_TEST_PASSWORD",
                            "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE", "GTK_A11Y",
                            "G_TEST_SRCDIR", "G_TEST_BUILDDIR")}
        env.update({
            "HOME": self.home,
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "XDG_DATA_HOME": os.path.join(self.home, ".local/share"),
            "XDG_CACHE_HOME": os.path.join(self.home, ".cache"),
            "XDG_RUNTIME_DIR": os.path.join(self.home, "runtime"),
            "XDG_DATA_DIRS": share + ":" + os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share"),
            "GSETTINGS_BACKEND": "keyfile",
            "GSETTINGS_SCHEMA_DIR": SCHEMA_DIR,
            "SECRET_BACKEND": "service",
            "G_MESSAGES_DEBUG": "",
            "GIO_USE_PROXY_RESOLVER": "dummy",
            "LANG": "C.UTF-8",
            "LANGUAGE": "C",
            "LC_ALL": "C.UTF-8",
            # Windows on the session's Xvfb, no settings portal (this bus is
            # no desktop: see tests/test-faults-cli.py's use_window()).
            "GDK_BACKEND": "x11",
            "GSK_RENDERER": "cairo",
            "GDK_DEBUG": "no-portals",
            "ADW_DISABLE_PORTAL": "1",
        })
        if "ASAN_OPTIONS" in env:
            env["ASAN_OPTIONS"] += ":detect_leaks=0"

        # The accessibility bus first: the session bus hands its address
        # to what it starts (Tessera), and dogtail here reads it too.
        self.a11y_address = "unix:path=" + os.path.join(self.dir, "at-spi-bus")
        env["AT_SPI_BUS_ADDRESS"] = self.a11y_address
        a11y = subprocess.Popen(["dbus-daemon", f"--config-file={ACCESSIBILITY_CONF}", "--nofork",
                                 f"--address={self.a11y_address}", "--print-address=1"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.processes.append(a11y)
        check(a11y.stdout.readline(), "the accessibility bus started")

        # Services the bus starts inherit its environment: Tessera gets
        # this home, the keyfile settings and the display.
        with open(self.bus_log, "w") as log:
            bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                   stdout=subprocess.PIPE, stderr=log, text=True, env=env)
        self.processes.append(bus)
        self.address = bus.stdout.readline().strip()
        check(self.address, "dbus-daemon printed its address")
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        self.env = env

        keyring = subprocess.Popen(["gnome-keyring-daemon", "--unlock", "--components=secrets", "--foreground"],
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env=env)
        self.processes.append(keyring)
        keyring.stdin.write(KEYRING_PASSWORD.encode())
        keyring.stdin.close()
        wait_for(lambda: self.has_owner("org.freedesktop.secrets"), 20, "gnome-keyring on the bus")

    def has_owner(self, name):
        r = subprocess.run(["gdbus", "call", "--address", self.address, "-d", "org.freedesktop.DBus",
                            "-o", "/org/freedesktop/DBus", "-m", "org.freedesktop.DBus.NameHasOwner", name],
                           capture_output=True, text=True, env=self.env)
        return r.returncode == 0 and "true" in r.stdout

    def app_pid(self):
        r = subprocess.run(["gdbus", "call", "--address", self.address, "-d", "org.freedesktop.DBus",
                            "-o", "/org/freedesktop/DBus", "-m",
                            "org.freedesktop.DBus.GetConnectionUnixProcessID", APP_ID],
                           capture_output=True, text=True, env=self.env)
        m = re.search(r"\(uint32 (\d+),\)", r.stdout)
        return int(m.group(1)) if m else None

    def tessera(self, *args, stdin=""):
        r = subprocess.run([TESSERA, *args], input=stdin, capture_output=True, text=True,
                           env=self.env, timeout=60)
        if r.returncode != 0:
            raise Failure(f"tessera {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
        return r.stdout

    def call(self, method, *args):
        """`gdbus call` as in the issue; returns its output, a GVariant's text."""
        r = subprocess.run(["gdbus", "call", "--address", self.address, "--dest", APP_ID,
                            "--object-path", PROVIDER_PATH, "--method", f"{PROVIDER}.{method}", *args],
                           capture_output=True, text=True, env=self.env, timeout=60)
        if r.returncode != 0:
            raise Failure(f"{method} {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
        return r.stdout.strip()

    def quit_app(self):
        subprocess.run(["gdbus", "call", "--address", self.address, "--dest", APP_ID,
                        "--object-path", "/io/github/tessera/Tessera", "--method",
                        "org.gtk.Actions.Activate", "quit", "[]", "{}"],
                       capture_output=True, timeout=10, env=self.env)

    def app_messages(self):
        """Tessera's warnings and criticals (its stderr goes to the bus's)."""
        with open(self.bus_log, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
        return [line for line in lines
                if ("WARNING" in line or "CRITICAL" in line) and "tessera" in line.lower()
                and not is_debug_line(line)]

    def stop(self):
        if self.has_owner(APP_ID):
            pid = self.app_pid()
            self.quit_app()
            if pid:
                give_up = time.monotonic() + 10
                while time.monotonic() < give_up and os.path.exists(f"/proc/{pid}"):
                    time.sleep(0.1)
                if os.path.exists(f"/proc/{pid}"):
                    os.kill(pid, 9)
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def ids_of(output):
    """(['a', 'b'],) → ['a', 'b']"""
    m = re.fullmatch(r"\((?:@as )?\[(.*)\],\)", output)
    check(m, f"an array of ids: {output!r}")
    return re.findall(r"'([^']*)'", m.group(1))


def strv(items):
    return "[" + ", ".join(f"'{i}'" for i in items) + "]"


def metas_of(output):
    from gi.repository import GLib
    return GLib.Variant.parse(None, output, None, None).unpack()[0]


class Points:
    """Each check a TAP test point; a failed one does not stop the rest
    unless what follows needs it."""

    def __init__(self):
        self.points = []

    def __call__(self, name, fn):
        try:
            fn()
            self.points.append((name, True, ""))
            return True
        except Skip as e:
            self.points.append((name + f" # SKIP {e}", True, ""))
        except Failure as e:
            self.points.append((name, False, str(e)))
        except Exception:
            self.points.append((name, False, traceback.format_exc()))
        return False

    def report(self):
        print(f"1..{len(self.points)}")
        failed = 0
        for i, (name, ok, detail) in enumerate(self.points, 1):
            print(f"{'ok' if ok else 'not ok'} {i} - {name}")
            if not ok:
                failed += 1
                for line in detail.splitlines():
                    print(f"# {line}")
        return 1 if failed else 0


def main():
    for program in ("dbus-daemon", "gnome-keyring-daemon", "gdbus"):
        if not shutil.which(program):
            print(f"1..0 # SKIP needs {program}")
            return 0
    if not os.environ.get("DISPLAY"):
        print("1..0 # SKIP no display (run under build-aux/session)")
        return 0
    if not os.path.exists(ACCESSIBILITY_CONF):
        print(f"1..0 # SKIP {ACCESSIBILITY_CONF} is missing (Debian at-spi2-core)")
        return 0

    point = Points()
    s = Session()
    keys = {"Deploy bot": make_key("pat"), "Staging": make_key("sat")}
    ids = {}
    try:
        def store():
            for n in range(FILLERS):
                s.tessera("add", f"Filler {n:02d}", "--no-verify", stdin=make_key("pat") + "\n")
            for name, key in keys.items():
                s.tessera("add", name, "--no-verify", stdin=key + "\n")
            # With expiry reminders on (the default) the service started
            # for the Shell's search stays for them (test-reminders): here
            # they are off, so that it is the search alone that holds it.
            r = subprocess.run(["gsettings", "set", APP_ID, "expiry-reminders", "false"],
                               capture_output=True, text=True, env=s.env)
            check_equal(r.returncode, 0, f"gsettings set expiry-reminders false: {r.stderr.strip()}")
            check(not s.has_owner(APP_ID), "nothing runs Tessera yet")
        if not point("store Deploy bot, Staging and 20 others with tessera add", store):
            return point.report()

        # Each id from `tessera list --json`, to compare with what the Shell gets.
        import json
        for credential in json.loads(s.tessera("list", "--json")):
            ids[credential["name"]] = credential["id"]

        def initial():
            found = ids_of(s.call("GetInitialResultSet", "['deploy']"))
            check_equal(found, [ids["Deploy bot"]], "GetInitialResultSet ['deploy']")
            check(s.has_owner(APP_ID), "the call started Tessera through D-Bus activation")
            check_equal(ids_of(s.call("GetInitialResultSet", "['DEPLOY', 'Bot']")), [ids["Deploy bot"]],
                        "GetInitialResultSet ['DEPLOY', 'Bot']")
            check_equal(ids_of(s.call("GetInitialResultSet", "['stag']")), [ids["Staging"]],
                        "GetInitialResultSet ['stag']")
            check_equal(ids_of(s.call("GetInitialResultSet", "['nothing']")), [], "GetInitialResultSet ['nothing']")
            # Nor does any part of a key find anything.
            for part in keys["Deploy bot"].split(".")[2:]:
                check_equal(ids_of(s.call("GetInitialResultSet", strv([part]))), [],
                            "GetInitialResultSet [a part of the key]")
        point("GetInitialResultSet ['deploy'] starts Tessera and finds Deploy bot only", initial)

        def no_window():
            pid = s.app_pid()
            check(pid, "the app's process")
            r = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
                               capture_output=True, text=True, env=s.env)
            check_equal(r.stdout.split(), [], "windows of the activated service")
        if shutil.which("xdotool"):
            point("the search provider runs with no window", no_window)

        def subsearch():
            both = strv([ids["Deploy bot"], ids["Staging"]])
            check_equal(ids_of(s.call("GetSubsearchResultSet", both, "['deploy', 'bo']")), [ids["Deploy bot"]],
                        "GetSubsearchResultSet narrows to Deploy bot")
            check_equal(ids_of(s.call("GetSubsearchResultSet", both, "['sta']")), [ids["Staging"]],
                        "GetSubsearchResultSet narrows to Staging")
            check_equal(ids_of(s.call("GetSubsearchResultSet", strv([ids["Deploy bot"]]), "['staging']")), [],
                        "GetSubsearchResultSet never adds what the earlier search did not find")
        point("GetSubsearchResultSet narrows an earlier result", subsearch)

        def metas():
            out = s.call("GetResultMetas", strv([ids["Deploy bot"], ids["Staging"], "no-such-id"]))
            for name, key in keys.items():
                for part in key.split(".")[2:]:
                    check(part not in out, f"no part of {name}'s key in GetResultMetas: {out!r}")
            check(not re.search(r"\b[ps]at\.", out), f"no pat. or sat. in GetResultMetas: {out!r}")
            found = metas_of(out)
            check_equal([sorted(m) for m in found], [["description", "icon", "id", "name"]] * 2,
                        "what each result carries (an unknown id is left out)")
            check_equal([(m["id"], m["name"], m["description"]) for m in found],
                        [(ids["Deploy bot"], "Deploy bot", "Personal access token · Not verified"),
                         (ids["Staging"], "Staging", "Service account token · Not verified")],
                        "id, name and description (kind · status)")
            check_equal(found[0]["icon"][0], "themed", "a themed icon")
            check(APP_ID in found[0]["icon"][1], f"the app's icon: {found[0]['icon']!r}")
        point("GetResultMetas: name, kind and status, icon; no key", metas)

        last_call = time.monotonic()

        def quits_when_quiet():
            # Held after the Shell's last call: GApplication alone would
            # end a service 10 s after it started, the next keystroke's
            # search starting it again.
            pid = s.app_pid()
            time.sleep(max(0, last_call + 12 - time.monotonic()))
            check_equal(s.app_pid(), pid, "the service 12 s after the last call")
            wait_for(lambda: not s.has_owner(APP_ID), QUIET_EXIT_SECONDS, "the quiet service to quit")
            wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 10, "its process to end")
            check_equal(s.app_messages(), [], "warnings and criticals of the service")
        point("left alone, the service quits by itself", quits_when_quiet)

        def activate():
            # dogtail reads toolkit-accessibility in this process when imported.
            os.environ.update({k: s.env[k] for k in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                                                     "XDG_DATA_DIRS", "GSETTINGS_BACKEND",
                                                     "DBUS_SESSION_BUS_ADDRESS")})
            os.environ["AT_SPI_BUS_ADDRESS"] = s.a11y_address
            r = subprocess.run(["gsettings", "set", "org.gnome.desktop.interface", "toolkit-accessibility", "true"],
                               capture_output=True, text=True, env=os.environ)
            if r.returncode != 0:
                raise Skip(f"cannot turn on toolkit-accessibility: {r.stderr.strip()}")
            try:
                from dogtail.config import config
                config.logDebugToFile = False
                config.logDebugToStdOut = False
                config.searchCutoffCount = 1
                from dogtail import rawinput, tree
            except Exception as e:  # not installed, or no GSettings for it
                raise Skip(f"dogtail: {e}")

            s.call("ActivateResult", ids["Deploy bot"], "['deploy']", "0")
            pid = wait_for(s.app_pid, 30, "ActivateResult to start Tessera again")

            def app_node():
                for application in tree.root.applications():
                    if application.name == "tessera" and application.get_process_id() == pid:
                        return application
                return None

            node = wait_for(app_node, 30, "tessera on the accessibility bus")
            window = wait_for(lambda: next((c for c in node.children if c.roleName == "frame" and c.showing),
                                           None), 30, "the window")

            def cell_of(name):
                for cell in window.findChildren(lambda n: n.roleName == "table cell", showingOnly=False):
                    if cell.findChild(lambda n: n.roleName == "label" and n.name == name,
                                      retry=False, requireResult=False, showingOnly=False):
                        return cell
                return None

            # The window is active when the pointer is over it (no window
            # manager): only then does GTK call a widget focused.
            x, y, width, height = window.extents
            rawinput.absoluteMotion(x + width // 2, y + 10)

            def on_tile():
                cell = cell_of("Deploy bot")
                if cell is None:
                    return None
                focused = cell.focused or cell.findChild(lambda n: n.focused, retry=False,
                                                          requireResult=False, showingOnly=False)
                cx, cy, cwidth, cheight = cell.extents
                inside = y <= cy and cy + cheight <= y + height
                return cell if focused and inside else None

            def seen():
                return " | ".join(sorted({label.name for label in window.findChildren(
                    lambda n: n.roleName == "label" and n.name.startswith(("Filler", "Deploy", "Staging")),
                    showingOnly=False)}))

            try:
                wait_for(on_tile, 20, "the tile of Deploy bot, scrolled into view and focused")
            except Failure as e:
                raise Failure(f"{e}; the window shows: {seen()}")
            check(cell_of("Filler 00") is None, "the first tiles scrolled away (the window was scrolled)")

            s.call("LaunchSearch", "['staging']", "0")
            try:
                wait_for(lambda: cell_of("Staging") and not cell_of("Deploy bot") and not cell_of("Filler 19"),
                         20, "the window searching for “staging”")
            except Failure as e:
                raise Failure(f"{e}; the window shows: {seen()}")
            entry = window.findChild(lambda n: n.roleName in ("entry", "text") and n.showing
                                     and "staging" in (n.text or ""), retry=False, requireResult=False,
                                     showingOnly=False)
            check(entry is not None, "the search entry holds “staging”")

            s.quit_app()
            wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 15, "Quit to end Tessera")
            check_equal(s.app_messages(), [], "warnings and criticals of the app")
        point("ActivateResult shows the window on Deploy bot's tile; LaunchSearch searches", activate)
    finally:
        s.stop()
    return point.report()


if __name__ == "__main__":
    sys.exit(main())
