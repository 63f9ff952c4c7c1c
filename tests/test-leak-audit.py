#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-leak-audit.py TESSERA UI_PROGRAM SERVERS SCHEMA_DIR DATA_DIR [--secrets=file|gnome-keyring]:
the token-leak audit (issue 6 §4)

One scenario in one throwaway home, as a user would go through it:

  command line  add from standard input (valid PAT, SAT, legacy key, a key
                Harness rejects, an expired one, one against a server that
                fails with 500, one against a certificate nobody trusts, one
                against a server that redirects to another host); plain
                http:// to another machine refused
  window        (tests/test-leak-audit-ui.c, the real window and dialog
                in-process) the same failures in the dialog, add, edit,
                replace the key, copy it to the clipboard, verify all,
                rotate a key, delete and undo, delete for good
  command line  list, list --json, select, verify, verify NAME,
                verify --all, verify --all --json, token, exec, rotate,
                renew, token and verify with the new keys, remove

every process with G_MESSAGES_DEBUG=all. Then every key used, the keys
Harness made for rotate and renew (the fake servers name them once they
stop), and each key's secret part (the last dot-part) and token-id part
alone, is searched for in:

  - the stdout and stderr of every tessera process, and the text on the
    window's screen at each checkpoint (`tessera token`'s stdout and the
    exec child's environment hold a key by design: they are checked to
    hold it instead);
  - the GSettings keyfile, and every file under $HOME but the keyring's;
  - the labels and attributes of the keyring items, which other programs
    can list without the key;
  - /proc/<pid>/cmdline and /proc/<pid>/environ of every tessera process,
    sampled while it runs (the window's at each checkpoint: a key on
    screen, in flight, on the clipboard);
  - the path and query of every request the fake Harness servers received;
  - everything a second host received, which a server redirects to;
  - everything sent to the proxy that http_proxy and https_proxy name: a
    stand-in for a company proxy, so not this computer.

Expected: 0. A canary planted in every one of those places first must be
found in each, or the search proves nothing. Also: x-api-key reaches only
the server a credential is configured for, never the redirect target, and
never plain http through the proxy; a plain http:// URL to another machine
is refused without any connection (the proxy sees nothing).

Output is TAP. Standard library only.
"""

import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

from tessera_testlib import Failure, Skip, check

TESSERA, UI_PROGRAM, SERVERS, SCHEMA_DIR, DATA_DIR = (os.path.abspath(p) for p in sys.argv[1:6])
SECRETS_BACKEND = (sys.argv[6] if len(sys.argv) > 6 else "--secrets=file").split("=", 1)[1]

# An account of the real shape, new for every run: the keyring of
# build-aux/session outlives the run, and its items are told apart by it.
ACCOUNT = "LeakAudit" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(13))
SLOW_MS = 400
# Per process; the sanitizer build (build-aux/test) runs several times slower.
MAX_SECONDS = 240 if "ASAN_OPTIONS" in os.environ else 60
PLACE_KINDS = ("output", "settings", "files", "keyring labels", "argv", "environ", "URLs",
               "redirect target", "proxy")
CREDENTIAL_SCHEMA = "io.github.tessera.Tessera.Credential"


def log(message):
    for line in message.splitlines():
        print(f"# {line}")
    sys.stdout.flush()


# ---------------------------------------------------------------- keys


def random_alnum(n):
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


class Key:
    """A fresh key of the real shape, and the parts the search looks for."""

    def __init__(self, label, kind="pat", legacy=False):
        self.label = label
        self.token_id = secrets.token_hex(12)          # 24 lowercase hex
        self.secret = random_alnum(20)
        if legacy:
            self.value = f"{kind}.{self.token_id}.{self.secret}"
        else:
            self.value = f"{kind}.{ACCOUNT}.{self.token_id}.{self.secret}"

    @classmethod
    def minted(cls, label, value):
        """A key Harness made (rotate, renew), known only by its value."""
        k = cls.__new__(cls)
        k.label = label
        k.value = value
        parts = value.split(".")
        k.token_id, k.secret = parts[-2], parts[-1]
        return k

    def needles(self):
        return [(self.label, "key", self.value.encode()),
                (self.label, "secret part", self.secret.encode()),
                (self.label, "token-id part", self.token_id.encode())]


KEYS = {}


def key(label, **kwargs):
    KEYS[label] = Key(label, **kwargs)
    return KEYS[label]


# ---------------------------------------------------------------- recorders


class RawRecorder:
    """A TCP listener that keeps every byte it receives, connection by
    connection, answers @answer (the redirect target: 404; the proxy:
    nothing) and closes."""

    def __init__(self, host, answer):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.answer = answer
        self.connections = []
        self.accepted = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        data = b""
        conn.settimeout(2)
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            while m and len(rest) < int(m.group(1)):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                rest += chunk
                data += chunk
            conn.sendall(self.answer)
        except OSError:
            pass
        finally:
            conn.close()
            with self.lock:
                self.connections.append(data)

    def count(self):
        """Connections accepted so far, finished or not."""
        with self.lock:
            return self.accepted

    def received(self):
        """What finished connections sent; waits for those accepted."""
        wait_for(lambda: len(self.connections) == self.count(), "connections to finish")
        with self.lock:
            return list(self.connections)



# ---------------------------------------------------------------- processes


def read_proc(pid, what):
    try:
        with open(f"/proc/{pid}/{what}", "rb") as f:
            return f.read()
    except OSError:
        return b""


def children_of(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = read_proc(entry, "stat")
            # "pid (comm) state ppid …"; comm may hold spaces or parentheses.
            fields = stat[stat.rfind(b")") + 2:].split()
            if len(fields) > 1 and fields[1] == str(pid).encode():
                found.append(int(entry))
    return found


def process_state(pid):
    """The state letter of /proc/PID/stat (R, S, T…), or None once gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


