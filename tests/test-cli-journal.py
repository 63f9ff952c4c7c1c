#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-journal.py TESSERA FAKE_HARNESS SCHEMA_DIR [--secrets=…]: nothing
left behind when `tessera` is interrupted or killed (issue 17, findings 1
and 2).

Each store operation records what it is about to write in the "pending"
settings key; the next `tessera add`, `remove` or `verify` (and the window
after its first frame) finishes or undoes the operations of processes
that are gone, then sweeps keyring items and settings groups that no
listed credential owns, older than a minute.

The fault matrix sends SIGTERM and SIGKILL at random moments of `tessera
add` and `tessera remove` (seeded: the seed is printed, TESSERA_FAULT_SEED
replays a run; TESSERA_FAULT_ROUNDS sets how many of each), counts what
they left, runs one recovering command, and checks that nothing is left.
Run from the build tree, the core reads TESSERA_TEST_SKIP_RECOVERY (no
recovery: the kills' leftovers pile up) and TESSERA_TEST_AGE_OFFSET_S
(everything looks that much older: no waiting a minute).

How cases run: tests/cli_harness.py.
"""

import json
import os
import random
import re
import signal
import subprocess
import sys
import time

from cli_harness import *  # noqa: F401,F403 (Case, case, HARNESS, checks, …)

SCHEMA = "io.github.tessera.Tessera.Credential"
OLDER = {"TESSERA_TEST_AGE_OFFSET_S": "120"}
NO_RECOVERY = {"TESSERA_TEST_SKIP_RECOVERY": "1"}
ROUNDS = int(os.environ.get("TESSERA_FAULT_ROUNDS") or 100)


def make_key(n):
    return f"pat.{ACCOUNT}.{n:024x}.{('J' + str(n)).ljust(20, 'y')[:20]}"


def keyring_items(c):
    """The credential-id of every keyring item of ours. (libsecret's file
    backend does not match "xdg:schema": search by our other attribute.)"""
    r = subprocess.run(["secret-tool", "search", "--all", "--unlock", "schema-version", "1"],
                       capture_output=True, text=True, env=c.env, timeout=30)
    return sorted(line.split(" = ", 1)[1] for line in (r.stdout + r.stderr).splitlines()
                  if line.startswith("attribute.credential-id = "))


def store_item(c, secret_id, key):
    """A keyring item of our schema, as an interrupted add leaves it."""
    c.secret(key)
    subprocess.run(["secret-tool", "store", "--label", "Tessera credential",
                    "xdg:schema", SCHEMA, "credential-id", secret_id, "schema-version", "1"],
                   input=key, text=True, env=c.env, timeout=30, check=True, capture_output=True)


def read_keyfile(c):
    """(the credentials list, the pending entries, {id: {key: value}})."""
    listed, pending, groups, group = [], [], {}, None
    if not os.path.exists(c.keyfile):
        return listed, pending, groups
    with open(c.keyfile) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("["):
                group = line[1:-1]
            elif "=" in line and group is not None:
                k, v = line.split("=", 1)
                if group == "io/github/tessera/Tessera" and k == "credentials":
                    listed = re.findall(r"'([^']*)'", v)
                elif group == "io/github/tessera/Tessera" and k == "pending":
                    pending = re.findall(r"'([^']*)'", v)
                elif group.startswith("io/github/tessera/Tessera/credentials/"):
                    groups.setdefault(group.rsplit("/", 1)[1], {})[k] = v
    return listed, pending, groups


def write_keyfile_lines(c, lines):
    """Appends settings as a process killed mid-write would leave them."""
    os.makedirs(os.path.dirname(c.keyfile), exist_ok=True)
    with open(c.keyfile, "a") as f:
        f.write("\n" + "\n".join(lines) + "\n")


def set_pending(c, entries):
    """Replaces the pending entries in the keyfile (no tessera running)."""
    with open(c.keyfile) as f:
        text = f.read()
    value = "pending=[" + ", ".join(f"'{e}'" for e in entries) + "]"
    if re.search(r"^pending=.*$", text, re.M):
        text = re.sub(r"^pending=.*$", value, text, flags=re.M)
    else:
        text = text.replace("[io/github/tessera/Tessera]\n", "[io/github/tessera/Tessera]\n" + value + "\n", 1)
    with open(c.keyfile, "w") as f:
        f.write(text)


def orphans(c):
    """What no listed credential owns: keyring items, settings groups, and
    listed credentials without their key."""
    listed, pending, groups = read_keyfile(c)
    items = keyring_items(c)
    owned = set()
    for cid in listed:
        owned.add(groups.get(cid, {}).get("secret-id", "'" + cid + "'").strip("'"))
    return {
        "items": [i for i in items if i not in owned],
        "groups": [g for g in groups if g not in listed],
        "keyless": [cid for cid in listed if groups.get(cid, {}).get("secret-id", "").strip("'") not in items],
        "pending": pending,
    }


def check_clean(c, what, young_others=False):
    """@young_others: build-aux/session's gnome-keyring may hold other
    cases' items younger than a minute, which no sweep may touch."""
    left = orphans(c)
    listed, _pending, groups = read_keyfile(c)
    check_equal(left["groups"], [], f"{what}: settings groups without a listed credential")
    check_equal(left["keyless"], [], f"{what}: listed credentials without their key")
    if young_others and c.keyring != "file":
        return left
    check_equal(left["items"], [], f"{what}: keyring items no listed credential owns")
    check_equal(len(keyring_items(c)), len(listed), f"{what}: as many keyring items as listed credentials")
    for cid in listed:
        check("name" in groups.get(cid, {}), f"{what}: listed credential {cid} has its settings")
    return left


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def entry(op, cid, secret, other="-", started=None, pid=None):
    pidns = os.readlink("/proc/self/ns/pid")
    return f"{op} {cid} {secret} {other} {int(started or time.time())} {pid or dead_pid()} {pidns} 0"


# ---------------------------------------------------------------- the journal


@case
def journal_written_and_cleared(c):
    """A finished add and remove leave no pending entry; an add's entry
    names its ids, the owner's pid, never the key."""
    c.add("Production", make_key(1), "--no-verify")
    listed, pending, groups = read_keyfile(c)
    check_equal(pending, [], "pending entries after an add")
    check_equal(len(listed), 1, "one credential listed")
    c.run("remove", "Production", code=0)
    listed, pending, groups = read_keyfile(c)
    check_equal(pending, [], "pending entries after a remove")
    check_equal((listed, groups, keyring_items(c)), ([], {}, []), "nothing left after the remove")

    # The entry as it is while the add runs: stop it right after writing it.
    p = subprocess.Popen([TESSERA, "add", "Staging", "--no-verify"], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(c.env, **NO_RECOVERY))
    p.stdin.write((c.secret(make_key(2)) + "\n").encode())
    p.stdin.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not read_keyfile(c)[1] and p.poll() is None:
        time.sleep(0.001)
    pending = read_keyfile(c)[1]
    p.kill()
    p.wait()
    if not pending:
        raise Skip("the add ended before its entry could be read")
    fields = pending[0].split(" ")
    check_equal(len(fields), 8, f"fields of {pending[0]!r}")
    check_equal(fields[0], "add", "the operation")
    check_equal(fields[1], fields[2], "the first key is keyed by the credential id")
    check_equal(fields[5], str(p.pid), "the owner's pid")


@case
def journal_rolls_back_a_killed_add(c):
    """An add killed after storing the key and writing settings, before
    listing the id: the next command deletes both, young as they are."""
    c.add("Production", make_key(1), "--no-verify")
    kept = keyring_items(c)
    store_item(c, "killed-add-0001", make_key(2))
    write_keyfile_lines(c, ["[io/github/tessera/Tessera/credentials/killed-add-0001]",
                            "name='Staging'", f"created={int(time.time())}", "secret-id='killed-add-0001'"])
    set_pending(c, [entry("add", "killed-add-0001", "killed-add-0001")])
    check("killed-add-0001" in orphans(c)["items"], "the killed add's key before")

    c.run("verify", "--all", code=None)
    check("killed-add-0001" not in keyring_items(c), "the killed add's key is gone, young as it is")
    check(set(kept) <= set(keyring_items(c)), "the listed credential's key stays")
    check_clean(c, "after verify", young_others=True)
    check_equal(read_keyfile(c)[1], [], "the entry is gone")
    check_equal(c.names(), ["Production"], "the list")


@case
def journal_finishes_a_killed_remove(c):
    """A remove killed after the journal and before the list write (or
    after it, before the key went): the next command finishes it."""
    c.add("Production", make_key(1), "--no-verify")
    c.add("Staging", make_key(2), "--no-verify")
    ids = {x["name"]: x["id"] for x in c.credentials()}
    set_pending(c, [entry("remove", ids["Staging"], ids["Staging"])])

    c.run("add", "Testing", "--no-verify", stdin=c.secret(make_key(3)) + "\n", code=0)
    check_equal(sorted(c.names()), ["Production", "Testing"], "Staging's removal was finished")
    check_clean(c, "after the next add")
    check_equal(read_keyfile(c)[1], [], "the entry is gone")


@case
def journal_keeps_the_key_settings_name(c):
    """A key replacement killed midway: the item the settings name stays,
    the other goes, whichever step it reached."""
    c.add("Production", make_key(1), "--no-verify")
    c.add("Staging", make_key(2), "--no-verify")
    ids = {x["name"]: x["id"] for x in c.credentials()}
    # Production: killed after storing the new item (settings name the old).
    store_item(c, "new-item-0001", make_key(3))
    # Staging: killed after the settings named the new item.
    store_item(c, "new-item-0002", make_key(4))
    with open(c.keyfile) as f:
        text = f.read()
    group = f"[io/github/tessera/Tessera/credentials/{ids['Staging']}]\n"
    head, _, rest = text.partition(group)
    rest = re.sub(r"^secret-id=.*$", "secret-id='new-item-0002'", rest, count=1, flags=re.M)
    with open(c.keyfile, "w") as f:
        f.write(head + group + rest)
    set_pending(c, [entry("replace", ids["Production"], "new-item-0001", ids["Production"]),
                    entry("replace", ids["Staging"], "new-item-0002", ids["Staging"])])

    c.run("verify", "--all", code=None)
    check_equal(keyring_items(c), sorted([ids["Production"], "new-item-0002"]), "the named items stay")
    check_equal(c.run("token", "Production", code=0, may_print_secret=True).out.strip(), make_key(1), "Production's key")
    check_equal(c.run("token", "Staging", code=0, may_print_secret=True).out.strip(), make_key(4), "Staging's new key")
    check_clean(c, "after verify")


@case
def journal_leaves_live_operations_alone(c):
    """An entry whose owner still runs is not touched, nor what it names,
    even when it looks old."""
    c.add("Production", make_key(1), "--no-verify")
    store_item(c, "live-add-0001", make_key(2))
    live = entry("add", "live-add-0001", "live-add-0001", pid=os.getpid(),
                 started=time.time() - 3600)
    # Our own start time, as the core reads it.
    with open("/proc/self/stat") as f:
        pstart = f.read().rsplit(")", 1)[1].split()[19]
    live = live.rsplit(" ", 1)[0] + " " + pstart
    set_pending(c, [live])
    c.run("verify", "--all", code=None, env=OLDER)
    check("live-add-0001" in keyring_items(c), "the live add's key stays")
    check_equal(read_keyfile(c)[1], [live], "its entry stays")


# ---------------------------------------------------------------- the sweep


@case
def sweep_removes_what_no_credential_owns(c):
    """Keyring items and settings groups without a listed credential: kept
    while younger than a minute, removed once older; listed credentials
    keep theirs."""
    c.add("Production", make_key(1), "--no-verify")
    store_item(c, "orphan-item-0001", make_key(2))
    write_keyfile_lines(c, ["[io/github/tessera/Tessera/credentials/orphan-group-0001]",
                            "name='Gone'", f"created={int(time.time())}"])
    before = orphans(c)
    # (gnome-keyring: other cases' items may be there too.)
    check("orphan-item-0001" in before["items"] and before["groups"] == ["orphan-group-0001"], f"orphans made: {before}")

    c.run("verify", "--all", code=None)
    young = orphans(c)
    check("orphan-item-0001" in young["items"] and young["groups"] == ["orphan-group-0001"],
          f"nothing younger than a minute is swept: {young}")

    c.run("verify", "--all", code=None, env=OLDER)
    check_clean(c, "after the sweep")
    check_equal(c.run("token", "Production", code=0, may_print_secret=True).out.strip(), make_key(1),
                "the listed credential's key")


# ---------------------------------------------------------------- verify --all beside a remove


class HoldingHarness:
    """Passes requests on to the fake Harness, but holds the answer for
    one key until released: a credential removed while its check is in
    flight, every time at the same step."""

    def __init__(self, held_key):
        import http.server
        import threading
        import urllib.request
        self.arrived = threading.Event()
        self.release = threading.Event()
        holder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.headers.get("x-api-key") == held_key:
                    holder.arrived.set()
                    holder.release.wait(30)
                request = urllib.request.Request(HARNESS.base_url + self.path, data=body, method=self.command,
                                                 headers={k: v for k, v in self.headers.items()
                                                          if k.lower() not in ("host", "content-length")})
                try:
                    with urllib.request.urlopen(request, timeout=10) as r:
                        status, ctype, data = r.status, r.headers.get("Content-Type"), r.read()
                except urllib.error.HTTPError as e:
                    status, ctype, data = e.code, e.headers.get("Content-Type"), e.read()
                self.send_response(status)
                self.send_header("Content-Type", ctype or "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@case
def verify_all_beside_a_remove(c):
    """Issue 17, finding 11: `verify --all` while another process removes a
    credential it is checking: that one is reported as removed (not a
    failure, its name as it was), the others as checked, and the exit
    status is the same every time."""
    outcomes = set()
    for round in range(3):
        production = c.secret(HARNESS.key("valid"))
        staging = c.secret(HARNESS.key("valid", kind="sat"))
        with HoldingHarness(staging) as fake:
            c.add("Production", production, "--base-url", fake.base_url, "--no-verify")
            c.add("Staging", staging, "--base-url", fake.base_url, "--no-verify")
            p = subprocess.Popen([TESSERA, "verify", "--all", "--json"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=c.env)
            check(fake.arrived.wait(20), "the check of Staging reached Harness")
            c.run("remove", "Staging", code=0)
            fake.release.set()
            out, err = p.communicate(timeout=60)
        shown = {x["name"]: x for x in json.loads(out)}
        outcomes.add((p.returncode, tuple(sorted((n, x["status"]) for n, x in shown.items()))))
        check_equal(p.returncode, 0, f"round {round}: exit status\n{tail(err.decode())}")
        check_equal(shown["Staging"]["status"], "removed", f"round {round}: Staging")
        check_equal(shown["Production"]["status"], "verified", f"round {round}: Production")
        check_equal(c.names(), ["Production"], f"round {round}: the list")
        listed, _pending, groups = read_keyfile(c)
        check_equal(sorted(groups), sorted(listed), f"round {round}: no settings brought back for Staging")
        c.run("remove", "Production", code=0)
    check_equal(len(outcomes), 1, f"the same outcome every round ({outcomes})")

    # In words: removed, and not counted.
    with HoldingHarness(c.secret(HARNESS.key("valid", kind="sat"))) as fake:
        c.add("Production", c.secret(HARNESS.key("valid")), "--base-url", fake.base_url, "--no-verify")
        c.add("Staging", HARNESS.key("valid", kind="sat"), "--base-url", fake.base_url, "--no-verify")
        p = subprocess.Popen([TESSERA, "verify", "--all"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=c.env)
        check(fake.arrived.wait(20), "the check of Staging reached Harness")
        c.run("remove", "Staging", code=0)
        fake.release.set()
        out, err = p.communicate(timeout=60)
    lines = out.decode().splitlines()
    check_equal(p.returncode, 0, "exit status")
    check(any(line.startswith("Staging:") and "Removed" in line for line in lines), f"Staging removed: {lines}")
    check(any(line.startswith("Production:") and "Verified" in line for line in lines), f"Production: {lines}")


# ---------------------------------------------------------------- the fault matrix


def timed(c, args, stdin):
    t = time.monotonic()
    c.run(*args, stdin=stdin, code=0, env=NO_RECOVERY)
    return time.monotonic() - t


def interrupted(c, rng, sig, args, stdin, span):
    """Runs tessera @args and sends @sig after a random moment of @span."""
    env = dict(c.env, **NO_RECOVERY)
    p = subprocess.Popen([TESSERA, *args], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env)
    p.stdin.write(stdin.encode())
    p.stdin.close()
    time.sleep(rng.uniform(0, span))
    if p.poll() is None:
        p.send_signal(sig)
    err = p.stderr.read().decode("utf-8", "replace")
    code = p.wait(timeout=60)
    if sig == signal.SIGTERM:
        # 130 once main() catches it (before that the default action ends
        # the process, which has written nothing yet); 0 if it came late;
        # 5 when the keyring call it cancelled reported its own failure.
        check(code in (0, 5, 130, -signal.SIGTERM), f"tessera {args[0]} after SIGTERM: exit {code}\n{tail(err)}")
    return code


def fault_matrix(c):
    seed = int(os.environ.get("TESSERA_FAULT_SEED") or random.SystemRandom().randrange(1 << 32))
    print(f"# fault matrix seed {seed} (TESSERA_FAULT_SEED={seed} replays it), {ROUNDS} rounds")
    rng = random.Random(seed)
    n = 10
    c.add("Base", make_key(n), "--no-verify")
    add_span = max(timed(c, ("add", "Measure", "--no-verify"), c.secret(make_key(n + 1)) + "\n") for _ in range(1))
    remove_span = timed(c, ("remove", "Measure"), "")
    counts = {"SIGTERM": [0, 0], "SIGKILL": [0, 0]}
    exits = {}
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for i in range(ROUNDS):
            n += 2
            name = f"{sig.name[3:].capitalize()}{i}"
            if rng.random() < 0.5:
                code = interrupted(c, rng, sig, ("add", name, "--no-verify"),
                                   c.secret(make_key(n)) + "\n", add_span * 1.2)
                counts[sig.name][0] += 1
                exits[(sig.name, "add", code)] = exits.get((sig.name, "add", code), 0) + 1
            else:
                c.run("add", name, "--no-verify", stdin=c.secret(make_key(n + 1)) + "\n", code=0, env=NO_RECOVERY)
                code = interrupted(c, rng, sig, ("remove", name), "", remove_span * 1.2)
                counts[sig.name][1] += 1
                exits[(sig.name, "remove", code)] = exits.get((sig.name, "remove", code), 0) + 1
    before = orphans(c)
    listed = read_keyfile(c)[0]
    print(f"# {counts['SIGTERM'][0]} adds and {counts['SIGTERM'][1]} removes got SIGTERM, "
          f"{counts['SIGKILL'][0]} and {counts['SIGKILL'][1]} SIGKILL (add {add_span:.2f} s, remove {remove_span:.2f} s)")
    print("# exit statuses: " + ", ".join(f"{s} {op} {code}: {k}" for (s, op, code), k in sorted(exits.items())))
    print(f"# before recovery: {len(listed)} listed, {len(before['items'])} keyring items and "
          f"{len(before['groups'])} settings groups no credential owns, {len(before['keyless'])} listed without "
          f"a key, {len(before['pending'])} pending entries")
    check(before["items"] or before["groups"] or before["pending"],
          "the kills left something to recover (else the matrix shows nothing)")

    # One recovering command, everything made to look older than a minute.
    c.run("verify", "--all", code=None, env=OLDER)
    after = check_clean(c, f"seed {seed}, after one recovery")
    print(f"# after recovery: {len(read_keyfile(c)[0])} listed, {len(after['items'])} items, "
          f"{len(after['groups'])} groups, {len(after['pending'])} pending")
    check_equal(after["pending"], [], "no pending entry is left")
    for x in c.credentials():
        c.run("token", x["name"], code=0, may_print_secret=True)


def built_with_asan():
    """Whether the tessera under test is the sanitizer build (meson sets
    ASAN_OPTIONS for every test, so the environment cannot tell)."""
    r = subprocess.run(["ldd", TESSERA], capture_output=True, text=True)
    return "libasan" in r.stdout


@case
def fault_matrix_add_remove(c):
    # Under the sanitizers a command takes several times as long and a
    # killed process reports nothing to them: the 200 random kills would
    # measure the sanitizers' timing, not recovery (and may miss every
    # moment that leaves something behind). The normal build runs it.
    if built_with_asan():
        raise Skip("the kill matrix runs in the normal build")
    fault_matrix(c)


@case
def fault_matrix_rotate(c):
    """SIGKILL at a random moment of `tessera rotate` (a new key from
    Harness replaces the stored one: the new item, the settings, the old
    item deleted): after one recovery, each credential's key is the one
    its settings name, and no other item is left."""
    seed = int(os.environ.get("TESSERA_FAULT_SEED") or random.SystemRandom().randrange(1 << 32))
    rounds = max(ROUNDS // 4, 5)
    print(f"# rotate kill seed {seed}, {rounds} rounds")
    rng = random.Random(seed)
    with LifecycleHarness() as fake:
        c.add("Laptop", c.secret(fake.key("valid")), "--base-url", fake.base_url)
        t = time.monotonic()
        c.run("rotate", "Laptop", "--grace", "1h", code=0, env=NO_RECOVERY)
        span = time.monotonic() - t
        c.run("rotate", "Laptop", "--grace", "1h", code=0, env=NO_RECOVERY)
        for i in range(rounds):
            env = dict(c.env, **NO_RECOVERY)
            p = subprocess.Popen([TESSERA, "rotate", "Laptop", "--grace", "1h"], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            time.sleep(rng.uniform(0, span * 1.2))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
            p.wait(timeout=60)
        before = orphans(c)
        print(f"# before recovery: {len(before['items'])} keyring items no credential owns, "
              f"{len(before['keyless'])} listed without a key, {len(before['pending'])} pending entries")
        c.run("verify", "--all", code=None, env=OLDER)
        after = check_clean(c, f"rotate seed {seed}, after one recovery")
        check_equal(after["pending"], [], "no pending entry is left")
        print(f"# after recovery: {len(after['items'])} items, {len(after['pending'])} pending")
        key = c.secret(c.run("token", "Laptop", code=0, may_print_secret=True).out.strip())
        check(key.startswith("pat."), "Laptop still has a key")


# Against build-aux/session's gnome-keyring too (its other items, older
# than a minute and owned by no credential here, are swept as well).
sys.exit(main(["journal_rolls_back_a_killed_add", "sweep_removes_what_no_credential_owns",
               "fault_matrix_add_remove"]))
