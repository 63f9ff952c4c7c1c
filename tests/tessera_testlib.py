# SPDX-License-Identifier: GPL-3.0-or-later
"""What Tessera's Python tests share: failures, skips, checks, and telling
GLib's debug lines from what a user would read.

The scripts import it from their own folder (tests/), which Python puts
first on sys.path.
"""

import re
import sys
import time
import traceback


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def check_equal(actual, expected, what):
    if actual != expected:
        raise Failure(f"{what}: expected {expected!r}, got {actual!r}")


def is_debug_line(line):
    # "(tessera:1234): tessera-store-DEBUG: 12:00:00.000: …" and the INFO
    # and MESSAGE levels; warnings and criticals are not noise.
    return re.match(r"^\([^)]*:\d+\): [\w.-]+-(DEBUG|INFO|MESSAGE): ", line) is not None or \
        re.match(r"^[\w.-]+-(DEBUG|INFO|MESSAGE): ", line) is not None


def tail(text, lines=15):
    return "\n".join(text.splitlines()[-lines:])


def run_tap_case(n, name, fn):
    """Runs fn() as TAP test point n: "ok" (with its time), "ok … # SKIP"
    or "not ok" with the failure (or the traceback) as comments. Returns
    whether it passed."""
    start = time.monotonic()
    passed = False
    try:
        fn()
        print(f"ok {n} - {name} ({time.monotonic() - start:.1f} s)")
        passed = True
    except Skip as e:
        print(f"ok {n} - {name} # SKIP {e}")
        passed = True
    except Failure as e:
        print(f"not ok {n} - {name}")
        for line in str(e).splitlines():
            print(f"# {line}")
    except Exception:
        print(f"not ok {n} - {name}")
        for line in traceback.format_exc().splitlines():
            print(f"# {line}")
    sys.stdout.flush()
    return passed


class TapPoints:
    """Checks that each become a TAP test point, for scripts whose checks
    all run (none stops the others): point(name, ok, detail), then
    report() prints them and returns the exit status."""

    def __init__(self):
        self.points = []

    def point(self, name, ok, detail=""):
        self.points.append((name, bool(ok), detail))

    def report(self):
        print(f"1..{len(self.points)}")
        failed = 0
        for i, (name, ok, detail) in enumerate(self.points, 1):
            print(f"{'ok' if ok else 'not ok'} {i} {name}")
            if not ok:
                failed += 1
                if detail:
                    print(f"# {detail}")
        return 1 if failed else 0
