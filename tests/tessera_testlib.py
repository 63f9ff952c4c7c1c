"""What Tessera's Python tests share: failures, skips, checks, and telling
GLib's debug lines from what a user would read.

The scripts import it from their own folder (tests/), which Python puts
first on sys.path.
"""

import re


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
