#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""cli_harness.py: what the command-line tests share

test-cli.py, test-cli-folder.py and test-cli-lifecycle.py run the built
`tessera` as a user would, against the fake Harness server
(tests/tessera-fake-harness) on 127.0.0.1. Each is called as

    SCRIPT TESSERA FAKE_HARNESS SCHEMA_DIR [--secrets=file|gnome-keyring]

Every case gets its own $HOME and XDG directories and GSettings' keyfile
backend. With --secrets=file (the default) keys go to libsecret's file
backend; with --secrets=gnome-keyring the cases a script names run again
on the real gnome-keyring of build-aux/session (a skip without one). Every
run has G_MESSAGES_DEBUG=all and no display.

After each case the keys used must appear nowhere: not in the GSettings
keyfile, not in any file under the case's $HOME but the keyring file, not
on stderr, and not on stdout except for `token` and `exec`.

A case is a function taking a Case, registered with @case; a script ends
with `sys.exit(main(KEYRING_CASES))`. Output is TAP. Standard library only.
"""

import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from tessera_testlib import Failure, Skip, check, check_equal, is_debug_line, run_tap_case, tail

TESSERA, FAKE_HARNESS, SCHEMA_DIR = (os.path.abspath(p) for p in sys.argv[1:4])

# build-aux/test runs the suite a second time built with ASan and LSan.
SANITIZED = "ASAN_OPTIONS" in os.environ

ACCOUNT = "TesseraDemoAcct0000001"      # FAKE_HARNESS_DEMO_ACCOUNT
OTHER_ACCOUNT = "ZyXwVuTsRqPoNmLkJiHg_-"


def free_port():
    """A loopback port nothing listens on: "Harness is down"."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- fake Harness


class FakeHarness:
    """tests/tessera-fake-harness --demo, started once for the whole script.

    It knows the demo keys (valid PAT and SAT, one expiring in 3 days, one
    expired) and answers 401 INVALID_TOKEN for any other key, as Harness
    does for a revoked or mistyped one. Answers the standalone program
    cannot give (403 at token/validate, 5xx) come from ScriptedServer.
    """

    def __init__(self, *options, log=subprocess.DEVNULL):
        self.process = None
        self.base_url = None
        self.demo = {}
        self.options = options   # more of tessera-fake-harness's options
        self.log = log           # where its stderr (the request log) goes

    def start(self):
        self.process = subprocess.Popen([FAKE_HARNESS, "--demo", *self.options], stdout=subprocess.PIPE,
                                        stderr=self.log, text=True)
        while "TESSERA_DEMO_PAT_EXPIRED" not in self.demo:
            line = self.process.stdout.readline()
            check(line, "the fake Harness ended before printing its URL and keys")
            name, _, value = line.strip().partition("=")
            self.demo[name] = value
        self.base_url = self.demo["TESSERA_FAKE_HARNESS_URL"]
        check(self.base_url.startswith("http://127.0.0.1:"), f"fake Harness URL {self.base_url!r}")
        check_equal(self.demo["TESSERA_DEMO_ACCOUNT"], ACCOUNT, "the demo account")
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def key(self, verdict="valid", kind="pat", variant=1):
        """A key of the real shape that the fake answers as @verdict."""
        if verdict == "valid" and kind == "sat":
            return self.demo["TESSERA_DEMO_SAT"]
        if verdict == "valid" and variant == 1:
            return self.demo["TESSERA_DEMO_PAT"]
        if verdict == "valid" and variant == 2:
            return self.demo["TESSERA_DEMO_PAT_EXPIRING"]
        if verdict == "expired":
            return self.demo["TESSERA_DEMO_PAT_EXPIRED"]
        # Unknown to the fake (401 INVALID_TOKEN), or for ScriptedServer,
        # or only ever stored with --no-verify.
        secret = f"{verdict[:6].capitalize()}{variant:02d}".ljust(20, "x")[:20]
        tag = f"{variant:024x}"
        return f"{kind}.{ACCOUNT}.{tag}.{secret}"


class ScriptedServer:
    """Answers every request with one status and JSON body, as Harness does
    when it forbids (403 NG_ACCESS_DENIED) or fails (500); or, given a
    @content_type and @raw body, as some other server would."""

    def __init__(self, status, code=None, content_type="application/json", raw=None):
        if raw is not None:
            body = raw.encode()
        else:
            body = json.dumps({"status": "ERROR", "code": code, "message": code,
                               "correlationId": "scripted", "responseMessages": []}).encode()
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                server.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


HARNESS = FakeHarness()


