#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-reminders.py: the background service's reminders before keys expire

    test-reminders.py TESSERA FAKE_HARNESS SCHEMA_DIR --secrets=file FAKE_NOTIFICATIONS

Each case runs the built `tessera --gapplication-service` as the autostart
entry does, on a D-Bus session bus of its own where tests/fake-notifications
owns org.gtk.Notifications (GNOME Shell's interface, which GNotification
uses when it has an owner), with a display (build-aux/session's Xvfb),
GSettings' keyfile backend and the fake Harness (cli_harness.py). Output
is TAP.
"""

import datetime
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

from cli_harness import Case, LifecycleHarness, TESSERA, check, check_equal
from tessera_testlib import Failure, run_tap_case, tail

FAKE_NOTIFICATIONS = os.path.abspath(sys.argv[5])
APP_ID = "io.github.tessera.Tessera"
APP_PATH = "/io/github/tessera/Tessera"


class Session:
    """A private session bus with the fake notification server on it."""

    def __init__(self, c, activatable=False):
        env = dict(c.env, DISPLAY=os.environ["DISPLAY"], GDK_BACKEND="x11", GSK_RENDERER="cairo",
                   NO_AT_BRIDGE="1", GTK_A11Y="none", GDK_DEBUG="no-portals", ADW_DISABLE_PORTAL="1",
                   G_MESSAGES_DEBUG="")
        if activatable:
            # What data/io.github.tessera.Tessera.service.in installs, for the
            # built program; the bus starts it with its own environment.
            services = os.path.join(c.home, ".local/share/dbus-1/services")
            os.makedirs(services, exist_ok=True)
            with open(os.path.join(services, f"{APP_ID}.service"), "w") as f:
                f.write(f"[D-BUS Service]\nName={APP_ID}\nExec={TESSERA} --gapplication-service\n")
        self.daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                       env=dict(env, DBUS_SESSION_BUS_ADDRESS=""))
        self.address = self.daemon.stdout.readline().strip()
        check(self.address, "dbus-daemon printed its address")
        self.env = dict(env, DBUS_SESSION_BUS_ADDRESS=self.address)
        self.server = subprocess.Popen([FAKE_NOTIFICATIONS], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True, env=self.env)
        check_equal(self.read_line(10), "ready", "the notification server")
        self.services = []

    def read_line(self, seconds):
        """The server's next line, or None after @seconds."""
        ready, _, _ = select.select([self.server.stdout], [], [], seconds)
        if not ready:
            return None
        return self.server.stdout.readline().rstrip("\n")

    def notifications(self, seconds):
        """Every line the server prints within @seconds."""
        lines = []
        give_up = time.monotonic() + seconds
        while (left := give_up - time.monotonic()) > 0:
            line = self.read_line(left)
            if line is None:
                break
            lines.append(line)
        return lines

    def start_service(self, env=None):
        # A file, not a pipe: what the service starts may hold a pipe open.
        log = tempfile.TemporaryFile(mode="w+")
        service = subprocess.Popen([TESSERA, "--gapplication-service"], stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=log, env=dict(self.env, **(env or {})))
        service.log = log
        self.services.append(service)
        give_up = time.monotonic() + 30
        while not self.has_owner(APP_ID):
            check(service.poll() is None, f"the service ended ({service.returncode}): {tail(output(service))}")
            check(time.monotonic() < give_up, "the service did not take the app's name")
            time.sleep(0.05)
        return service

    def has_owner(self, name):
        r = subprocess.run(["gdbus", "call", "--address", self.address, "-d", "org.freedesktop.DBus",
                            "-o", "/org/freedesktop/DBus", "-m", "org.freedesktop.DBus.NameHasOwner", name],
                           capture_output=True, text=True)
        return r.returncode == 0 and "true" in r.stdout

    def service_pid(self):
        """The pid of the `tessera` on this bus (the bus started it). (What
        the bus says of its peers' pids is off in build-aux/shell's pid
        namespace.)"""
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                with open(f"/proc/{entry}/environ", "rb") as f:
                    environ = f.read().split(b"\0")
            except (OSError, ValueError):
                continue
            if argv[0] == TESSERA.encode() and \
                    f"DBUS_SESSION_BUS_ADDRESS={self.address}".encode() in environ:
                return int(entry)
        raise Failure("no tessera process on the case's bus")

    def activate_action(self, name, target):
        """What GNOME Shell does when a notification's button is pressed."""
        args = f"[<'{target}'>]" if target is not None else "[]"
        r = subprocess.run(["gdbus", "call", "--address", self.address, "--dest", APP_ID,
                            "--object-path", APP_PATH, "--method", "org.gtk.Actions.Activate",
                            name, args, "{}"], capture_output=True, text=True, timeout=20)
        check_equal(r.returncode, 0, f"activating app.{name}: {r.stderr}")

    def quit(self, service):
        self.activate_action("quit", None)
        check_equal(service.wait(timeout=20), 0, "exit status of the service after Quit")
        stderr = output(service)
        check(not re.search(r"CRITICAL|WARNING", stderr), f"the service warned: {tail(stderr)}")

    def stop(self):
        for process in [*self.services, self.server, self.daemon]:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def output(service):
    service.log.seek(0)
    return service.log.read()


def visible_windows(env, pid):
    r = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
                       capture_output=True, text=True, env=env)
    return r.stdout.split()


