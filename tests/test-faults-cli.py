#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-faults-cli.py TESSERA SCHEMA_DIR TEST_DATA_DIR [CASE]: the fault matrix
(issue 6 §3), the half that needs whole processes

- network faults through `tessera verify`: Harness refuses, resets the
  connection half-way through the body, never answers, answers a byte a
  second, answers 429 or 503 every time, answers HTML, redirects, or shows
  a certificate no one vouches for. The credential was verified against
  the same server a moment before; afterwards its status is
  "unreachable" (never "rejected"), the reason is the one for that fault,
  every other field and the key are as they were, and the process ended
  with exit status 2, not a crash;
- four `tessera add` at once, with different names and with the same name
  (in different case), against gnome-keyring (on a private bus) and
  against libsecret's file backend: every add of a different name
  succeeds, exactly one of the same name does and the others fail with one
  sentence; never a half-written credential (the settings list, each
  credential's keys and the keyring items agree);
- a second `tessera` window (under build-aux/session's Xvfb): it hands
  over to the first, which shows its window again, and exits 0 at once;
  one process and one window remain;
- a window without its network and keyring module (a broken
  installation): it opens, stays up while it tries to verify on open,
  says why on stderr, quits cleanly, and the credential and its key are
  untouched.

The C half (the keyring stopped, killed, locked or frozen; a read-only
settings folder; the network through the store; verify-all over 500
credentials) is tests/test-faults.c. CASE runs only the cases whose name
contains it. Output is TAP. Standard library only.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from tessera_testlib import Failure, Skip, check, check_equal, is_debug_line, run_tap_case

TESSERA, SCHEMA_DIR, DATA_DIR = (os.path.abspath(p) for p in sys.argv[1:4])
ONLY = sys.argv[4] if len(sys.argv) > 4 else ""

ACCOUNT = "TesseraFaultAcct000002"
SCHEMA = "io.github.tessera.Tessera.Credential"
KEYRING_PASSWORD = "faults-cli-test"


def make_key():
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return (f"pat.{ACCOUNT}.{secrets.token_hex(12)}."
            + "".join(secrets.choice(alnum) for _ in range(20)))


def check_sentence(text, what):
    """A reason for a person: a capital, a full stop, words, no D-Bus name."""
    check(isinstance(text, str) and len(text) > 20, f"{what}: a reason, got {text!r}")
    check(text[0].isupper() and text.rstrip().endswith("."), f"{what}: a sentence, got {text!r}")
    check(" " in text and "org.freedesktop" not in text and "GDBus" not in text,
          f"{what}: words, not a code: {text!r}")


# ---------------------------------------------------------------- a session


class Bus:
    """A private D-Bus session bus, optionally with gnome-keyring on it."""

    def __init__(self, home, keyring):
        self.home = home
        # Services it starts (an accessibility bus, a prompter) get this
        # home's runtime directory: the session's own sockets stay alone.
        env = dict(os.environ, HOME=home, XDG_RUNTIME_DIR=os.path.join(home, "runtime"), GTK_A11Y="none")
        self.daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.address = self.daemon.stdout.readline().strip()
        check(self.address, "dbus-daemon printed its address")
        self.keyring = None
        if keyring:
            data = os.path.join(home, ".local/share")
            os.makedirs(os.path.join(data, "keyrings"), exist_ok=True)
            env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address, HOME=home,
                       XDG_DATA_HOME=data, XDG_RUNTIME_DIR=os.path.join(home, "runtime"))
            self.keyring = subprocess.Popen(["gnome-keyring-daemon", "--unlock", "--components=secrets",
                                             "--foreground"], stdin=subprocess.PIPE,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            self.keyring.stdin.write(KEYRING_PASSWORD.encode())
            self.keyring.stdin.close()
            give_up = time.monotonic() + 20
            while not self.has_owner("org.freedesktop.secrets"):
                check(time.monotonic() < give_up, "gnome-keyring-daemon did not start")
                time.sleep(0.05)

    def has_owner(self, name):
        r = subprocess.run(["gdbus", "call", "--address", self.address, "-d", "org.freedesktop.DBus",
                            "-o", "/org/freedesktop/DBus", "-m", "org.freedesktop.DBus.NameHasOwner", name],
                           capture_output=True, text=True)
        return r.returncode == 0 and "true" in r.stdout

    def stop(self):
        for process in (self.keyring, self.daemon):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


class Case:
    """A fresh $HOME, GSettings' keyfile backend, and keys in libsecret's
    file backend or in gnome-keyring on a private bus."""

    def __init__(self, name, keyring="file"):
        self.dir = tempfile.mkdtemp(prefix=f"tessera-faults-{name}.")
        self.home = os.path.join(self.dir, "home")
        self.keyfile = os.path.join(self.home, ".config/glib-2.0/settings/keyfile")
        self.keyring_file = os.path.join(self.home, ".local/share/keyrings/tessera-test.keyring")
        for sub in (".config", ".local/share/keyrings", ".cache", "runtime"):
            os.makedirs(os.path.join(self.home, sub), exist_ok=True)
        os.chmod(os.path.join(self.home, "runtime"), 0o700)
        self.bus = None
        env = {k: v for k, v in os.environ.items()
               if k not in ("SECRET_BACKEND", "SECRET_FILE_TEST_PATH", "SECRET_FILE_TEST_PASSWORD",
                            "DBUS_SESSION_BUS_ADDRESS")
               and not k.startswith("HARNESS_")}
        env.update({
            "HOME": self.home,
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "XDG_DATA_HOME": os.path.join(self.home, ".local/share"),
            "XDG_CACHE_HOME": os.path.join(self.home, ".cache"),
            "XDG_RUNTIME_DIR": os.path.join(self.home, "runtime"),
            "GSETTINGS_BACKEND": "keyfile",
            "GSETTINGS_SCHEMA_DIR": SCHEMA_DIR,
            "G_MESSAGES_DEBUG": "",
            "G_DEBUG": "fatal-criticals",
            "GIO_USE_PROXY_RESOLVER": "dummy",
            "LANG": "C.UTF-8",
            "LANGUAGE": "C",
            "LC_ALL": "C.UTF-8",
        })
        if keyring == "file":
            env.update({
                "SECRET_BACKEND": "file",
                "SECRET_FILE_TEST_PATH": self.keyring_file,
                "SECRET_FILE_TEST_PASSWORD": "tessera-test-password",
                "DBUS_SESSION_BUS_ADDRESS": "disabled:",
            })
        else:
            self.bus = Bus(self.home, keyring=(keyring == "gnome-keyring"))
            env["DBUS_SESSION_BUS_ADDRESS"] = self.bus.address
            if keyring == "gnome-keyring":
                env["SECRET_BACKEND"] = "service"
        self.env = env

    def run(self, *args, stdin="", code=None, timeout=60, env=None):
        result = subprocess.run([TESSERA, *args], input=stdin.encode() if stdin is not None else None,
                                capture_output=True, env=dict(self.env, **(env or {})), timeout=timeout)
        result.out = result.stdout.decode("utf-8", "replace")
        result.err = result.stderr.decode("utf-8", "replace")
        result.messages = [line for line in result.err.splitlines() if not is_debug_line(line)]
        # Whatever happened, the program ended by itself, not by a signal.
        check(result.returncode >= 0, f"tessera {' '.join(args)} was killed by signal {-result.returncode}")
        check(not any("CRITICAL" in m or "WARNING" in m for m in result.messages),
              f"tessera {' '.join(args)} warned: {result.messages}")
        if code is not None and result.returncode != code:
            raise Failure(f"tessera {' '.join(args)}: exit {result.returncode}, expected {code}\n"
                          f"stdout: {result.out}\nstderr: {result.err[-2000:]}")
        return result

    def start(self, *args, stdin=""):
        process = subprocess.Popen([TESSERA, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=self.env)
        process.stdin.write(stdin.encode())
        process.stdin.close()
        process.stdin = None
        return process

    def credentials(self):
        return json.loads(self.run("list", "--json", code=0).out)

    def cleanup(self):
        if self.bus is not None:
            self.bus.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- Harness, misbehaving


class FaultServer:
    """Answers as Harness does until armed; then with @fault, every time.

    Answering well first lets `tessera add` verify the key, so that the
    credential has an owner, an expiry and a last-verified time that the
    fault must not touch."""

    def __init__(self, fault, tls=False):
        self.fault = fault
        self.armed = False
        self.requests = 0
        self.connects = 0
        self.connections = []
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.context = None
        if tls:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(os.path.join(DATA_DIR, "test-self-signed.pem"),
                                         os.path.join(DATA_DIR, "test-key.pem"))
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.running = True
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while self.running:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.connects += 1
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def stop(self):
        """From now on the port refuses connections."""
        self.running = False
        # shutdown() first: close() alone leaves a blocked accept() listening.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for conn in self.connections:
            try:
                conn.close()
            except OSError:
                pass

    @staticmethod
    def read_request(conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        match = re.search(rb"content-length: *(\d+)", head, re.I)
        length = int(match.group(1)) if match else 0
        while len(body) < length:
            chunk = conn.recv(4096)
            if not chunk:
                return None
            body += chunk
        return head.split(b"\r\n")[0].decode()

    @staticmethod
    def answer(status, content_type, body, extra=""):
        reason = {200: "OK", 302: "Found", 401: "Unauthorized", 429: "Too Many Requests",
                  503: "Service Unavailable"}[status]
        return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n").encode() + body

    def good_answer(self, request_line):
        now = int(time.time() * 1000)
        if "/token/validate" in request_line:
            data = {"identifier": "token_1", "name": "Token 1", "validFrom": now - 86400000,
                    "validTo": now + 30 * 86400000, "valid": True, "accountIdentifier": ACCOUNT,
                    "apiKeyType": "USER", "username": "Ada Lovelace", "email": "ada@example.com"}
        else:
            data = {"identifier": ACCOUNT, "name": "Example Corp", "companyName": "Example Corp"}
        body = json.dumps({"status": "SUCCESS", "data": data, "correlationId": "good"}).encode()
        return self.answer(200, "application/json", body)

    def handle(self, conn):
        try:
            if self.context is not None:
                conn = self.context.wrap_socket(conn, server_side=True)
            request_line = self.read_request(conn)
            if request_line is None:
                return
            self.requests += 1
            if not self.armed:
                conn.sendall(self.good_answer(request_line))
            elif self.fault == "reset-mid-body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 400\r\n\r\n{\"status\":\"SUCCESS\",\"data\":{\"ident")
                # A zero linger makes close() send a reset.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            elif self.fault == "never-answers":
                while self.running and conn.recv(1):
                    pass
            elif self.fault == "one-byte-per-second":
                for byte in self.good_answer(request_line):
                    conn.sendall(bytes([byte]))
                    time.sleep(1)
            elif self.fault == "429-storm":
                conn.sendall(self.answer(429, "text/html", b"<html><body>Too many requests</body></html>"))
            elif self.fault == "5xx-storm":
                conn.sendall(self.answer(503, "text/html", b"<html><body>Service Unavailable</body></html>"))
            elif self.fault == "html-not-json":
                conn.sendall(self.answer(200, "text/html", b"<!DOCTYPE html><html><body>Sign in</body></html>"))
            elif self.fault == "redirect":
                conn.sendall(self.answer(302, "text/html", b"", "Location: https://login.example.com/\r\n"))
            else:
                conn.sendall(self.good_answer(request_line))
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


# fault → (words of the reason, verified first)
NETWORK_FAULTS = {
    "refused": ("refused", True),
    "reset-mid-body": ("interrupted", True),
    "never-answers": ("in time", True),
    "one-byte-per-second": ("in time", True),
    "429-storm": ("too many requests", True),
    "5xx-storm": ("problem on its side", True),
    "html-not-json": ("web page", True),
    "redirect": ("redirected", True),
    # No one vouches for the certificate, so Harness cannot be asked even
    # once: the key is saved unverified.
    "invalid-certificate": ("certificate", False),
}

# What a failed check may change; everything else must stay.
CHECK_FIELDS = {"status", "status_detail", "correlation_id", "needs_attention"}


def network_fault(fault):
    words, verified_first = NETWORK_FAULTS[fault]
    c = Case(f"net-{fault}")
    server = FaultServer(fault, tls=(fault == "invalid-certificate"))
    try:
        key = make_key()
        c.run("add", "Production", "--base-url", server.base_url,
              *([] if verified_first else ["--no-verify"]), stdin=key + "\n", code=0)
        c.run("add", "Staging", "--base-url", server.base_url, "--no-verify", stdin=make_key() + "\n", code=0)
        before = {x["name"]: x for x in c.credentials()}
        if verified_first:
            check_equal(before["Production"]["status"], "verified", "status before the fault")
            check_equal(before["Production"]["owner_name"], "Ada Lovelace", "owner before the fault")

        server.armed = True
        if fault == "refused":
            server.stop()
        connects = server.connects
        env = {}
        if fault == "invalid-certificate" and "ASAN_OPTIONS" in c.env:
            # In the sanitizer build LeakSanitizer crashes at exit after a
            # TLS handshake (see build-aux/asan-wrapper), and its crash
            # replaces the exit status: no leak check for this one run.
            env["ASAN_OPTIONS"] = c.env["ASAN_OPTIONS"] + ":detect_leaks=0"
        r = c.run("verify", "Production", "--json", code=2, timeout=60, env=env)
        result = json.loads(r.out)[0]
        check_equal(result["status"], "unreachable", "status after the fault")
        check_sentence(result["error"], "the reason")
        check(words in result["error"].lower(), f"the reason says {words!r}: {result['error']!r}")
        if fault != "refused":
            check(server.connects > connects, "the faulty server was asked")

        after = {x["name"]: x for x in c.credentials()}
        check_equal(after["Production"]["status"], "unreachable", "status recorded")
        check_equal(after["Production"]["status_detail"], result["error"], "the reason recorded")
        for field in before["Production"]:
            if field not in CHECK_FIELDS:
                check_equal(after["Production"][field], before["Production"][field], f"“{field}” after the fault")
        check_equal(after["Staging"], before["Staging"], "the other credential")
        r = c.run("token", "Production", code=0)
        check(r.out == key + "\n", "the key is unchanged")  # never print it
    finally:
        server.stop()
        c.cleanup()


# ---------------------------------------------------------------- two processes


def keyring_items(c):
    """The credential-id of every keyring item of ours. (libsecret's file
    backend does not match "xdg:schema": search by our other attribute.)"""
    r = subprocess.run(["secret-tool", "search", "--all", "--unlock", "schema-version", "1"],
                       capture_output=True, text=True, env=c.env, timeout=30)
    return sorted(line.split(" = ", 1)[1] for line in (r.stdout + r.stderr).splitlines()
                  if line.startswith("attribute.credential-id = "))


def settings_groups(c):
    """credentials=[…] and each credential group with keys, from the file."""
    listed, groups, group = [], {}, None
    if not os.path.exists(c.keyfile):
        return listed, groups
    with open(c.keyfile) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("["):
                group = line[1:-1]
            elif "=" in line and group is not None:
                k, v = line.split("=", 1)
                if group == "io/github/tessera/Tessera" and k == "credentials":
                    listed = re.findall(r"'([^']*)'", v)
                elif group.startswith("io/github/tessera/Tessera/credentials/"):
                    groups.setdefault(group.rsplit("/", 1)[1], {})[k] = v
    return listed, groups


def check_whole(c, what):
    """Never a half-written credential: every listed credential has its keys
    and its key in the keyring, and nothing else exists."""
    listed, groups = settings_groups(c)
    items = keyring_items(c)
    shown = c.credentials()
    check_equal(sorted(x["id"] for x in shown), sorted(listed), f"{what}: tessera list and the settings list")
    secret_ids = []
    for cid in listed:
        check(cid in groups and "name" in groups[cid] and "secret-id" in groups[cid],
              f"{what}: credential {cid} has its keys")
        secret_ids.append(groups[cid]["secret-id"].strip("'"))
    check_equal(items, sorted(secret_ids), f"{what}: keyring items and listed credentials")
    check_equal(sorted(groups), sorted(listed), f"{what}: no settings left by an unlisted credential")
    names = [x["name"].casefold() for x in shown]
    check_equal(len(names), len(set(names)), f"{what}: names are unique")
    for x in shown:
        c.run("token", x["name"], code=0)
    return shown


def adds_at_once(keyring, same_name, rounds, processes=4):
    """@processes `tessera add` started together, @rounds times."""
    outcomes = {"all": 0, "some": 0}
    for n in range(rounds):
        c = Case(f"adds-{keyring}", keyring=keyring)
        try:
            if same_name:
                names = ["Production", "production", "PRODUCTION ", " Production"][:processes]
            else:
                names = [f"Credential {i}" for i in range(processes)]
            started = [c.start("add", name, "--no-verify", stdin=make_key() + "\n") for name in names]
            results = []
            for p in started:
                out, err = p.communicate(timeout=60)
                check(p.returncode >= 0, f"tessera add was killed by signal {-p.returncode}")
                messages = [line for line in err.decode().splitlines() if not is_debug_line(line)]
                results.append((p.returncode, out.decode(), messages))
            ok = [r for r in results if r[0] == 0]
            failed = [r for r in results if r[0] != 0]
            for code, out, messages in failed:
                # One sentence, and a clear reason: the name is taken, or
                # another program was writing at that very moment.
                check(code in (4, 5), f"round {n}: exit {code}: {messages}")
                check_equal(len(messages), 1, f"round {n}: lines on stderr")
                check(messages[0].startswith("tessera: "), f"round {n}: {messages[0]!r}")
                check_sentence(messages[0][len("tessera: "):], f"round {n}: the reason")
                check_equal(out, "", f"round {n}: stdout of the failed add")
            if not same_name:
                check_equal(len(ok), len(names), f"round {n}: every add of a different name succeeds ({failed})")
            else:
                check_equal(len(ok), 1, f"round {n}: one add of the name succeeds ({failed})")
            shown = check_whole(c, f"round {n}")
            check_equal(len(shown), len(ok), f"round {n}: one credential per successful add")
            outcomes["all" if len(ok) == len(names) else "some"] += 1
        finally:
            c.cleanup()
    return outcomes


# ---------------------------------------------------------------- a frozen keyring


def frozen_keyring():
    """Issue 17, finding 10: a frozen keyring (gnome-keyring-daemon stopped
    with SIGSTOP) ends `tessera add` and `tessera remove` with one sentence
    within about 30 seconds, exit 5."""
    if not (shutil.which("gnome-keyring-daemon") and shutil.which("dbus-daemon")):
        raise Skip("needs gnome-keyring-daemon and dbus-daemon")
    c = Case("frozen", keyring="gnome-keyring")
    try:
        c.run("add", "Production", "--no-verify", stdin=make_key() + "\n", code=0)
        c.bus.keyring.send_signal(signal.SIGSTOP)
        try:
            for args, stdin in ((("add", "Staging", "--no-verify"), make_key() + "\n"),
                                (("remove", "Production"), "")):
                t = time.monotonic()
                r = c.run(*args, stdin=stdin, timeout=60)
                elapsed = time.monotonic() - t
                print(f"# tessera {args[0]} on a frozen keyring: exit {r.returncode} after {elapsed:.1f} s")
                check_equal(r.returncode, 5, f"{args[0]}: exit status ({r.messages})")
                check(elapsed < 35, f"{args[0]}: gave up within about 30 s ({elapsed:.1f} s)")
                check_equal(len(r.messages), 1, f"{args[0]}: one sentence ({r.messages})")
                check("keyring did not answer" in r.messages[0], f"{args[0]}: says why: {r.messages[0]!r}")
        finally:
            c.bus.keyring.send_signal(signal.SIGCONT)
    finally:
        c.cleanup()


# ---------------------------------------------------------------- a second window


def visible_windows(c, pid):
    r = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
                       capture_output=True, text=True, env=c.env)
    return r.stdout.split()


def wait_for(condition, seconds, what):
    give_up = time.monotonic() + seconds
    while not condition():
        check(time.monotonic() < give_up, f"timed out waiting for {what}")
        time.sleep(0.1)


def use_window(c):
    """Case @c runs windows: X11 and cairo on the session's Xvfb, no
    accessibility bus, keys in libsecret's file backend. The case's bus is
    no desktop: GTK and libadwaita leave the settings portal alone (on a
    machine with xdg-desktop-portal they would start it there, and Debian
    12's waited 25 s for a Secret Service before answering)."""
    c.env.update({"GDK_BACKEND": "x11", "GSK_RENDERER": "cairo", "NO_AT_BRIDGE": "1", "GTK_A11Y": "none",
                  "GDK_DEBUG": "no-portals", "ADW_DISABLE_PORTAL": "1",
                  "SECRET_BACKEND": "file", "SECRET_FILE_TEST_PATH": c.keyring_file,
                  "SECRET_FILE_TEST_PASSWORD": "tessera-test-password"})
    if "ASAN_OPTIONS" in c.env:
        # Under the sanitizer build, the window's process reports one
        # 128-byte block at exit whose only frame is a library unloaded by
        # then; with dlclose() made a no-op there is no leak, so it is
        # memory that library's own data still pointed to. The window's own
        # leaks are the UI tests' to find.
        c.env["ASAN_OPTIONS"] += ":detect_leaks=0"


def quit_app(c):
    """Activates the running app's "quit" action on case @c's bus."""
    subprocess.run(["gdbus", "call", "--address", c.bus.address, "--dest", "io.github.tessera.Tessera",
                    "--object-path", "/io/github/tessera/Tessera", "--method", "org.gtk.Actions.Activate",
                    "quit", "[]", "{}"], capture_output=True, timeout=10)


def second_window():
    if not os.environ.get("DISPLAY"):
        raise Skip("no display (run under build-aux/session)")
    if not shutil.which("xdotool"):
        raise Skip("no xdotool")
    # A bus of our own: the app's name must be free of anything else running.
    c = Case("second-window", keyring="bus-only")
    first = None
    try:
        use_window(c)
        first = subprocess.Popen([TESSERA], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, env=c.env)
        wait_for(lambda: visible_windows(c, first.pid), 30, "the first window")
        window = visible_windows(c, first.pid)[0]
        check(c.bus.has_owner("io.github.tessera.Tessera"), "the first instance owns the app's name")

        # What the second launch says on the bus.
        monitor = subprocess.Popen(["dbus-monitor", "--address", c.bus.address,
                                    "type='method_call',interface='org.gtk.Application'"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        time.sleep(0.5)

        start = time.monotonic()
        r = subprocess.run([TESSERA], stdin=subprocess.DEVNULL, capture_output=True, env=c.env, timeout=30)
        elapsed = time.monotonic() - start
        check_equal(r.returncode, 0, "exit status of the second launch")
        check(elapsed < 5, f"the second launch exits at once ({elapsed:.1f} s)")
        messages = [line for line in r.stderr.decode().splitlines() if not is_debug_line(line)]
        check(not any("CRITICAL" in m or "WARNING" in m for m in messages), f"second launch warned: {messages}")

        # It activated the first one, which presents the window it has.
        time.sleep(0.5)
        monitor.terminate()
        calls = monitor.communicate(timeout=10)[0]
        check(re.search(r"path=/io/github/tessera/Tessera; interface=org.gtk.Application; member=Activate",
                        calls), f"the second launch called Activate on the first: {calls[-500:]!r}")
        check(first.poll() is None, "the first instance keeps running")
        # (Other tests may show windows on the same display: count ours.)
        check_equal(visible_windows(c, first.pid), [window], "windows of the first instance")

        quit_app(c)
        check_equal(first.wait(timeout=15), 0, "exit status of the first instance after quit")
    finally:
        if first is not None and first.poll() is None:
            first.kill()
            first.wait()
        c.cleanup()


def window_without_module():
    """A broken installation: the network and keyring module is missing.
    The window still opens and stays up while it tries to verify an
    unverified credential on open, says why it cannot, and quits cleanly;
    the credential and its key are untouched."""
    if not os.environ.get("DISPLAY"):
        raise Skip("no display (run under build-aux/session)")
    if not shutil.which("xdotool"):
        raise Skip("no xdotool")
    c = Case("no-module", keyring="bus-only")
    window = None
    try:
        use_window(c)
        key = make_key()
        c.run("add", "Production", "--no-verify", stdin=key + "\n", code=0)
        empty = os.path.join(c.dir, "no-module")
        os.makedirs(empty)
        # Only the network and keyring module is missing: the window's own
        # module (libtessera-gui.so) is where TESSERA_MODULE_DIR points.
        os.symlink(os.path.join(os.path.dirname(os.path.realpath(TESSERA)), "gui", "libtessera-gui.so"),
                   os.path.join(empty, "libtessera-gui.so"))

        window = subprocess.Popen([TESSERA], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, env=dict(c.env, TESSERA_MODULE_DIR=empty))
        wait_for(lambda: visible_windows(c, window.pid), 30, "the window")
        # It verifies the unverified credential on open: it must not abort.
        time.sleep(3)
        check(window.poll() is None, f"the window is still up (exit {window.returncode})")
        quit_app(c)
        check_equal(window.wait(timeout=15), 0, "exit status of the window after quit")
        err = window.stderr.read().decode("utf-8", "replace")
        check("Reinstall Tessera" in err, f"it says why on stderr: {err[-500:]!r}")
        check("ERROR" not in err and "CRITICAL" not in err, f"no error or critical on stderr: {err[-500:]!r}")

        # Nothing was lost: with the module, the key reads back.
        check_equal([cr["name"] for cr in c.credentials()], ["Production"], "credentials after the window")
        check_equal(c.run("token", "Production", code=0).out, key + "\n", "the key after the window")
    finally:
        if window is not None and window.poll() is None:
            window.kill()
            window.wait()
        c.cleanup()


# ---------------------------------------------------------------- runner


def run_network_faults():
    """All network faults at once: two of them wait out the client's 15 s."""
    errors = {}

    def run(fault):
        try:
            network_fault(fault)
        except Exception as e:  # reported below, per fault
            errors[fault] = e if isinstance(e, Failure) else Failure(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(f,)) for f in NETWORK_FAULTS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def main():
    have_keyring = bool(shutil.which("gnome-keyring-daemon") and shutil.which("dbus-daemon"))
    cases = []
    start = time.monotonic()
    network_errors = run_network_faults() if any(ONLY in f"network/{f}" for f in NETWORK_FAULTS) else {}
    network_time = time.monotonic() - start
    for fault in NETWORK_FAULTS:
        cases.append((f"network/{fault}", lambda f=fault: (_ for _ in ()).throw(network_errors[f])
                      if f in network_errors else None))
    for keyring in ("gnome-keyring", "file"):
        for same in (False, True):
            name = f"adds-at-once/{'same-name' if same else 'different-names'}/{keyring}"

            def case(keyring=keyring, same=same):
                if keyring == "gnome-keyring" and not have_keyring:
                    raise Skip("needs gnome-keyring-daemon and dbus-daemon")
                outcomes = adds_at_once(keyring, same, rounds=6)
                print(f"# {outcomes['all']} rounds all saved, {outcomes['some']} with adds refused")
            cases.append((name, case))
    cases.append(("frozen-keyring", frozen_keyring))
    cases.append(("second-window", second_window))
    cases.append(("window-without-module", window_without_module))
    cases = [(name, fn) for name, fn in cases if ONLY in name]

    print(f"1..{len(cases)}")
    print(f"# network faults: {network_time:.1f} s, all at once")
    failed = 0
    for n, (name, fn) in enumerate(cases, 1):
        if not run_tap_case(n, name, fn):
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