class Run:
    """One process of the scenario: its output, and what /proc showed of it."""

    def __init__(self, label, args):
        self.label = label
        self.args = args
        self.stdout = b""
        self.stderr = b""
        self.returncode = None
        self.cmdlines = set()
        self.environs = set()
        self.child_environs = set()
        self.n_samples = 0
        self.seconds = 0.0
        self.checkpoint_times = []
        self.stdout_holds_key = None    # the key printed on stdout by design

    def sample(self, pid, follow_children=False):
        cmdline = read_proc(pid, "cmdline")
        environ = read_proc(pid, "environ")
        # A zombie shows neither: only a live process counts as a sample.
        if cmdline and environ:
            self.cmdlines.add(cmdline)
            self.environs.add(environ)
            self.n_samples += 1
        if follow_children:
            for child in children_of(pid):
                environ = read_proc(child, "environ")
                if environ:
                    self.child_environs.add(environ)


class Sampler:
    """Reads /proc/<pid>/{cmdline,environ} every few milliseconds until the
    process ends."""

    def __init__(self, run, pid, follow_children=False):
        self.run = run
        self.pid = pid
        self.follow_children = follow_children
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def __enter__(self):
        # Popen returns once the child has exec'd: this first sample is of
        # tessera, not of the fork of Python.
        self.run.sample(self.pid, self.follow_children)
        self.thread.start()
        return self

    def loop(self):
        while not self.done.wait(0.005):
            self.run.sample(self.pid, self.follow_children)
            # TESSERA_AUDIT_STOP_AT_EXIT: a run stops itself as it ends, so
            # that even one that fails at once is looked at; go on once seen.
            if process_state(self.pid) == "T":
                self.run.sample(self.pid, self.follow_children)
                try:
                    os.kill(self.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()


# ---------------------------------------------------------------- the audit


class Audit:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tessera-leak-audit.")
        self.home = os.path.join(self.dir, "home")
        self.keyring_dir = os.path.join(self.home, ".local/share/keyrings")
        self.keyfile = os.path.join(self.home, ".config/glib-2.0/settings/keyfile")
        self.runs = []
        self.servers = None
        self.urls = {}
        self.requests = {}
        self.minted = []
        self.keyring_items = []
        # Which keys each server may see in x-api-key: those of the
        # credentials configured for it, and those typed for it.
        self.allowed = {name: set() for name in ("main", "slow", "error", "redirect", "tls")}
        for sub in (".config", ".local/share/keyrings", ".cache", "runtime", "Documents"):
            os.makedirs(os.path.join(self.home, sub), exist_ok=True)
        os.chmod(os.path.join(self.home, "runtime"), 0o700)

        self.canary = Key("canary")
        self.target = RawRecorder("127.0.0.2", b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        self.proxy = RawRecorder("127.0.0.1", b"")
        proxy_url = f"http://127.0.0.1:{self.proxy.port}"

        env = {k: v for k, v in os.environ.items()
               if k not in ("SECRET_BACKEND", "SECRET_FILE_TEST_PATH", "SECRET_FILE_TEST_PASSWORD",
                            "no_proxy", "NO_PROXY", "G_DEBUG", "MALLOC_CHECK_")
               and not k.startswith("HARNESS_")}
        env.update({
            "HOME": self.home,
            "TESSERA_AUDIT_STOP_AT_EXIT": "1",
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "XDG_DATA_HOME": os.path.join(self.home, ".local/share"),
            "XDG_CACHE_HOME": os.path.join(self.home, ".cache"),
            "XDG_STATE_HOME": os.path.join(self.home, ".local/state"),
            "GSETTINGS_BACKEND": "keyfile",
            "GSETTINGS_SCHEMA_DIR": SCHEMA_DIR,
            "G_MESSAGES_DEBUG": "all",
            "LANG": "C.UTF-8",
            "LANGUAGE": "C",
            "LC_ALL": "C.UTF-8",
            "GTK_A11Y": "none",
            "NO_AT_BRIDGE": "1",
            # Every connection to another machine goes through this "proxy".
            "http_proxy": proxy_url, "https_proxy": proxy_url,
            "HTTP_PROXY": proxy_url, "HTTPS_PROXY": proxy_url,
            # Planted: every process's environment holds the canary.
            "TESSERA_AUDIT_CANARY": self.canary.value,
        })
        if SECRETS_BACKEND == "file":
            env.update({
                "SECRET_BACKEND": "file",
                "SECRET_FILE_TEST_PATH": os.path.join(self.keyring_dir, "tessera-audit.keyring"),
                "SECRET_FILE_TEST_PASSWORD": "tessera-audit-password",
                "XDG_RUNTIME_DIR": os.path.join(self.home, "runtime"),
            })
        self.env = env

    # -------------------------------------------------------- servers

    def start_servers(self, keys):
        self.servers = subprocess.Popen(
            [SERVERS, os.path.join(DATA_DIR, "test-self-signed.pem"), os.path.join(DATA_DIR, "test-key.pem")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={k: v for k, v in self.env.items() if k != "G_MESSAGES_DEBUG"})
        config = [f"redirect-to http://127.0.0.2:{self.target.port}/ng/api/token/validate",
                  f"account {ACCOUNT}"]
        for verdict, k, account in keys:
            config.append(f"token {verdict} {k.value}" + (f" {account}" if account else ""))
        config.append("start")
        self.servers.stdin.write(("\n".join(config) + "\n").encode())
        self.servers.stdin.flush()
        while True:
            line = self.servers.stdout.readline().decode()
            check(line, "the servers ended before they were ready")
            if line.strip() == "ready":
                break
            _, name, url = line.split()
            self.urls[name] = url

    def stop_servers(self):
        self.servers.stdin.close()
        out = self.servers.stdout.read()
        self.servers.wait(timeout=10)
        self.requests = json.loads(out)
        self.minted = self.requests.pop("minted")

    def url(self, server, k=None):
        """The base URL of @server, noting that @k may be sent there."""
        if k is not None:
            self.allowed[server].add(k.value)
        return self.urls[server]

    # -------------------------------------------------------- tessera

    def tessera(self, *args, stdin=b"", code=None, prints_key=None, exec_child=False):
        run = Run("tessera " + " ".join(args), [TESSERA, *args])
        start = time.monotonic()
        process = subprocess.Popen(run.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=self.env)
        with Sampler(run, process.pid, follow_children=exec_child):
            run.stdout, run.stderr = process.communicate(stdin, timeout=MAX_SECONDS)
        run.seconds = time.monotonic() - start
        run.returncode = process.returncode
        run.stdout_holds_key = prints_key
        self.runs.append(run)
        check(run.n_samples > 0, f"{run.label}: never sampled while it ran")
        if code is not None and run.returncode != code:
            raise Failure(f"{run.label}: exit {run.returncode}, expected {code}\n"
                          f"{run.stdout.decode(errors='replace')}\n{tail(run.stderr)}")
        return run

    def add(self, name, k, *options, code=0):
        return self.tessera("add", name, *options, stdin=(k.value + "\n").encode(), code=code)

    def window(self, config):
        """Runs the window scenario; samples it at each of its checkpoints."""
        run = Run("window scenario", [UI_PROGRAM, "--audit-canary=" + self.canary.secret])
        process = subprocess.Popen(run.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=self.env)
        checkpoints = queue.Queue()
        out, err = [], []

        def read_stdout():
            for line in process.stdout:
                out.append(line)
                m = re.match(rb"^# checkpoint (\S+)", line)
                if m:
                    checkpoints.put(m.group(1).decode())
            checkpoints.put(None)

        def read_stderr():
            for chunk in iter(lambda: process.stderr.read(65536), b""):
                err.append(chunk)

        readers = [threading.Thread(target=read_stdout, daemon=True),
                   threading.Thread(target=read_stderr, daemon=True)]
        for t in readers:
            t.start()
        seen = []
        start = time.monotonic()
        deadline = start + MAX_SECONDS
        with Sampler(run, process.pid):
            process.stdin.write(("\n".join(f"{k} {v}" for k, v in config.items()) + "\nend\n").encode())
            process.stdin.flush()
            while True:
                try:
                    name = checkpoints.get(timeout=max(deadline - time.monotonic(), 0.1))
                except queue.Empty:
                    process.kill()
                    raise Failure(f"the window scenario took more than {MAX_SECONDS} s; "
                                  f"checkpoints: {seen}\n{tail(b''.join(err))}")
                if name is None:
                    break
                before = run.n_samples
                run.sample(process.pid)
                check(run.n_samples > before, f"the window was not sampled at checkpoint {name}")
                seen.append(name)
                run.checkpoint_times.append((name, time.monotonic() - start))
                process.stdin.write(b"continue\n")
                process.stdin.flush()
            process.stdin.close()
            process.wait(timeout=MAX_SECONDS)
        for t in readers:
            t.join()
        run.stdout, run.stderr = b"".join(out), b"".join(err)
        run.returncode = process.returncode
        run.seconds = time.monotonic() - start
        self.runs.append(run)
        if b"1..0 # SKIP" in run.stdout:
            raise Skip("the window needs a display: run under build-aux/session")
        check(run.returncode == 0 and re.search(rb"(?m)^ok 1 ", run.stdout),
              f"the window scenario failed (exit {run.returncode}):\n"
              f"{tail(run.stdout, 40)}\n{tail(run.stderr, 20)}")
        return run, seen

    def read_keyring_items(self):
        """What other programs see of the keyring items without the key
        itself: labels and attributes (secret-tool prints the secret too,
        which is dropped). A canary item is planted first."""
        canary_schema = "io.github.tessera.Tessera.AuditCanary"
        r = subprocess.run(["secret-tool", "store", "--label", f"audit canary {self.canary.value}",
                            "xdg:schema", canary_schema, "audit-canary", self.canary.token_id],
                           input=b"canary", capture_output=True, env=self.env, timeout=30)
        check(r.returncode == 0, f"secret-tool store: {r.stderr!r}")
        # The file backend does not add xdg:schema to the items it stores;
        # the keyring of build-aux/session may hold other tests' items.
        seen = set()
        for attribute, value in (("xdg:schema", CREDENTIAL_SCHEMA), ("schema-version", "1"),
                                 ("audit-canary", self.canary.token_id)):
            r = subprocess.run(["secret-tool", "search", "--all", "--unlock", attribute, value],
                               capture_output=True, env=self.env, timeout=30)
            for item in re.split(rb"(?m)^(?=\[)", r.stdout):
                lines = [line for line in item.splitlines() if not line.startswith(b"secret = ")]
                label = next((line for line in lines if line.startswith(b"label = ")), b"")
                data = b"\n".join(lines)
                # The file backend's items have no path, and their labels
                # are all the same: those are told apart by the query
                # that found them, which no two queries share.
                if data in seen and not item.startswith(b"[no path]"):
                    continue
                seen.add(data)
                # Every item has this label, which names no credential
                # (issue 17, finding 6): ours are those holding our keys.
                secret = next((line[len(b"secret = "):] for line in item.splitlines()
                               if line.startswith(b"secret = ")), b"")
                if label == b"label = Harness API key (Tessera)" and secret in {k.value.encode() for k in KEYS.values()}:
                    self.keyring_items.append((CREDENTIAL_SCHEMA, data))
                elif label == f"label = audit canary {self.canary.value}".encode():
                    self.keyring_items.append((canary_schema, data))

    def clear_keyring_items(self):
        """The session's keyring outlives the run: take ours out of it."""
        clear = [("audit-canary", self.canary.token_id)]
        for _, data in self.keyring_items:
            m = re.search(rb"(?m)^attribute\.credential-id = (\S+)$", data)
            if m:
                clear.append(("credential-id", m.group(1).decode()))
        for attribute, value in clear:
            subprocess.run(["secret-tool", "clear", attribute, value], capture_output=True,
                           env=self.env, timeout=30)

    def cleanup(self):
        if not self.keyring_items:
            try:
                self.read_keyring_items()
            except Exception:
                pass
        self.clear_keyring_items()
        if self.servers is not None and self.servers.poll() is None:
            self.servers.kill()
            self.servers.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def tail(data, lines=15):
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return "\n".join(data.splitlines()[-lines:])


def direct_request(url, headers=None):
    """A request that bypasses every proxy: the canaries' way in."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10).read()
    except OSError:
        pass    # 4xx is an answer too: only what the server received counts


# ---------------------------------------------------------------- the scenario


def scenario(a):
    prod = key("Production PAT")
    sat = key("Service SAT", kind="sat")
    slow = key("Slow PAT")
    legacy = key("legacy PAT", legacy=True)
    revoked = key("revoked PAT")
    expired = key("expired PAT")
    broken = key("PAT for the failing server")
    untrusted = key("PAT for the untrusted server")
    moved = key("PAT for the redirecting server")
    insecure = key("PAT typed for http://example.invalid")
    canary_cred = key("Canary credential PAT")
    gui_add = key("window: added")
    gui_rejected = key("window: rejected")
    gui_expired = key("window: expired")
    gui_network = key("window: failing servers")
    gui_replace = key("window: replacement")

    a.start_servers([
        ("valid", prod, None), ("valid", sat, None), ("valid", slow, None),
        ("valid", legacy, ACCOUNT), ("expired", expired, None), ("valid", broken, None),
        ("valid", untrusted, None), ("valid", moved, None), ("valid", canary_cred, None),
        ("valid", gui_add, None), ("expired", gui_expired, None), ("valid", gui_network, None),
        ("valid", gui_replace, None),
    ])

    # Canaries, one in each place the search looks (the environment of
    # every process holds one already).
    with open(os.path.join(a.home, "Documents", "notes.txt"), "w") as f:
        f.write(f"planted by the audit: {a.canary.secret}\n")
    direct_request(f"{a.urls['main']}/ng/api/accounts/{ACCOUNT}?audit-canary={a.canary.value}")
    direct_request(f"http://127.0.0.2:{a.target.port}/audit-canary", {"x-api-key": a.canary.value})
    with socket.create_connection(("127.0.0.1", a.proxy.port)) as s:
        s.sendall(f"GET http://example.invalid/audit-canary HTTP/1.1\r\nHost: example.invalid\r\n"
                  f"x-api-key: {a.canary.value}\r\n\r\n".encode())
        s.recv(1024)
    wait_for(lambda: a.proxy.count() == 1 and a.target.count() == 1, "the canary requests")

    # ---- the command line adds
    r = a.add("Production", prod, "--description", "Deploys from the release pipeline", "--base-url", a.url("main", prod))
    check("Harness accepted" in r.stdout.decode(), f"add Production: {r.stdout!r}")
    a.add("Service", sat, "--base-url", a.url("main", sat))
    a.add("Slow lane", slow, "--base-url", a.url("slow", slow))      # sampled while in flight
    a.add("Legacy", legacy, "--account-id", ACCOUNT, "--base-url", a.url("main", legacy))
    a.add("Revoked", revoked, "--base-url", a.url("main", revoked), code=1)       # 401
    a.add("Revoked", revoked, "--base-url", a.url("main", revoked), "--no-verify")
    a.add("Expired", expired, "--base-url", a.url("main", expired), code=1)       # 401 expired
    a.add("Expired", expired, "--base-url", a.url("main", expired), "--no-verify")
    a.add("Broken server", broken, "--base-url", a.url("error", broken), code=2)  # 500
    a.add("Broken server", broken, "--base-url", a.url("error", broken), "--no-verify")
    a.add("Untrusted TLS", untrusted, "--base-url", a.url("tls", untrusted), code=2)
    a.add("Untrusted TLS", untrusted, "--base-url", a.url("tls", untrusted), "--no-verify")
    a.add("Moved", moved, "--base-url", a.url("redirect", moved), code=2)         # 302 elsewhere
    a.add("Moved", moved, "--base-url", a.url("redirect", moved), "--no-verify")
    # Planted: the canary's token-id part in a description, on a command line.
    a.add("Canary", canary_cred, "--description", f"audit canary {a.canary.token_id}",
          "--base-url", a.url("main", canary_cred), "--no-verify")

    # Plain http to another machine: refused before any connection.
    before = a.proxy.count()
    for options in ((), ("--no-verify",)):
        r = a.add("Insecure", insecure, "--base-url", "http://example.invalid", *options, code=4)
        check(b"https://" in r.stderr, f"the refusal says why: {r.stderr!r}")
    check(a.proxy.count() == before, "tessera add with http://example.invalid made a connection")
    # The control: https to the same name is tried, through the proxy.
    a.add("Remote", insecure, "--base-url", "https://example.invalid", code=2)
    wait_for(lambda: a.proxy.count() > before, "the https attempt at the proxy")
    check(a.proxy.received()[-1].startswith(b"CONNECT example.invalid:443 "),
          f"https://example.invalid went through the proxy as CONNECT: {a.proxy.received()[-1][:60]!r}")
    cli_proxy_connections = a.proxy.count() - before

    # ---- the window
    before = a.proxy.count()
    window, checkpoints = a.window({
        "url-main": a.url("main", gui_rejected), "url-slow": a.url("slow", gui_add),
        "url-error": a.url("error", gui_network), "url-tls": a.url("tls", gui_network),
        "url-redirect": a.url("redirect", gui_network),
        "key-gui-add": gui_add.value, "key-gui-rejected": gui_rejected.value,
        "key-gui-expired": gui_expired.value, "key-gui-network": gui_network.value,
        "key-gui-replace": gui_replace.value,
    })
    a.allowed["main"].add(gui_expired.value)
    a.allowed["slow"].add(gui_replace.value)
    check(checkpoints == ["window-open", "dialog-filled", "dialog-verifying", "replace-verifying",
                          "token-on-clipboard", "key-rotated", "before-close"], f"checkpoints of the window: {checkpoints}")
    check(a.proxy.count() > before, "the window's https://example.invalid attempt reached the proxy")

    # ---- the command line uses what is there
    r = a.tessera("list", code=0)
    names = r.stdout.decode()
    for name in ("Production", "Service", "Slow lane", "Legacy", "Revoked", "Expired", "Broken server",
                 "Untrusted TLS", "Moved", "Canary", "Deploy bot (edited)"):
        check(name in names, f"“{name}” in tessera list")
    check("Moved in window" not in names, "the credential deleted in the window is gone")
    check("Insecure" not in names and "Remote" not in names, "nothing saved for refused adds")
    listed = {c["name"]: c for c in json.loads(a.tessera("list", "--json", code=0).stdout)}
    check(all("••••" in (c["token_hint"] or "") for c in listed.values()), "every hint is masked")

    a.tessera("select", "Production", code=0)
    a.tessera("verify", code=0)
    a.tessera("verify", "Slow lane", code=0)       # sampled while in flight
    a.tessera("verify", "Untrusted TLS", code=2)
    a.tessera("verify", "--all", code=1)
    results = {x["name"]: x for x in json.loads(a.tessera("verify", "--all", "--json", code=1).stdout)}
    expected = {"Production": "verified", "Service": "verified", "Slow lane": "verified",
                "Legacy": "verified", "Revoked": "rejected", "Expired": "expired",
                "Broken server": "unreachable", "Untrusted TLS": "unreachable", "Moved": "unreachable",
                "Canary": "verified", "Deploy bot (edited)": "verified"}
    check({n: results[n]["status"] for n in expected} == expected,
          f"verify --all --json: {({n: x['status'] for n, x in results.items()})}")
    for name in ("Revoked", "Expired", "Broken server", "Untrusted TLS", "Moved"):
        check(results[name]["error"], f"an error for {name}")

    # By design: `token` prints the key, exec gives it to the child.
    r = a.tessera("token", code=0, prints_key=prod)
    check(r.stdout == (prod.value + "\n").encode(), "tessera token prints the selected key")
    r = a.tessera("token", "Deploy bot (edited)", code=0, prints_key=gui_replace)
    check(r.stdout == (gui_replace.value + "\n").encode(), "the key replaced in the window")
    r = a.tessera("exec", "--", "sh", "-c", "env; sleep 0.5", code=0, prints_key=prod, exec_child=True)
    check(f"HARNESS_API_KEY={prod.value}\n".encode() in r.stdout, "exec gives the key to its child")
    check(any(f"HARNESS_PLATFORM_API_KEY={prod.value}".encode() in e for e in r.child_environs),
          "the exec child's /proc/<pid>/environ was sampled and holds the key")
    r = a.tessera("exec", "--credential", "Legacy", "--", "sh", "-c",
                  'test -n "$HARNESS_API_KEY" && test "$HARNESS_ACCOUNT_ID" = ' + ACCOUNT, code=0)

    # Rotate and renew: Harness makes new keys, which must go nowhere
    # either. Which they are, the servers say once they stop.
    a.tessera("rotate", "Production", "--grace", "1h", code=0)
    a.tessera("renew", "Service", "--expires-in", "30d", code=0)
    new_key_runs = [a.tessera("token", "Production", code=0), a.tessera("token", "Service", code=0)]
    a.tessera("verify", "Production", code=0)
    a.tessera("verify", "Service", code=0)

    a.tessera("remove", "Revoked", code=0)
    a.tessera("remove", "Deploy bot (edited)", code=0)
    a.tessera("remove", "Service", "--revoke", code=0)
    a.tessera("list", "--json", code=0)

    a.stop_servers()
    check(len(a.minted) == 3, f"Harness made {len(a.minted)} keys, not 3 (rotate in the window, rotate, renew)")
    for n, value in enumerate(a.minted):
        k = KEYS.setdefault(f"made by Harness #{n + 1}", Key.minted(f"made by Harness #{n + 1}", value))
        # The new key authenticates what follows (renew's delete, verify).
        a.allowed["main"].add(k.value)
    for run in new_key_runs:
        printed = run.stdout.decode().strip()
        check(printed in a.minted, f"{run.label} gives a key Harness made")
        run.stdout_holds_key = next(k for k in KEYS.values() if k.value == printed)
    a.read_keyring_items()
    n_items = sum(1 for schema, _ in a.keyring_items if schema == CREDENTIAL_SCHEMA)
    check(n_items == len(json.loads(a.runs[-1].stdout)), f"{n_items} keyring items for the credentials")
    return window, cli_proxy_connections


def wait_for(condition, what, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise Failure(f"timed out waiting for {what}")
        time.sleep(0.01)


# ---------------------------------------------------------------- the search


def places(a):
    """(place, what, bytes) for everything searched."""
    found = []
    for run in a.runs:
        if run.stdout_holds_key is None:
            found.append(("output", f"stdout of {run.label}", run.stdout))
        found.append(("output", f"stderr of {run.label}", run.stderr))
        for n, sample in enumerate(sorted(run.cmdlines)):
            found.append(("argv", f"/proc cmdline of {run.label} #{n}", sample))
        for n, sample in enumerate(sorted(run.environs)):
            found.append(("environ", f"/proc environ of {run.label} #{n}", sample))
    if os.path.exists(a.keyfile):
        with open(a.keyfile, "rb") as f:
            found.append(("settings", "the GSettings keyfile", f.read()))
    for root, dirs, files in os.walk(a.home):
        if os.path.abspath(root) == os.path.abspath(a.keyring_dir):
            dirs[:] = []
            continue
        for name in files:
            path = os.path.join(root, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    found.append(("files", os.path.relpath(path, a.home), f.read()))
    for n, (schema, data) in enumerate(a.keyring_items):
        found.append(("keyring labels", f"{schema} item #{n}", data))
    for server, requests in a.requests.items():
        for n, request in enumerate(requests):
            found.append(("URLs", f"{server} request #{n}: {request['method']}",
                          (request["path"] + "?" + request["query"]).encode()))
    for n, data in enumerate(a.target.received()):
        found.append(("redirect target", f"connection #{n}", data))
    for n, data in enumerate(a.proxy.received()):
        found.append(("proxy", f"connection #{n}", data))
    return found


def search(found, needles):
    hits = []
    for place, what, data in found:
        for label, part, needle in needles:
            if needle in data:
                hits.append((place, what, label, part))
    return hits


def audit(a, window, cli_proxy_connections):
    found = places(a)
    kinds = PLACE_KINDS
    for kind in kinds:
        check(any(p == kind for p, _, _ in found), f"nothing searched in: {kind}")

    # The canary: found in every kind of place, so the search can fail.
    canary_hits = search(found, a.canary.needles())
    missing = [k for k in kinds if not any(h[0] == k for h in canary_hits)]
    check(not missing, f"the canary was not found in: {', '.join(missing)}")
    for run in a.runs:
        check(any(a.canary.value.encode() in e for e in run.environs),
              f"the canary in the sampled environment of {run.label}")
    check(any(a.canary.secret.encode() in c for c in window.cmdlines), "the canary in the window's argv")
    check(any(h[0] == "files" and h[1] == "Documents/notes.txt" for h in canary_hits), "the canary file")
    check(any(h[0] == "settings" and h[3] == "token-id part" for h in canary_hits), "the canary in settings")

    # The keys: found nowhere.
    needles = [n for k in KEYS.values() for n in k.needles()]
    hits = search(found, needles)
    for place, what, label, part in hits:
        log(f"LEAK: the {part} of the {label} key in {place}: {what}")
    check(not hits, f"{len(hits)} leaks")

    # Where a key is meant to be, it is: the search would have seen it.
    for run in a.runs:
        if run.stdout_holds_key is not None:
            check(run.stdout_holds_key.value.encode() in run.stdout, f"the key on the stdout of {run.label}")

    # x-api-key: only to the configured server; never to the redirect
    # target; never in plain text to the proxy.
    n_keyed = 0
    for server, requests in a.requests.items():
        for request in requests:
            for name, value in request["headers"]:
                if name.lower() == "x-api-key":
                    n_keyed += 1
                    check(value in a.allowed[server],
                          f"x-api-key for another server at {server}: {request['method']} {request['path']}")
    check(n_keyed > 0, "the servers received x-api-key at all")
    for data in a.target.received():
        if b"/audit-canary" not in data.split(b"\r\n", 1)[0]:
            check(b"x-api-key" not in data.lower(), "x-api-key reached the redirect target")
    tessera_at_target = sum(1 for d in a.target.received() if b"/audit-canary" not in d.split(b"\r\n", 1)[0])
    proxied = [d for d in a.proxy.received() if b"/audit-canary" not in d.split(b"\r\n", 1)[0]]
    for data in proxied:
        check(data.startswith(b"CONNECT "), f"plain http through the proxy: {data.split(b' ', 2)[:2]}")
        check(b"x-api-key" not in data.lower(), "x-api-key sent to the proxy in plain text")

    # Each kind of server was asked, but the one with the certificate
    # nobody trusts never saw a request: the key stayed home.
    for server in ("main", "slow", "error", "redirect"):
        check(a.requests[server], f"no request reached the {server} server")
    check(a.requests["tls"] == [], "a request went through the untrusted TLS connection")

    n_tessera = sum(1 for r in a.runs)
    screen = sum(len(re.findall(rb"(?m)^# screen: ", r.stdout)) for r in a.runs)
    figures = {
        "places": len(found),
        "by kind": {k: sum(1 for p, _, _ in found if p == k) for k in kinds},
        "keys": len(KEYS),
        "needles": len(needles),
        "tessera processes": n_tessera,
        "/proc samples": sum(r.n_samples for r in a.runs),
        "requests at the servers": sum(len(r) for r in a.requests.values()),
        "requests with x-api-key": n_keyed,
        "tessera requests at the redirect target": tessera_at_target,
        "CONNECTs through the proxy": len(proxied),
        "of them from the command line": cli_proxy_connections,
        "texts on screen": screen,
        "canary hits": len(canary_hits),
        "leaks": len(hits),
    }
    log("files searched under $HOME: " + ", ".join(w for p, w, _ in found if p == "files"))
    log("window checkpoints at: " + ", ".join(f"{n} {t:.1f} s" for r in a.runs for n, t in r.checkpoint_times))
    log("slowest: " + ", ".join(f"{r.label} {r.seconds:.1f} s" for r in
                                sorted(a.runs, key=lambda r: -r.seconds)[:3]))
    log("figures: " + json.dumps(figures, ensure_ascii=False))
    log(f"searched {len(found)} places ({', '.join(f'{k} {v}' for k, v in figures['by kind'].items())}) "
        f"for {len(KEYS)} keys as {len(needles)} strings (key, secret part, token-id part): "
        f"{len(hits)} found; the canary was found {len(canary_hits)} times in all {len(kinds)} kinds of place")


def main():
    print("1..1")
    a = Audit()
    start = time.monotonic()
    try:
        if SECRETS_BACKEND == "gnome-keyring" and not gnome_keyring_available():
            raise Skip("no gnome-keyring on a session bus (run under build-aux/session)")
        window, cli_proxy_connections = scenario(a)
        audit(a, window, cli_proxy_connections)
        print(f"ok 1 - token-leak audit, {SECRETS_BACKEND} ({time.monotonic() - start:.1f} s)")
        return 0
    except Skip as e:
        print(f"ok 1 - token-leak audit # SKIP {e}")
        return 0
    except Failure as e:
        print("not ok 1 - token-leak audit")
        log(str(e))
        return 1
    except Exception:
        print("not ok 1 - token-leak audit")
        log(traceback.format_exc())
        return 1
    finally:
        a.cleanup()


def gnome_keyring_available():
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    r = subprocess.run(["gdbus", "call", "--session", "-d", "org.freedesktop.DBus",
                        "-o", "/org/freedesktop/DBus", "-m", "org.freedesktop.DBus.NameHasOwner",
                        "org.freedesktop.secrets"], capture_output=True, text=True)
    return r.returncode == 0 and "true" in r.stdout


if __name__ == "__main__":
    sys.exit(main())