class RefusingProxy:
    """An HTTP proxy on 127.0.0.1 that answers every CONNECT with 502, as a
    company proxy does when it cannot reach the host; counts them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connects = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    self.connects.append(data.split(b"\r\n", 1)[0])
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def close(self):
        self.sock.close()


# Words that only make sense in the window.
WINDOW_WORDS = re.compile(r"(?i)\b(paste|click|field|button|here|below|enter|type it)\b")


# ---------------------------------------------------------------- one case


class Case:
    """A fresh home for one test case, and every run made in it."""

    def __init__(self, name, keyring="file"):
        self.name = name
        self.keyring = keyring
        self.dir = tempfile.mkdtemp(prefix=f"tessera-cli-{name}.")
        self.home = os.path.join(self.dir, "home")
        self.keyring_file = os.path.join(self.home, ".local/share/keyrings/tessera-test.keyring")
        self.keyfile = os.path.join(self.home, ".config/glib-2.0/settings/keyfile")
        self.secrets = set()
        self.runs = []
        for sub in (".config", ".local/share/keyrings", ".cache", "runtime"):
            os.makedirs(os.path.join(self.home, sub), exist_ok=True)
        os.chmod(os.path.join(self.home, "runtime"), 0o700)

        env = {k: v for k, v in os.environ.items()
               if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SECRET_BACKEND",
                            "SECRET_FILE_TEST_PATH", "SECRET_FILE_TEST_PASSWORD")
               and not k.startswith("HARNESS_")}
        env.update({
            "HOME": self.home,
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "XDG_DATA_HOME": os.path.join(self.home, ".local/share"),
            "XDG_CACHE_HOME": os.path.join(self.home, ".cache"),
            "GSETTINGS_BACKEND": "keyfile",
            "GSETTINGS_SCHEMA_DIR": SCHEMA_DIR,
            "G_MESSAGES_DEBUG": "all",
            "G_DEBUG": "fatal-criticals",
            "LANG": "C.UTF-8",
            "LANGUAGE": "C",
            "LC_ALL": "C.UTF-8",
        })
        if keyring == "file":
            env.update({
                "SECRET_BACKEND": "file",
                "SECRET_FILE_TEST_PATH": self.keyring_file,
                "SECRET_FILE_TEST_PASSWORD": "tessera-test-password",
                "XDG_RUNTIME_DIR": os.path.join(self.home, "runtime"),
                # The file backend needs no bus: make sure nothing uses one.
                "DBUS_SESSION_BUS_ADDRESS": "disabled:",
            })
        self.env = env

    def secret(self, key):
        """Remembers @key so that the leak check looks for it."""
        self.secrets.add(key)
        self.secrets.add(key.split(".")[-1])  # the secret part alone
        return key

    def run(self, *args, stdin="", code=None, may_print_secret=False, env=None, timeout=60, cwd=None):
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        if SANITIZED:
            # Leaks are reported but do not replace the exit code; the
            # report is checked below.
            full_env["LSAN_OPTIONS"] = full_env.get("LSAN_OPTIONS", "") + ":exitcode=0"
        result = subprocess.run([TESSERA, *args], input=stdin.encode() if stdin is not None else None,
                                stdin=None if stdin is not None else subprocess.DEVNULL,
                                capture_output=True, env=full_env, timeout=timeout, cwd=cwd)
        result.out = result.stdout.decode("utf-8", "replace")
        result.err = result.stderr.decode("utf-8", "replace")
        result.messages = [line for line in result.err.splitlines() if not is_debug_line(line)]
        self.runs.append((args, result, may_print_secret))
        if SANITIZED:
            check_leak_report(args, result.err, self.keyring == "file")
        if code is not None and result.returncode != code:
            raise Failure(f"tessera {' '.join(args)}: exit {result.returncode}, expected {code}\n"
                          f"stdout: {result.out}\nstderr: {tail(result.err)}")
        return result

    def fail_run(self, *args, code, stdin="", contains=None, env=None, cwd=None):
        """A run that must fail with @code and one sentence on stderr."""
        result = self.run(*args, stdin=stdin, code=code, env=env, cwd=cwd)
        check_equal(len(result.messages), 1, f"stderr lines of tessera {' '.join(args)} ({result.messages})")
        check(result.messages[0].startswith("tessera: "), f"stderr starts with “tessera: ”: {result.messages[0]!r}")
        if contains:
            check(contains in result.messages[0], f"{contains!r} in {result.messages[0]!r}")
        check_equal(result.out, "", f"stdout of failing tessera {' '.join(args)}")
        return result

    def add(self, name, key, *options, code=0):
        self.secret(key)
        return self.run("add", name, *options, stdin=key + "\n", code=code)

    def credentials(self):
        return json.loads(self.run("list", "--json", code=0).out)

    def names(self):
        return [c["name"] for c in self.credentials()]

    def check_no_leak(self):
        for args, result, may_print_secret in self.runs:
            for secret in self.secrets:
                check(secret.encode() not in result.stderr,
                      f"a key appears on stderr of tessera {' '.join(args)}")
                if not may_print_secret:
                    check(secret.encode() not in result.stdout,
                          f"a key appears on stdout of tessera {' '.join(args)}")
        for root, _dirs, files in os.walk(self.home):
            for f in files:
                path = os.path.join(root, f)
                if path == self.keyring_file or not os.path.isfile(path):
                    continue
                with open(path, "rb") as fp:
                    data = fp.read()
                for secret in self.secrets:
                    check(secret.encode() not in data, f"a key appears in {os.path.relpath(path, self.home)}")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def check_leak_report(args, stderr, file_keyring):
    """Fails on every leak LeakSanitizer reports, but one.

    libsecret 0.20.5's file backend (Debian 12) keeps the etag of the
    keyring file it loaded and, when it writes the file, overwrites that
    pointer without freeing it: one string, allocated by GIO's
    load-contents callback, leaked once per process that reads an existing
    file keyring and then writes it (add, remove). Newer libsecret frees
    it. Its stack holds only stripped GLib and GIO frames, which a
    suppression cannot name, so it is recognised here, with the file
    backend only.
    """
    if "LeakSanitizer" not in stderr:
        return
    blocks = re.split(r"\n(?=(?:Direct|Indirect) leak of )", stderr)
    for block in blocks[1:]:
        frames = re.findall(r"^\s+#\d+ .*$", block, re.M)
        known = (file_keyring and block.startswith("Direct leak of ") and " in 1 object(s)" in block.split("\n")[0]
                 and len(frames) > 4 and " in g_malloc " in frames[1] and " in g_strdup " in frames[2]
                 and "libgio-2.0.so" in frames[3] and "libgio-2.0.so" in frames[4]
                 and " in " not in frames[3] and " in " not in frames[4])
        if not known:
            raise Failure(f"tessera {' '.join(args)} leaks memory:\n{tail(block, 30)}")


# ---------------------------------------------------------------- cases

CASES = []


def case(fn):
    CASES.append(fn)
    return fn



def secret_tool_items(c, credential_id):
    r = subprocess.run(["secret-tool", "search", "--all", "--unlock",
                        "xdg:schema", "io.github.tessera.Tessera.Credential",
                        "credential-id", credential_id],
                       capture_output=True, text=True, env=c.env, timeout=30)
    items, current = [], None
    for line in (r.stdout + r.stderr).splitlines():
        if line.startswith("["):
            current = {}
            items.append(current)
        elif current is not None and " = " in line:
            k, v = line.split(" = ", 1)
            current[k.strip()] = v
    return items



def gnome_keyring_available():
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    r = subprocess.run(["gdbus", "call", "--session", "-d", "org.freedesktop.DBus",
                        "-o", "/org/freedesktop/DBus", "-m", "org.freedesktop.DBus.NameHasOwner",
                        "org.freedesktop.secrets"], capture_output=True, text=True)
    return r.returncode == 0 and "true" in r.stdout


# ---------------------------------------------------------------- rotate, renew, revoke


class LifecycleHarness(FakeHarness):
    """A fake Harness of the case's own (rotate, renew and revoke change
    its tokens), whose request log (method, path, the query of rotate and
    delete; never a header or a body) is kept."""

    def __init__(self, *options):
        super().__init__(*options, log=tempfile.TemporaryFile(mode="w+"))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.log.close()

    def requests(self):
        self.log.seek(0)
        return [line.split(" → ")[0] for line in self.log.read().splitlines() if " → " in line]

    def validate(self, key):
        """What token/validate answers for @key: (HTTP status, data)."""
        request = urllib.request.Request(f"{self.base_url}/ng/api/token/validate?accountIdentifier={ACCOUNT}",
                                         data=key.encode(), method="POST",
                                         headers={"x-api-key": key, "Content-Type": "text/plain"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.load(answer)["data"]
        except urllib.error.HTTPError as e:
            return e.code, None


def query_of(request_line):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(request_line.split(" ", 1)[1]).query)


# ---------------------------------------------------------------- runner


def main(keyring_cases=()):
    secrets = sys.argv[4] if len(sys.argv) > 4 else "--secrets=file"
    if secrets == "--secrets=gnome-keyring":
        if not gnome_keyring_available():
            print("1..0 # SKIP no gnome-keyring on a session bus (run under build-aux/session)")
            return 0
        cases = [fn for fn in CASES if fn.__name__ in keyring_cases]
        keyring = "gnome-keyring"
    else:
        cases = [fn for fn in CASES if fn.__name__ != "real_gnome_keyring"]
        keyring = "file"

    HARNESS.start()
    failed = 0
    print(f"1..{len(cases)}")
    try:
        for n, fn in enumerate(cases, 1):
            c = Case(fn.__name__, keyring=keyring)
            try:
                if not run_tap_case(n, fn.__name__, lambda: (fn(c), c.check_no_leak())):
                    failed += 1
            finally:
                c.cleanup()
    finally:
        HARNESS.stop()
    return 1 if failed else 0