def wait_for(condition, seconds, what):
    give_up = time.monotonic() + seconds
    while not condition():
        check(time.monotonic() < give_up, f"timed out waiting for {what}")
        time.sleep(0.1)


def add_two(c, fake):
    """"Deploy bot" expires in 3 days, "Laptop" in 90: their ids."""
    c.add("Deploy bot", c.secret(fake.key(variant=2)), "--base-url", fake.base_url)
    c.add("Laptop", c.secret(fake.key()), "--base-url", fake.base_url)
    ids = {credential["name"]: credential["id"] for credential in c.credentials()}
    return ids["Deploy bot"], ids["Laptop"]


def parse(line):
    """An "add" line of fake-notifications: its parts."""
    head, body, default, buttons = line.split("\t")
    verb, app_id, notification_id, title = head.split(" ", 3)
    return {"verb": verb, "app": app_id, "id": notification_id, "title": title, "body": body,
            "default": default, "buttons": buttons.split(";") if buttons else []}


def gsettings(c, *args):
    r = subprocess.run(["gsettings", *args], capture_output=True, text=True, check=True,
                       env=dict(c.env, G_MESSAGES_DEBUG=""))
    return r.stdout.strip()


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def reminds_once_a_day(c):
    """One notification for the credential that expires in 3 days, naming
    it; none for the one in 90 days; none the second time that day; no
    request to Harness; "Open" shows the window in the service's process."""
    with LifecycleHarness() as fake:
        deploy, laptop = add_two(c, fake)
        # Every credential counts as stale: only "background-reverify" off
        # keeps the service from asking Harness.
        gsettings(c, "set", APP_ID, "reverify-after", "0")
        requests_before = len(fake.requests())
        session = Session(c)
        try:
            service = session.start_service()
            lines = session.notifications(8)
            check_equal(len(lines), 1, f"notifications sent ({lines})")
            n = parse(lines[0])
            check_equal((n["verb"], n["app"], n["id"]), ("add", APP_ID, f"expiry-{deploy}"),
                        "the notification")
            check_equal(n["body"], "“Deploy bot” expires in 3 days.", "its body")
            check_equal(n["title"], "A Harness key expires soon", "its title")
            check_equal(n["default"], f"app.open-credential '{deploy}'", "its default action")
            check_equal(n["buttons"], [f"Renew…=app.renew-credential('{deploy}')",
                                       f"Open=app.open-credential('{deploy}')"], "its buttons")
            today = datetime.date.today().isoformat()
            check_equal(gsettings(c, "get", APP_ID, "reminded"), f"{{'{deploy}': '{today}'}}", "what “reminded” keeps")

            # A service opens no window, and stays (it holds itself).
            check(service.poll() is None, "the service keeps running")
            check_equal(visible_windows(session.env, service.pid), [], "windows of the service")

            # The second time that day: restarted, nothing.
            session.quit(service)
            service = session.start_service()
            lines = session.notifications(4)
            check_equal(lines, [], "notifications the second time that day")
            # (Before a window opens: the window checks stale credentials.)
            check_equal(len(fake.requests()), requests_before,
                        f"requests to Harness from the service ({fake.requests()[requests_before:]})")

            # "Open": the window, in the service's own process.
            session.activate_action("open-credential", deploy)
            wait_for(lambda: visible_windows(session.env, service.pid), 30, "the window after Open")

            # A later `tessera` goes to the same process.
            r = subprocess.run([TESSERA], stdin=subprocess.DEVNULL, capture_output=True,
                               env=session.env, timeout=30)
            check_equal(r.returncode, 0, "exit status of `tessera` beside the service")
            check_equal(len(visible_windows(session.env, service.pid)), 1, "windows of the service")

            session.quit(service)
        finally:
            session.stop()


