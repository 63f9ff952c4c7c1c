#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-revoke.py TESSERA FAKE_HARNESS SCHEMA_DIR: what the command line
says when a step between Harness's calls fails (issue 16's fault rows),
against a fake Harness of each case's own. How cases run:
tests/cli_harness.py."""

import sys

from cli_harness import *  # noqa: F401,F403 (Case, case, HARNESS, checks, …)


@case
def renew_old_token_not_deleted(c):
    # The server fails once the new token exists: its DELETE of the old one
    # gets a 500. Renew still succeeds, the new key is the credential's,
    # and the user is told the old one still works and what to do.
    with LifecycleHarness("--fail", "/ng/api/token/old_laptop") as fake:
        old_key = c.secret(fake.key("valid", variant=2))
        c.add("Old laptop", old_key, "--base-url", fake.base_url)
        c.run("select", "Old laptop", code=0)

        r = c.run("renew", "Old laptop", "--expires-in", "30d", code=0)
        check("Renewed" in r.out, f"renew says it renewed: {r.out!r}")
        check("deleted on Harness" not in r.out, f"renew does not claim the old token went: {r.out!r}")
        check_equal(len(r.messages), 1, f"one sentence on stderr: {r.messages}")
        check("The old token is still on Harness and its key still works" in r.messages[0], r.messages[0])
        check("HTTP error 500" in r.messages[0], f"the reason is given: {r.messages[0]!r}")
        check(r.messages[0].rstrip().endswith("Delete it in Harness."), f"what to do: {r.messages[0]!r}")

        deletes = [line for line in fake.requests() if line.startswith("DELETE ")]
        check_equal(len(deletes), 1, f"delete requests, never repeated ({fake.requests()})")

        new_key = c.secret(c.run("token", code=0, may_print_secret=True).out.strip())
        check(new_key != old_key, "the selected credential gives the new key")
        check_equal(fake.validate(new_key)[0], 200, "the new key verifies")
        check_equal(fake.validate(old_key)[0], 200, "the old key still works")
        check_equal(c.credentials()[0]["status"], "verified", "the renewed credential's status")


KEYRING_CASES = ()


if __name__ == "__main__":
    sys.exit(main(KEYRING_CASES))
