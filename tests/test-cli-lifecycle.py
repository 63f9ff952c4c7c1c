#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-lifecycle.py TESSERA FAKE_HARNESS SCHEMA_DIR: rotate, renew and
remove --revoke against a fake Harness of each case's own, which changes
its tokens as Harness does. How cases run: tests/cli_harness.py."""

import sys
import time

from cli_harness import *  # noqa: F401,F403 (Case, case, HARNESS, checks, …)


@case
def rotate_keeps_old_key_for_grace(c):
    with LifecycleHarness() as fake:
        old_key = c.secret(fake.key("valid"))
        c.add("Laptop", old_key, "--base-url", fake.base_url)
        expires = c.credentials()[0]["expires"]

        before_ms = int(time.time() * 1000)
        r = c.run("rotate", "laptop", "--grace", "2h", code=0)
        after_ms = int(time.time() * 1000)
        check("Rotation keeps the expiry" in r.out, f"rotate says the expiry stays: {r.out!r}")
        check("tessera renew" in r.out, "rotate points at renew for a later expiry")

        rotations = [line for line in fake.requests() if line.startswith("POST /ng/api/token/rotate/")]
        check_equal(len(rotations), 1, f"rotate requests ({fake.requests()})")
        check(rotations[0].startswith("POST /ng/api/token/rotate/laptop_cli?"), f"the token's identifier: {rotations[0]}")
        query = query_of(rotations[0])
        for name, value in (("accountIdentifier", ACCOUNT), ("apiKeyType", "USER"),
                            ("parentIdentifier", "aBcDeFgHiJkLmNoPqRsTuV"), ("apiKeyIdentifier", "personal_key")):
            check_equal(query.get(name), [value], name)
        timestamp = int(query["rotateTimestamp"][0])
        check(before_ms + 2 * 3600 * 1000 <= timestamp <= after_ms + 2 * 3600 * 1000,
              f"rotateTimestamp {timestamp} is now + 2 h")

        new_key = c.secret(c.run("token", "Laptop", code=0, may_print_secret=True).out.strip())
        check(new_key != old_key and new_key.startswith("pat." + ACCOUNT + "."), "token gives a new key")
        c.run("verify", "Laptop", code=0)
        cred = c.credentials()[0]
        check_equal(cred["status"], "verified", "the new key's status")
        check_equal(cred["expires"], expires, "rotation keeps the expiry")

        # The old key still works, until the grace ends.
        status, data = fake.validate(old_key)
        check_equal(status, 200, "the old key after rotation")
        check_equal(data["scheduledExpireTime"], timestamp, "the old key ends with the grace")

        c.fail_run("rotate", "Laptop", "--grace", "8d", code=3, contains="7 days")
        c.fail_run("rotate", "Laptop", "--grace", "soon", code=3)


@case
def renew_creates_and_revokes(c):
    with LifecycleHarness() as fake:
        old_key = c.secret(fake.key("valid", variant=2))   # expires in 3 days
        c.add("Old laptop", old_key, "--base-url", fake.base_url)

        before = time.time()
        r = c.run("renew", "Old laptop", "--expires-in", "90d", code=0)
        check("deleted" in r.out, f"renew says the old token is gone: {r.out!r}")

        creates = [line for line in fake.requests() if line.startswith("POST /ng/api/token")
                   and "/rotate/" not in line and "/validate" not in line]
        check_equal(len(creates), 1, f"create requests ({fake.requests()})")
        deletes = [line for line in fake.requests() if line.startswith("DELETE ")]
        check_equal(len(deletes), 1, f"delete requests ({fake.requests()})")
        check(deletes[0].startswith("DELETE /ng/api/token/old_laptop?"), f"the old token is deleted: {deletes[0]}")
        query = query_of(deletes[0])
        for name, value in (("accountIdentifier", ACCOUNT), ("apiKeyType", "USER"),
                            ("parentIdentifier", "aBcDeFgHiJkLmNoPqRsTuV"), ("apiKeyIdentifier", "personal_key")):
            check_equal(query.get(name), [value], f"DELETE {name}")

        new_key = c.secret(c.run("token", "Old laptop", code=0, may_print_secret=True).out.strip())
        check(new_key != old_key, "renew stored a new key")
        status, data = fake.validate(new_key)
        check_equal(status, 200, "the new key verifies")
        valid_to = data["validTo"] / 1000
        check(before + 90 * 86400 - 5 <= valid_to <= time.time() + 90 * 86400 + 5,
              f"validTo {valid_to} is now + 90 days")
        check_equal(c.credentials()[0]["status"], "verified", "the renewed credential's status")
        check_equal(fake.validate(old_key)[0], 401, "the old key is revoked")

        c.fail_run("renew", "Old laptop", code=3, contains="--expires-in")


@case
def renew_at_token_limit(c):
    # The demo's personal_key already has three tokens.
    with LifecycleHarness("--token-limit", "3") as fake:
        old_key = c.secret(fake.key("valid"))
        c.add("Laptop", old_key, "--base-url", fake.base_url)
        r = c.fail_run("renew", "Laptop", "--expires-in", "30d", code=1,
                       contains="Maximum Token limit has been reached")
        check("Delete a token" in r.messages[0], f"the sentence says what to do: {r.messages[0]!r}")
        check_equal(c.run("token", "Laptop", code=0, may_print_secret=True).out, old_key + "\n",
                    "the credential keeps its key")
        check_equal(fake.validate(old_key)[0], 200, "the old key still works")


@case
def remove_and_revoke(c):
    with LifecycleHarness() as fake:
        key = c.secret(fake.key("valid", kind="sat"))
        c.add("CI", key, "--base-url", fake.base_url)
        r = c.run("remove", "CI", "--revoke", code=0)
        check("Revoked" in r.out, f"remove --revoke confirms: {r.out!r}")
        deletes = [line for line in fake.requests() if line.startswith("DELETE ")]
        check_equal(len(deletes), 1, f"delete requests ({fake.requests()})")
        check(deletes[0].startswith("DELETE /ng/api/token/ci_deployer?"), deletes[0])
        check_equal(query_of(deletes[0]).get("apiKeyType"), ["SERVICE_ACCOUNT"], "apiKeyType of a SAT")
        check_equal(c.names(), [], "credentials after remove --revoke")
        check_equal(fake.validate(key)[0], 401, "the revoked key")

    # Harness refuses (403): the credential is kept, and the reason given.
    with ScriptedServer(403, "NG_ACCESS_DENIED") as forbidding:
        key = c.secret(HARNESS.key("valid"))
        c.add("Kept", key, "--base-url", forbidding.base_url, "--no-verify")
        r = c.run("remove", "Kept", "--revoke", code=1)
        check(any("was kept" in m for m in r.messages), f"remove --revoke says it kept it: {r.messages}")
        check_equal(c.names(), ["Kept"], "credentials after a refused revoke")


# The cases that also run on the real gnome-keyring: every path that


# The cases that also run on the real gnome-keyring: every path that
# stores, reads or deletes a key.
KEYRING_CASES = ()


if __name__ == "__main__":
    sys.exit(main(KEYRING_CASES))
