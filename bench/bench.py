#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tessera's benchmarks: run by build-aux/bench inside build-aux/session.

    bench.py BUILD_DIR SOURCE_DIR [--runs N] [--quick]

Every timing is a median of N (>= 7) runs, Tessera and its reference
interleaved in the same loop, and reported as a ratio: absolute times on
a shared machine are noise. Prints a table and writes bench/RESULTS.md.
It reports; it never fails because a target was missed.
"""

import argparse
import datetime
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SECRETS = "org.freedesktop.secrets"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def parse_pairs(line):
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-0-9.]+)", line)}


class Bench:
    def __init__(self, build, source, runs):
        self.build = build
        self.source = source
        self.runs = runs
        self.rows = []      # (figure, tessera, reference, ratio, target, met)
        self.notes = []
        self.tessera = os.path.join(build, "src", "tessera")
        self.mapwatch = os.path.join(build, "bench", "mapwatch")
        self.bare = os.path.join(build, "bench", "bare-window")
        self.seed_exe = os.path.join(build, "bench", "tessera-seed")
        self.bench_exe = os.path.join(build, "bench", "tessera-bench")
        self.runstat_exe = os.path.join(build, "bench", "runstat")
        self.seahorse = shutil.which("seahorse")
        self.backend = "dconf"   # GSettings' backend for what runs now

    # -- helpers ---------------------------------------------------------

    def env(self):
        """The environment of every program run: GSettings' backend as
        chosen (the keyfile one is what the Flatpak uses)."""
        env = dict(os.environ)
        if self.backend == "keyfile":
            env["GSETTINGS_BACKEND"] = "keyfile"
        else:
            env.pop("GSETTINGS_BACKEND", None)
        return env

    def run(self, argv, timeout=600, check=True, **kwargs):
        kwargs.setdefault("env", self.env())
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
        if check and proc.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), proc.returncode,
                                                     proc.stderr.strip()[-2000:]))
        return proc

    def seed(self, count, *extra):
        out = self.run([self.seed_exe, "--count", str(count)] + list(extra), timeout=1800)
        log("  seed:", out.stdout.strip())
        return parse_pairs(out.stdout)

    def mapwatch_run(self, argv, settle_ms=1000):
        out = self.run([self.mapwatch, "--settle-ms", str(settle_ms), "--timeout-ms", "120000", "--"] + argv,
                       timeout=300)
        return parse_pairs(out.stdout)

    def wall_ms(self, argv, stdin=None):
        start = time.monotonic()
        self.run(argv, input=stdin)
        return (time.monotonic() - start) * 1000

    def row(self, figure, tessera, reference, ratio, target, met):
        self.rows.append((figure, tessera, reference, ratio, target, met))
        log("  %-48s %-14s %-14s %-8s %-10s %s" % (figure, tessera, reference, ratio, target, met))

    # -- 1 and 6: start-up and memory ------------------------------------

    def startup(self, count, targets):
        """Interleaved: bare reference, Tessera, Seahorse (when installed)."""
        programs = [("bare", [self.bare]), ("tessera", [self.tessera])]
        if self.seahorse:
            programs.append(("seahorse", [self.seahorse]))
        samples = {name: [] for name, _ in programs}
        for i in range(self.runs):
            for name, argv in programs:
                samples[name].append(self.mapwatch_run(argv))
            log("  start-up %d credentials, run %d/%d: %s" % (
                count, i + 1, self.runs,
                " ".join("%s=%.0fms" % (n, samples[n][-1]["map_ms"]) for n, _ in programs)))

        med = {n: statistics.median(s["map_ms"] for s in samples[n]) for n in samples}
        rss = {n: statistics.median(s["rss_kib"] for s in samples[n]) for n in samples}
        target = targets.get(count)
        ratio = med["tessera"] / med["bare"]
        self.row("Start-up to map, %d credentials, %s" % (count, self.backend),
                 "%.0f ms" % med["tessera"], "%.0f ms (bare)" % med["bare"], "%.2f×" % ratio,
                 "≤ %g×" % target if target else "—",
                 ("yes" if ratio <= target else "NO") if target else "—")
        if "seahorse" in med:
            sratio = med["seahorse"] / med["bare"]
            self.row("Seahorse start-up to map (keyring as seeded)",
                     "%.0f ms" % med["seahorse"], "%.0f ms (bare)" % med["bare"], "%.2f×" % sratio,
                     "—", "—")
            self.row("Tessera vs Seahorse start-up, %d credentials, %s" % (count, self.backend),
                     "%.0f ms" % med["tessera"], "%.0f ms (Seahorse)" % med["seahorse"],
                     "%.2f×" % (med["tessera"] / med["seahorse"]), "< 1×",
                     "yes" if med["tessera"] < med["seahorse"] else "NO")
        self.row("Peak RSS, %d credentials, %s" % (count, self.backend),
                 "%.0f MiB" % (rss["tessera"] / 1024), "%.0f MiB (bare)" % (rss["bare"] / 1024),
                 "%.2f×" % (rss["tessera"] / rss["bare"]), "report", "—")
        return med

    # -- 2: Secret Service calls before the first frame ------------------

    def secret_calls(self, label, runs=3):
        """dbus-monitor on the session bus, calls to the Secret Service,
        counted between exec and the window's MapNotify, and after it
        within the settle time."""
        # GDBusProxy sends to the unique name of the owner once it knows
        # it: watch both names.
        owner = re.search(r"'(:[0-9.]+)'", self.run(
            ["gdbus", "call", "--session", "-d", "org.freedesktop.DBus", "-o", "/org/freedesktop/DBus",
             "-m", "org.freedesktop.DBus.GetNameOwner", SECRETS]).stdout).group(1)
        names = "(?:%s|%s)" % (re.escape(SECRETS), re.escape(owner))
        before, after = [], []
        for _ in range(runs):
            with tempfile.NamedTemporaryFile("w+", suffix=".log") as out:
                monitor = subprocess.Popen(
                    ["dbus-monitor", "--session", "destination='%s'" % SECRETS, "destination='%s'" % owner],
                    stdout=out, stderr=subprocess.DEVNULL)
                time.sleep(0.5)
                result = self.mapwatch_run([self.tessera], settle_ms=2000)
                time.sleep(0.3)
                monitor.terminate()
                monitor.wait()
                out.seek(0)
                times = [float(t) for t in re.findall(
                    r"^method call time=([0-9.]+) .*destination=%s " % names,
                    out.read(), re.M)]
            before.append(sum(1 for t in times if result["start_epoch"] <= t <= result["map_epoch"]))
            after.append(sum(1 for t in times if t > result["map_epoch"]))
        self.row("Secret Service calls before map, %s" % label,
                 "%d" % max(before), "0", "—", "= 0", "yes" if max(before) == 0 else "NO")
        return before, after

    # -- 3 and 4: tiles and filter ---------------------------------------

    def tiles(self):
        out = parse_pairs(self.run([self.bench_exe, "tiles"]).stdout)
        self.row("Tile widgets alive, %d credentials" % out["credentials"],
                 "%d (peak)" % out["tiles_peak"], "—", "—", "≤ 200",
                 "yes" if out["tiles_peak"] <= 200 else "NO")
        return out

    def filter(self):
        results = [parse_pairs(self.run([self.bench_exe, "filter"]).stdout) for _ in range(3)]
        settle = statistics.median(r["settle_median_ms"] for r in results)
        frame = statistics.median(r["frame_median_ms"] for r in results)
        p90 = statistics.median(r["settle_p90_ms"] for r in results)
        self.row("Filter latency, %d credentials (median)" % results[0]["credentials"],
                 "%.1f ms" % settle, "—", "—", "≤ 16 ms", "yes" if settle <= 16 else "NO")
        self.notes.append("Filter: %d keystrokes per run, 3 runs; median of run medians %.1f ms, p90 %.1f ms; "
                          "to the next painted frame %.1f ms."
                          % (results[0]["keystrokes"], settle, p90, frame))
        return settle

    # -- 5: verify-all ---------------------------------------------------

    def verify_all(self):
        samples = []
        for i in range(self.runs):
            out = parse_pairs(self.run([self.bench_exe, "verify-all", "--count", "200", "--delay-ms", "100"],
                                       timeout=900).stdout)
            samples.append(out)
            log("  verify-all run %d/%d: %.0f ms (ideal %.0f ms)" % (i + 1, self.runs, out["wall_ms"], out["ideal_ms"]))
        wall = statistics.median(s["wall_ms"] for s in samples)
        ideal = samples[0]["ideal_ms"]
        ratio = wall / ideal
        self.row("Verify-all 200, 100 ms fake (concurrency %d)" % samples[0]["concurrency"],
                 "%.0f ms" % wall, "%.0f ms (ideal)" % ideal, "%.2f×" % ratio, "≤ 1.25×",
                 "yes" if ratio <= 1.25 else "NO")
        self.notes.append("Verify-all: %d HTTP requests per run (a validation and an account-name lookup "
                          "per credential; only validations are delayed)." % samples[0]["requests"])
        return ratio

    # -- 7: the command line ---------------------------------------------

    def runstat(self, argv, stdin_path=None):
        """Wall time and peak RSS of one run (bench/runstat.c)."""
        cmd = [self.runstat_exe] + (["--stdin", stdin_path] if stdin_path else []) + ["--"] + argv
        out = parse_pairs(self.run(cmd).stdout)
        if out["status"] != 0:
            raise RuntimeError("%s exited with %d" % (" ".join(argv), out["status"]))
        return out

    def script_path(self, count, name):
        """What scripts run on every call, against one `secret-tool lookup`
        of the same key (one Secret Service search): token, exec, the git
        credential helper. Interleaved; medians."""
        lookup_argv = ["secret-tool", "lookup", "xdg:schema", "io.github.tessera.Tessera.Credential",
                       "credential-id", self.secret_id_of(name)]
        programs = [
            ("lookup", lookup_argv, None),
            ("token", [self.tessera, "token", name], None),
            ("exec", [self.tessera, "exec", "--credential", name, "--", "true"], None),
            ("git", [self.tessera, "git-credential", "--credential", name, "get"], self.git_request),
        ]
        samples = {p[0]: [] for p in programs}
        for _ in range(self.runs):
            for label, argv, stdin_path in programs:
                samples[label].append(self.runstat(argv, stdin_path))
        wall = {k: statistics.median(r["wall_ms"] for r in v) for k, v in samples.items()}
        rss = {k: statistics.median(r["rss_kib"] for r in v) for k, v in samples.items()}
        floor = wall["lookup"]
        for label, figure, target in (("token", "`tessera token`", 1.3),
                                      ("exec", "`tessera exec -- true`", 1.5),
                                      ("git", "`tessera git-credential get`", 1.5)):
            ratio = wall[label] / floor
            self.row("%s, %d credentials, %s" % (figure, count, self.backend),
                     "%.1f ms" % wall[label], "%.1f ms (secret-tool)" % floor, "%.2f×" % ratio,
                     "≤ %g×" % target, "yes" if ratio <= target else "NO")
        self.row("Peak RSS of `tessera token`, %d credentials, %s" % (count, self.backend),
                 "%.1f MiB" % (rss["token"] / 1024), "%.1f MiB (secret-tool)" % (rss["lookup"] / 1024),
                 "%.2f×" % (rss["token"] / rss["lookup"]), "report", "—")

    def list_time(self):
        return statistics.median(self.runstat([self.tessera, "list"])["wall_ms"] for _ in range(self.runs))

    def listing(self, count, floor, target=None):
        ls = self.list_time()
        ratio = ls / floor
        self.row("`tessera list`, %d credentials, %s" % (count, self.backend), "%.0f ms" % ls,
                 "%.0f ms (0 credentials)" % floor, "%.2f×" % ratio,
                 "≤ %.0f×" % target if target else "report",
                 ("yes" if ratio <= target else "NO") if target else "—")
        return ls

    def secret_id_of(self, name):
        """The keyring attribute of a seeded credential: its id."""
        out = self.run([self.tessera, "list", "--json"]).stdout
        import json
        for item in json.loads(out):
            if item.get("name") == name:
                return item["id"]
        raise RuntimeError("no credential named %s" % name)

    # -- the whole run ---------------------------------------------------

    def guarded(self, figure, func, *args):
        """A failed measurement is a row that says so, not a lost table."""
        try:
            return func(*args)
        except Exception as e:  # noqa: BLE001 - report whatever went wrong
            log("  %s failed: %s" % (figure, e))
            self.row(figure, "error", "—", "—", "—", "—")
            self.notes.append("%s failed: %s" % (figure, str(e)[:300]))
            return None

    def main(self):
        started = datetime.datetime.now(datetime.timezone.utc)
        startups = {}
        # What git sends the helper for a Harness Code repository.
        with tempfile.NamedTemporaryFile("w", suffix=".git-request", delete=False) as f:
            f.write("protocol=https\nhost=git.harness.io\n\n")
            self.git_request = f.name

        log("== dconf: 0 credentials")
        self.backend = "dconf"
        targets = {1000: 1.2, 10000: 1.5}
        self.seed(0)
        startups[0] = self.guarded("Start-up, 0 credentials", self.startup, 0, targets)
        list_floor = self.list_time()

        log("== Secret Service calls, 200 never-verified credentials (the window verifies stale ones on open)")
        self.seed(200, "--stale", "--keyring-items", "200", "--base-url", "http://127.0.0.1:9")
        stale = self.guarded("Secret Service calls, stale", self.secret_calls, "200 stale credentials")
        if stale:
            self.notes.append("Secret Service calls after map (within 2 s) with 200 stale credentials, "
                              "which the window verifies on open, per run: %s." % stale[1])

        log("== dconf: 1 000 credentials")
        self.seed(1000, "--keyring-items", "100")
        startups[1000] = self.guarded("Start-up, 1 000 credentials", self.startup, 1000, targets)
        self.guarded("Secret Service calls, 1 000", self.secret_calls, "1 000 verified credentials")
        self.guarded("Script path, 1 000, dconf", self.script_path, 1000, "Bench credential 00005")
        self.guarded("List, 1 000, dconf", self.listing, 1000, list_floor)

        log("== dconf: 10 000 credentials")
        self.seed(10000, "--keyring-items", "100")
        startups[10000] = self.guarded("Start-up, 10 000 credentials", self.startup, 10000, targets)
        self.guarded("Secret Service calls, 10 000", self.secret_calls, "10 000 verified credentials")
        self.guarded("Tile widgets, 10 000", self.tiles)
        self.guarded("Filter latency, 10 000", self.filter)
        self.guarded("Script path, 10 000, dconf", self.script_path, 10000, "Bench credential 00005")
        self.guarded("List, 10 000, dconf", self.listing, 10000, list_floor, 4)

        log("== verify-all")
        self.guarded("Verify-all", self.verify_all)

        # The Flatpak's backend: GSettings in a keyfile.
        self.backend = "keyfile"
        targets = {1000: 1.15, 10000: 1.3}
        log("== keyfile: 0 credentials")
        self.seed(0)
        keyfile_floor = self.list_time()
        log("== keyfile: 1 000 credentials")
        self.seed(1000, "--keyring-items", "100")
        self.guarded("Start-up, 1 000 credentials, keyfile", self.startup, 1000, targets)
        self.guarded("Script path, 1 000, keyfile", self.script_path, 1000, "Bench credential 00005")
        self.guarded("List, 1 000, keyfile", self.listing, 1000, keyfile_floor)
        log("== keyfile: 10 000 credentials")
        self.seed(10000, "--keyring-items", "100")
        self.guarded("Start-up, 10 000 credentials, keyfile", self.startup, 10000, targets)
        self.guarded("List, 10 000, keyfile", self.listing, 10000, keyfile_floor, 4)

        os.unlink(self.git_request)
        self.write_results(started)

    def machine(self):
        cpu = "unknown"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_kib = int(f.readline().split()[1])
        try:
            with open("/etc/debian_version") as f:
                debian = f.read().strip()
        except OSError:
            debian = "unknown"
        load = os.getloadavg()
        return [
            ("CPUs (nproc)", str(os.cpu_count())),
            ("CPU model", cpu),
            ("RAM", "%.1f GiB" % (mem_kib / 1024 / 1024)),
            ("Debian", debian),
            ("Kernel", platform.release()),
            ("Load average at the end", "%.2f %.2f %.2f" % load),
            ("Seahorse", self.seahorse_version() or "not installed"),
        ]

    def seahorse_version(self):
        if not self.seahorse:
            return None
        out = self.run(["dpkg-query", "-W", "-f", "${Version}", "seahorse"], check=False)
        return out.stdout.strip() or "installed"

    def table(self):
        header = ("Figure", "Tessera", "Reference", "Ratio", "Target", "Met?")
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in self.rows:
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines)

    def write_results(self, started):
        table = self.table()
        print()
        print(table)
        print()
        for note in self.notes:
            print("- " + note)

        path = os.path.join(self.source, "bench", "RESULTS.md")
        with open(path, "w") as f:
            f.write("# Benchmark results\n\n")
            f.write("Written by `build-aux/bench` on %s (UTC). Medians of %d interleaved runs, "
                    "Xvfb, `GSK_RENDERER=cairo`, GSettings on dconf and then on its keyfile backend "
                    "(the Flatpak's; rows say which), gnome-keyring on a private "
                    "session bus (build-aux/session). Command-line times and memory from bench/runstat. The machine is shared: read the ratios, "
                    "not the absolute times.\n\n" % (started.strftime("%Y-%m-%d %H:%M"), self.runs))
            f.write("## Machine\n\n| | |\n|---|---|\n")
            for key, value in self.machine():
                f.write("| %s | %s |\n" % (key, value))
            f.write("\n## Results\n\n" + table + "\n\n")
            if self.notes:
                f.write("## Notes\n\n" + "".join("- %s\n" % n for n in self.notes) + "\n")
        log("Wrote", path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("source")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    Bench(os.path.abspath(args.build), os.path.abspath(args.source), max(args.runs, 1)).main()


if __name__ == "__main__":
    main()