@case
def withdrawn_when_renewed(c):
    """Renewed from the command line while it shows, the reminder goes."""
    with LifecycleHarness() as fake:
        deploy, _ = add_two(c, fake)
        session = Session(c)
        try:
            service = session.start_service()
            lines = session.notifications(8)
            check_equal([parse(line)["id"] for line in lines], [f"expiry-{deploy}"], "notifications sent")
            c.run("renew", "Deploy bot", "--expires-in", "30d", code=0)
            lines = session.notifications(8)
            check_equal(lines, [f"remove {APP_ID} expiry-{deploy}"], "what the service did after the renewal")
            session.quit(service)
        finally:
            session.stop()


@case
def activated_on_dbus(c):
    """A notification's "Open" after the service has gone (it stays in the
    shell): the bus starts `tessera --gapplication-service`, which opens the
    window, and reminds once (the day's reminder was already sent)."""
    with LifecycleHarness() as fake:
        deploy, _ = add_two(c, fake)
        session = Session(c, activatable=True)
        try:
            check(not session.has_owner(APP_ID), "nothing owns the app's name yet")
            session.activate_action("open-credential", deploy)
            check(session.has_owner(APP_ID), "the bus started the service")
            pid = session.service_pid()
            wait_for(lambda: visible_windows(session.env, pid), 30, "the window after Open")
            lines = session.notifications(4)
            check_equal([parse(line)["id"] for line in lines], [f"expiry-{deploy}"], "notifications sent")
            session.activate_action("quit", None)
            wait_for(lambda: not session.has_owner(APP_ID), 20, "the service to quit")
        finally:
            session.stop()


@case
def background_reverify(c):
    """With "background-reverify" on, the service asks Harness first."""
    with LifecycleHarness() as fake:
        add_two(c, fake)
        c.run("verify", "--all", code=0)
        gsettings(c, "set", APP_ID, "background-reverify", "true")
        gsettings(c, "set", APP_ID, "reverify-after", "0")
        requests_before = len(fake.requests())
        session = Session(c)
        try:
            service = session.start_service()
            lines = session.notifications(8)
            check_equal(len(lines), 1, f"notifications sent ({lines})")
            check(len(fake.requests()) > requests_before, "the service verified with Harness first")
            session.quit(service)
        finally:
            session.stop()


@case
def turned_off(c):
    """With "expiry-reminders" off, the service sends nothing and goes."""
    with LifecycleHarness() as fake:
        add_two(c, fake)
        gsettings(c, "set", APP_ID, "expiry-reminders", "false")
        session = Session(c)
        try:
            service = session.start_service()
            check_equal(session.notifications(4), [], "notifications with reminders off")
            check_equal(service.wait(timeout=30), 0, "exit status of the service with nothing to do")
        finally:
            session.stop()


def main():
    if not os.environ.get("DISPLAY"):
        print("1..0 # SKIP no display (run under build-aux/session)")
        return 0
    if not shutil.which("xdotool") or not shutil.which("dbus-daemon"):
        print("1..0 # SKIP no xdotool or dbus-daemon")
        return 0

    failed = 0
    print(f"1..{len(CASES)}")
    for n, fn in enumerate(CASES, 1):
        c = Case(fn.__name__)
        try:
            if not run_tap_case(n, fn.__name__, lambda: (fn(c), c.check_no_leak())):
                failed += 1
        finally:
            c.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
