#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli.py TESSERA FAKE_HARNESS SCHEMA_DIR [--secrets=file|gnome-keyring]:
the `tessera` command line, end to end

Runs the built `tessera` as a user would, against the fake Harness server
(tests/tessera-fake-harness) on 127.0.0.1. Every case gets its own $HOME and
XDG directories and GSettings' keyfile backend. With --secrets=file (the
default) keys go to libsecret's file backend; with --secrets=gnome-keyring
the cases that store, read or delete keys run again on the real
gnome-keyring of build-aux/session (a skip without one). Every run has
G_MESSAGES_DEBUG=all and no display.

After each case the keys used must appear nowhere: not in the GSettings
keyfile, not in any file under the case's $HOME but the keyring file, not
on stderr, and not on stdout except for `token` and `exec`.

Output is TAP. Standard library only.
"""

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import uuid

from cli_harness import *  # noqa: F401,F403 (Case, case, HARNESS, checks, …)


@case
def help_and_version(c):
    for args in (["--help"], ["help"], ["-h"]):
        r = c.run(*args, code=0)
        for command in ("list", "add NAME", "verify", "select NAME", "remove NAME", "token", "exec"):
            check(f"tessera {command}" in r.out, f"“tessera {command}” in tessera {args[0]}")
        check("Exit status:" in r.out, "the exit-code table in --help")
        for code in ("0", "1", "2", "3", "4", "5", "126", "127", "130"):
            check(re.search(rf"^  {code}\s+\S", r.out, re.M), f"exit code {code} documented in --help")
    check_equal(c.run("--help").out, c.run("help").out, "“help” and “--help”")

    r = c.run("help", "exec", code=0)
    check("HARNESS_PLATFORM_API_KEY" in r.out and "--credential" in r.out, "help exec tells the variables")
    check_equal(c.run("exec", "--help", code=0).out, r.out, "“exec --help” and “help exec”")
    check("standard input" in c.run("add", "--help", code=0).out, "add --help says where the key comes from")

    r = c.run("--version", code=0)
    check(re.fullmatch(r"tessera \d+\.\d+\.\d+\n", r.out), f"--version prints the version: {r.out!r}")
    check(not os.path.exists(c.keyfile), "help and version write no settings")


@case
def usage_errors(c):
    key = c.secret(HARNESS.key("valid"))
    c.fail_run("frobnicate", code=3, contains="frobnicate")
    c.fail_run("help", "frobnicate", code=3)
    c.fail_run("list", "--bogus", code=3, contains="--bogus")
    c.fail_run("list", "extra", code=3)
    c.fail_run("list", "--json=yes", code=3)
    c.fail_run("add", code=3)
    c.fail_run("select", code=3)
    c.fail_run("remove", code=3)
    c.fail_run("verify", "Production", "--all", code=3)
    c.fail_run("exec", code=3)
    c.fail_run("exec", "--credential", code=3)
    c.fail_run("exec", "--credential", "X", "--", code=3)
    # A key passed as an argument is refused without being repeated.
    c.fail_run("add", "Production", key, code=3, contains="standard input")
    c.fail_run(key, code=3)
    c.fail_run("list", "--" + key, code=3)
    c.fail_run("add", "Production", "--token=" + key, code=3)
    check_equal(c.names(), [], "credentials after usage errors")


@case
def add_valid_key(c):
    key = HARNESS.key("valid")
    r = c.add("Production", key, "--base-url", HARNESS.base_url, "--description", "CI pipelines")
    check("Production" in r.out, f"add confirms: {r.out!r}")

    creds = c.credentials()
    check_equal(len(creds), 1, "credentials after add")
    cred = creds[0]
    check_equal(cred["name"], "Production", "name")
    check_equal(cred["description"], "CI pipelines", "description")
    check_equal(cred["account_id"], ACCOUNT, "account taken from the key")
    check_equal(cred["base_url"], HARNESS.base_url, "base URL")
    check_equal(cred["kind"], "pat", "kind")
    check_equal(cred["status"], "verified", "status")
    check(cred["last_verified"] is not None, "last_verified is set")
    check("••••" in (cred["token_hint"] or ""), f"the hint is masked: {cred['token_hint']!r}")

    r = c.run("token", "production", code=0, may_print_secret=True)
    check_equal(r.out, key + "\n", "the stored key")


@case
def add_key_harness_turns_down(c):
    with ScriptedServer(403, "NG_ACCESS_DENIED") as forbidding:
        for verdict, base_url in (("rejected", HARNESS.base_url), ("expired", HARNESS.base_url),
                                  ("forbidden", forbidding.base_url)):
            key = c.secret(HARNESS.key(verdict))
            r = c.fail_run("add", "Production", "--base-url", base_url, stdin=key + "\n", code=1)
            check_equal(c.names(), [], f"nothing stored for a {verdict} key")

    # The key says one account, the user another: refused before asking.
    key = c.secret(HARNESS.key("valid"))
    c.run("add", "Production", "--base-url", HARNESS.base_url, "--account-id", OTHER_ACCOUNT,
          stdin=key, code=1)
    check_equal(c.names(), [], "nothing stored for the wrong account")


@case
def add_when_harness_cannot_answer(c):
    key = c.secret(HARNESS.key("valid"))
    down = f"http://127.0.0.1:{free_port()}"
    c.fail_run("add", "Production", "--base-url", down, stdin=key, code=2)
    check_equal(c.names(), [], "nothing stored when Harness is down")

    with ScriptedServer(500, "UNKNOWN_ERROR") as failing:
        c.fail_run("add", "Production", "--base-url", failing.base_url, stdin=key, code=2)
    check_equal(c.names(), [], "nothing stored on a server error")

    r = c.add("Production", key, "--base-url", down, "--no-verify")
    check("Production" in r.out, "add --no-verify confirms")
    cred = c.credentials()[0]
    check_equal(cred["status"], "unverified", "status after --no-verify")
    check_equal(cred["last_verified"], None, "never verified")
    r = c.run("token", "production", code=0, may_print_secret=True)
    check_equal(r.out, key + "\n", "the unverified key is stored")


@case
def add_default_base_url(c):
    """Without --base-url, `add` takes the "default-base-url" setting, as
    the dialog does. --no-verify first: a build without the fix must not
    reach the real Harness."""
    def set_default(url):
        os.makedirs(os.path.dirname(c.keyfile), exist_ok=True)
        with open(c.keyfile, "w") as f:
            f.write(f"[io/github/tessera/Tessera]\ndefault-base-url='{url}'\n")

    set_default(HARNESS.base_url)
    c.add("Local", HARNESS.key("valid"), "--no-verify")
    check_equal(c.credentials()[0]["base_url"], HARNESS.base_url, "base URL from the setting")
    r = c.run("verify", "Local", code=0)
    check(re.match(r"^Local: +Verified", r.out), f"verify Local: {r.out!r}")
    c.run("remove", "Local", code=0)

    # Verified on the way in, against the server the setting names.
    c.add("Local", HARNESS.key("valid"))
    check_equal(c.credentials()[0]["status"], "verified", "verified through the setting's server")
    c.run("remove", "Local", code=0)

    # --base-url still wins; a blank setting means Harness SaaS.
    down = f"http://127.0.0.1:{free_port()}"
    c.add("Elsewhere", HARNESS.key("valid", variant=2), "--base-url", down, "--no-verify")
    check_equal(c.credentials()[0]["base_url"], down, "base URL from --base-url")
    c.run("remove", "Elsewhere", code=0)
    set_default(" ")
    c.add("Saas", HARNESS.key("valid", variant=2), "--no-verify")
    check_equal(c.credentials()[0]["base_url"], "https://app.harness.io", "base URL with a blank setting")


@case
def add_bad_input(c):
    key = c.secret(HARNESS.key("valid"))
    base = ["--base-url", HARNESS.base_url]
    c.fail_run("add", "Production", *base, stdin="Bearer " + key, code=4)
    c.fail_run("add", "Production", *base, stdin="", code=4)
    c.fail_run("add", "Production", *base, stdin="\n\n", code=4)
    c.fail_run("add", "Production", *base, stdin=key + "\0" + "tail", code=4)
    c.fail_run("add", "Production", *base, stdin="x" * 100000, code=4)
    c.fail_run("add", "Production", "--base-url", "ftp://example.com", stdin=key, code=4)
    c.fail_run("add", "Production", "--base-url", "http://example.com", stdin=key, code=4)
    c.fail_run("add", "   ", *base, stdin=key, code=4)
    c.fail_run("add", "n" * 101, *base, stdin=key, code=4)
    c.fail_run("add", "Production", *base, "--description", "d" * 1001, stdin=key, code=4)
    # A legacy three-part key carries no account: one must be given.
    legacy = c.secret("pat.0123456789abcdef01234567.Zz9Yy8Xx7Ww6Vv5Uu4Tt")
    c.fail_run("add", "Legacy", *base, stdin=legacy, code=4)
    c.fail_run("add", "Production", *base, "--account-id", "not valid!", stdin=key, code=4)
    check_equal(c.names(), [], "nothing stored after bad input")

    c.add("Production", key, *base)
    other = c.secret(HARNESS.key("valid", variant=2))
    c.fail_run("add", "PRODUCTION", *base, stdin=other, code=4)
    c.fail_run("add", " production ", *base, stdin=other, code=4)
    check_equal(c.names(), ["Production"], "a duplicate name is refused, ignoring case")


@case
def names_hold_no_key_or_control(c):
    """Issue 17, findings 3 and 4: a key typed as the NAME or the
    description is refused with exit 4 and saved nowhere; names hold no
    control, bidi or invisible character, and `list` prints none, even
    from an edited settings file."""
    base = ["--base-url", HARNESS.base_url]
    key = c.secret(HARNESS.key("valid"))
    other = c.secret(HARNESS.key("valid", variant=2))
    r = c.fail_run("add", key, *base, stdin=other, code=4)
    check("API key" in r.messages[0], f"the sentence says why: {r.messages[0]!r}")
    c.fail_run("add", "Production", *base, "--description", key, stdin=other, code=4)
    c.fail_run("add", "Production", *base, "--description", f"see {key} here", stdin=other, code=4)
    c.fail_run("add", "Production", *base, "--description", "caf\udcff", stdin=other, code=4,
               contains="not text")
    for name in ("a\u009b31mred", "evil\u202etxt", "Prod\u200b", "a\u2066b"):
        c.fail_run("add", name, *base, stdin=other, code=4)
    check_equal(c.names(), [], "nothing stored")
    check(not os.path.exists(c.keyfile) or key.split(".")[-1] not in open(c.keyfile).read(),
          "the key is not in the settings")

    # Composed and decomposed Café are one name, saved composed.
    c.add("Cafe\u0301", key, *base, "--no-verify")
    check_equal(c.names(), ["Caf\u00e9"], "saved in NFC")
    c.fail_run("add", "caf\u00e9", *base, "--no-verify", stdin=other, code=4)
    c.fail_run("add", "Caf\u200b\u00e9", *base, "--no-verify", stdin=other, code=4)

    # A name edited into the settings file is shown without its controls.
    with open(c.keyfile) as f:
        text = f.read()
    check("name='Caf\u00e9'" in text, "the name as GSettings writes it")
    with open(c.keyfile, "w") as f:
        f.write(text.replace("name='Caf\u00e9'", "name='Caf\u00e9\u009b2J\u202eevil\u200b'"))
    r = c.run("list", code=0)
    check("Caf\u00e9?2J?evil?" in r.out, f"shown with “?”: {r.out!r}")
    for ch in ("\u009b", "\u202e", "\u200b", "\x1b"):
        check(ch not in r.out, f"list prints no {ch!r}: {r.out!r}")


@case
def terminal_words(c):
    """No sentence on the terminal sends the user to the window's fields."""
    base = ["--base-url", HARNESS.base_url]
    key = c.secret(HARNESS.key("valid"))
    legacy = c.secret("pat.0123456789abcdef01234567.Zz9Yy8Xx7Ww6Vv5Uu4Tt")
    expired = c.secret(HARNESS.key("expired"))
    runs = [
        (("add", "Production", *base), "", 4),
        (("add", "Production", *base), "Bearer " + key, 4),
        (("add", "Production", *base), "x-api-key: " + key, 4),
        (("add", "Production", "--base-url", ""), key, 4),
        (("add", "Production", "--base-url", "https://app.harness.io/?a=b"), key, 4),
        (("add", "   ", *base), key, 4),
        (("add", "Legacy", *base), legacy, 4),
        (("add", "Production", *base), expired, 1),
    ]
    for args, stdin, code in runs:
        r = c.fail_run(*args, stdin=stdin, code=code)
        check(not WINDOW_WORDS.search(r.messages[0]), f"tessera {' '.join(args)}: {r.messages[0]!r}")
    # The account ID is asked for by its option.
    r = c.fail_run("add", "Legacy", *base, stdin=legacy, code=4)
    check("--account-id" in r.messages[0], f"the option is named: {r.messages[0]!r}")

    # A key gone from the keyring: the window says "Replace the key".
    c.add("Production", key, *base)
    os.unlink(c.keyring_file)
    r = c.fail_run("token", code=5)
    check(not WINDOW_WORDS.search(r.messages[0]) and "Replace the key" not in r.messages[0],
          f"token with the key gone: {r.messages[0]!r}")
    check("tessera add" in r.messages[0], f"says how to put it back: {r.messages[0]!r}")
    r = c.run("verify", "--json", code=2)
    error = json.loads(r.out)[0]["error"]
    check("Replace the key" not in error and "tessera add" in error, f"verify --json error: {error!r}")

    # The help calls it "account ID", as the window and the README do.
    out = c.run("--help", code=0).out
    check("account ID" in out and "account or" not in out, "“account ID” in --help")


@case
def server_that_is_not_harness(c):
    """A web server that does not know the request (501) is not Harness;
    a gateway's 502 in HTML is not Harness having a problem."""
    key = c.secret(HARNESS.key("valid"))
    with ScriptedServer(501, content_type="text/plain", raw="Not Implemented") as other:
        r = c.fail_run("add", "Production", "--base-url", other.base_url, stdin=key, code=2)
        check("not Harness" in r.messages[0], f"501: {r.messages[0]!r}")
        check_equal(other.requests, 1, "a 501 is not asked again")
    with ScriptedServer(502, content_type="text/html",
                        raw="<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>") as gateway:
        r = c.fail_run("add", "Production", "--base-url", gateway.base_url, stdin=key, code=2)
        check("proxy or gateway" in r.messages[0], f"502: {r.messages[0]!r}")
        check("Harness had a problem" not in r.messages[0], f"502: {r.messages[0]!r}")
    check_equal(c.names(), [], "nothing stored")


@case
def proxy_cannot_reach_server(c):
    """The company proxy answers CONNECT with 502: said once, as the
    proxy's, and not asked again."""
    key = c.secret(HARNESS.key("valid"))
    proxy = RefusingProxy()
    env = {"https_proxy": proxy.url, "HTTPS_PROXY": proxy.url, "http_proxy": proxy.url,
           "HTTP_PROXY": proxy.url, "no_proxy": "", "NO_PROXY": ""}
    try:
        r = c.fail_run("add", "Production", "--base-url", "https://harness.invalid", stdin=key, code=2, env=env)
    finally:
        proxy.close()
    check("proxy" in r.messages[0], f"the proxy is named: {r.messages[0]!r}")
    check("Harness had a problem" not in r.messages[0], f"not Harness's problem: {r.messages[0]!r}")
    check_equal(len(proxy.connects), 1, f"CONNECTs to the proxy ({proxy.connects})")
    check(proxy.connects[0].startswith(b"CONNECT harness.invalid:443 "), f"a CONNECT: {proxy.connects[0]!r}")


@case
def base_url_with_api_path(c):
    """An address copied from an API call is cut back to the server's, and
    stderr says so."""
    r = c.add("Production", HARNESS.key("valid"), "--base-url", HARNESS.base_url + "/ng/api/user/currentUser")
    check_equal(c.credentials()[0]["base_url"], HARNESS.base_url, "base URL without the API path")
    check_equal(c.credentials()[0]["status"], "verified", "verified at the server's address")
    check_equal(len(r.messages), 1, f"one notice on stderr: {r.messages}")
    check("/ng/api/user/currentUser" in r.messages[0] and HARNESS.base_url in r.messages[0],
          f"the notice says what was cut and what is used: {r.messages[0]!r}")
    check("Production" in r.out, f"add confirms: {r.out!r}")


@case
def list_text_and_json(c):
    check_equal(c.run("list", code=0).out, "", "list with no credentials")
    check_equal(c.credentials(), [], "list --json with no credentials")

    down = f"http://127.0.0.1:{free_port()}"
    c.add("Production", HARNESS.key("valid"), "--base-url", HARNESS.base_url)
    c.add("Staging ünï", HARNESS.key("valid", variant=2), "--base-url", down, "--no-verify")
    c.add("sat one", HARNESS.key("valid", kind="sat", variant=3), "--base-url", down, "--no-verify")
    c.run("select", "staging ÜNÏ", code=0)

    lines = c.run("list", code=0).out.splitlines()
    check_equal(len(lines), 3, "one line per credential")
    check(re.match(r"^  Production\s+" + re.escape(ACCOUNT) + r"\s+pat\s+Verified\s+", lines[0]),
          f"first line: {lines[0]!r}")
    check(re.match(r"^\* Staging ünï\s+" + re.escape(ACCOUNT) + r"\s+pat\s+Not verified\s+-$", lines[1]),
          f"selected line: {lines[1]!r}")
    check(re.match(r"^  sat one\s+\S+\s+sat\s+", lines[2]), f"sat line: {lines[2]!r}")
    # Columns line up, whatever the characters in the names.
    check_equal(len({line.index(ACCOUNT) for line in lines[:2]}), 1, "aligned account column")

    creds = c.credentials()
    check_equal([x["name"] for x in creds], ["Production", "Staging ünï", "sat one"], "order kept")
    check_equal([x["selected"] for x in creds], [False, True, False], "selected flags")
    check_equal([x["kind"] for x in creds], ["pat", "pat", "sat"], "kinds")
    check_equal([x["status"] for x in creds], ["verified", "unverified", "unverified"], "statuses")
    for key in ("id", "name", "description", "account_id", "account_name", "base_url", "kind",
                "status", "status_detail", "owner_name", "owner_email", "created", "last_verified",
                "expires", "days_to_expiry", "correlation_id", "token_hint", "selected",
                "needs_attention"):
        check(key in creds[0], f"“{key}” in list --json")
    check(all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", x["created"]) for x in creds),
          "created is ISO 8601")
    check(all(len(x["id"]) >= 8 for x in creds), "ids")


@case
def verify_mixed_results(c):
    down = f"http://127.0.0.1:{free_port()}"
    c.add("Good", HARNESS.key("valid"), "--base-url", HARNESS.base_url)
    c.add("Bad", HARNESS.key("rejected"), "--base-url", HARNESS.base_url, "--no-verify")
    c.add("Away", HARNESS.key("valid", variant=2), "--base-url", down, "--no-verify")

    r = c.run("verify", code=0)             # the first saved is selected
    check(re.match(r"^Good: +Verified", r.out), f"verify (selected): {r.out!r}")
    c.fail_run("verify", "Nobody", code=4)

    r = c.run("verify", "good", code=0)
    check(re.match(r"^Good: +Verified", r.out), f"verify Good: {r.out!r}")
    r = c.run("verify", "Bad", code=1)
    check(re.match(r"^Bad: +Rejected", r.out), f"verify Bad: {r.out!r}")
    r = c.run("verify", "Away", code=2)
    check(re.match(r"^Away: +\S", r.out), f"verify Away: {r.out!r}")

    r = c.run("verify", "--all", code=1)   # a rejection outweighs "could not check"
    check_equal(len(r.out.splitlines()), 3, "one line per credential")

    r = c.run("verify", "--all", "--json", code=1)
    results = {x["name"]: x for x in json.loads(r.out)}
    check_equal(results["Good"]["status"], "verified", "Good")
    check_equal(results["Good"]["error"], None, "no error for Good")
    check_equal(results["Bad"]["status"], "rejected", "Bad")
    check(results["Bad"]["error"], "an error for Bad")
    check_equal(results["Away"]["status"], "unreachable", "Away")
    check(results["Away"]["error"], "an error for Away")

    statuses = {x["name"]: x["status"] for x in c.credentials()}
    check_equal(statuses, {"Good": "verified", "Bad": "rejected", "Away": "unreachable"},
                "statuses recorded")

    c.run("remove", "Bad", code=0)
    c.run("verify", "--all", code=2)
    c.run("remove", "Away", code=0)
    c.run("verify", "--all", code=0)
    c.run("select", "Good", code=0)
    c.run("verify", code=0)
    c.run("verify", "--json", code=0)


@case
def select_credential(c):
    c.add("Production", HARNESS.key("valid"), "--base-url", HARNESS.base_url)
    c.add("Staging", HARNESS.key("valid", variant=2), "--base-url", HARNESS.base_url)
    c.fail_run("select", "Nobody", code=4, contains="Nobody")
    check_equal([x["selected"] for x in c.credentials()].count(True) <= 1, True, "at most one selected")

    r = c.run("select", "PRODUCTION", code=0)
    check("Production" in r.out, f"select confirms: {r.out!r}")
    check_equal([x["selected"] for x in c.credentials()], [True, False], "Production selected")
    check(c.run("list").out.startswith("* Production"), "list marks it")

    c.run("select", "staging", code=0)
    check_equal([x["selected"] for x in c.credentials()], [False, True], "Staging selected")
    check_equal(len(re.findall(r"^\*", c.run("list").out, re.M)), 1, "one star")


@case
def remove_credential(c):
    key = HARNESS.key("valid")
    c.add("Production", key, "--base-url", HARNESS.base_url)
    c.add("Staging", HARNESS.key("valid", variant=2), "--base-url", HARNESS.base_url)
    c.run("select", "production", code=0)
    c.fail_run("remove", "Nobody", code=4)

    production_id = next(x["id"] for x in c.credentials() if x["name"] == "Production")
    r = c.run("remove", "PRODUCTION", code=0)
    check("Production" in r.out, f"remove confirms: {r.out!r}")
    check_equal(c.names(), ["Staging"], "Production is gone")
    c.fail_run("token", "Production", code=4)
    c.fail_run("token", code=4)   # the selection went with it
    check_equal([x["selected"] for x in c.credentials()], [False], "nothing selected")
    # Its settings are reset, not left behind.
    with open(c.keyfile) as f:
        text = f.read()
    check("Production" not in text, "the removed credential's keys are gone from the keyfile")
    # Issue 17, finding 14: and its group too; the file does not grow.
    check(production_id not in text, f"no group left for the removed credential: {text!r}")

    # The same name can be used again, with a fresh key.
    c.add("Production", key, "--base-url", HARNESS.base_url)


@case
def token_output(c):
    key = HARNESS.key("valid")
    key2 = HARNESS.key("valid", variant=2)
    r = c.add("Production", key, "--base-url", HARNESS.base_url)
    check("use it from now on" in r.out, f"the first add says scripts use it: {r.out!r}")
    r = c.add("Staging", key2, "--base-url", HARNESS.base_url)
    check("use it" not in r.out, f"the second add does not: {r.out!r}")
    c.fail_run("token", "Nobody", code=4)
    c.fail_run("token", "a", "b", code=3)

    # The first credential saved is what scripts use.
    r = c.run("token", code=0, may_print_secret=True)
    check_equal(r.out, key + "\n", "token prints the first saved key and a newline")
    check_equal(r.messages, [], "token prints nothing else")

    c.run("select", "Staging", code=0)
    r = c.run("token", code=0, may_print_secret=True)
    check_equal(r.out, key2 + "\n", "token prints the selected key")
    r = c.run("token", "PRODUCTION", code=0, may_print_secret=True)
    check_equal(r.out, key + "\n", "token NAME prints that key")

    # The selected one removed: none is selected, and scripts are told so
    # rather than handed another key.
    r = c.run("remove", "Staging", code=0)
    check("No credential is selected now" in r.out, f"remove says none is selected now: {r.out!r}")
    c.fail_run("token", code=4, contains="select")
    r = c.run("remove", "Production", code=0)
    check("selected" not in r.out, f"removing one not selected says nothing of it: {r.out!r}")


@case
def token_missing_from_keyring(c):
    c.add("Production", HARNESS.key("valid"), "--base-url", HARNESS.base_url)
    c.run("select", "Production", code=0)
    os.unlink(c.keyring_file)
    c.fail_run("token", code=5)
    # `token` reads a snapshot of the settings; what it found still goes
    # to the real ones.
    check_equal(c.credentials()[0]["status"], "token-missing", "status after token found the key gone")
    r = c.run("verify", code=2)
    check("Production" in r.out, "verify reports it")
    check_equal(c.credentials()[0]["status"], "token-missing", "status after the key vanished")
    c.fail_run("exec", "--", "true", code=5)


@case
def keyring_unreadable_is_not_verified(c):
    """Issue 17, finding 13: a keyring that cannot give the key (locked,
    or here unreadable) leaves the key unchecked; `verify` does not print
    the last status (“Verified — The keyring is locked”) next to the
    reason."""
    c.add("Production", HARNESS.key("valid"), "--base-url", HARNESS.base_url)
    check_equal(c.credentials()[0]["status"], "verified", "verified on the way in")
    os.unlink(c.keyring_file)
    os.mkdir(c.keyring_file)
    r = c.run("verify", "Production", code=2)
    print("# " + r.out.strip())
    check(r.out.startswith("Production:"), f"one line for it: {r.out!r}")
    check("Verified" not in r.out, f"not called verified: {r.out!r}")
    check("Not checked" in r.out, f"said to be unchecked: {r.out!r}")


@case
def settings_file_is_a_folder(c):
    """Issue 17, finding 13: a settings file that is a folder is a
    sentence, never GLib warnings."""
    os.makedirs(c.keyfile)
    r = c.run("list", env={"G_DEBUG": ""})
    check("WARNING" not in r.err, f"no warning: {r.err!r}")
    r = c.run("add", "Production", "--no-verify", stdin=c.secret(HARNESS.key("valid")) + "\n",
              env={"G_DEBUG": ""})
    check("WARNING" not in r.err, f"no warning: {r.err!r}")
    check_equal(r.returncode, 5, "add cannot save")
    check_equal(len(r.messages), 1, f"one sentence: {r.messages}")
    check("not a file" in r.messages[0], f"the sentence says why: {r.messages}")


@case
def exec_environment(c):
    key = HARNESS.key("valid")
    c.add("Production", key, "--base-url", HARNESS.base_url)
    c.fail_run("exec", "--credential", "Nobody", "--", "env", code=4)

    # The first credential saved is selected: no `select` needed.
    r = c.run("exec", "--", "env", code=0, may_print_secret=True)
    env = dict(line.split("=", 1) for line in r.out.splitlines() if "=" in line)
    check_equal(env.get("HARNESS_PLATFORM_API_KEY"), key, "HARNESS_PLATFORM_API_KEY")
    check_equal(env.get("HARNESS_API_KEY"), key, "HARNESS_API_KEY")
    check_equal(env.get("HARNESS_ACCOUNT_ID"), ACCOUNT, "HARNESS_ACCOUNT_ID")
    check_equal(env.get("HARNESS_ACCOUNT"), ACCOUNT, "HARNESS_ACCOUNT")
    check_equal(env.get("HARNESS_ENDPOINT"), HARNESS.base_url + "/gateway", "HARNESS_ENDPOINT")
    check_equal(env.get("HARNESS_API_URL"), HARNESS.base_url, "HARNESS_API_URL")
    check_equal(env.get("HOME"), c.home, "the rest of the environment is kept")

    # A base URL that already ends in /gateway is not doubled.
    gateway_key = HARNESS.key("valid", variant=2)
    c.add("Gateway", gateway_key, "--base-url", "https://harness.example.com/gateway/", "--no-verify")
    r = c.run("exec", "--credential", "gateway", "env", code=0, may_print_secret=True)
    env = dict(line.split("=", 1) for line in r.out.splitlines() if "=" in line)
    check_equal(env.get("HARNESS_ENDPOINT"), "https://harness.example.com/gateway", "endpoint not doubled")
    check_equal(env.get("HARNESS_API_URL"), "https://harness.example.com", "API URL without /gateway")
    check_equal(env.get("HARNESS_API_KEY"), gateway_key, "the named credential's key")

    # Arguments pass through untouched, options after the command included.
    r = c.run("exec", "--", "printf", "%s|", "-n", "--credential", "a b", code=0)
    check_equal(r.out, "-n|--credential|a b|", "arguments passed through")
    r = c.run("exec", "--", "cat", stdin="from stdin\n", code=0)
    check_equal(r.out, "from stdin\n", "stdin reaches the command")

    # Issue 17, finding 9: no core dump, and no reading of tessera's memory
    # by another process of the user without CAP_SYS_PTRACE: here its own
    # child, both with every capability dropped (the sandbox may run tests
    # as root).
    nocaps = ["setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--"]
    r = subprocess.run([*nocaps, TESSERA, "exec", "--", "sh", "-c",
                        "cat /proc/$PPID/environ >/dev/null 2>&1 && echo readable || echo refused"],
                       capture_output=True, text=True, env=c.env, timeout=60)
    check_equal(r.returncode, 0, f"exec under setpriv: {r.stderr}")
    check_equal(r.stdout, "refused\n", "tessera's memory is not readable by a process without privileges")
    r = subprocess.run([*nocaps, "sh", "-c", "cat /proc/$$/environ >/dev/null && sh -c "
                        "'cat /proc/$PPID/environ >/dev/null 2>&1 && echo readable || echo refused'"],
                       capture_output=True, text=True, env=c.env, timeout=60)
    check_equal(r.stdout, "readable\n", "the same check on a dumpable process")

    # Exit status and signals come back.
    c.run("exec", "--", "sh", "-c", "exit 7", code=7)
    c.run("exec", "--", "sh", "-c", "kill -TERM $$", code=128 + signal.SIGTERM)
    c.run("exec", "--", "false", code=1)
    c.fail_run("exec", "--", "tessera-no-such-command", code=127, contains="tessera-no-such-command")
    c.fail_run("exec", "--", c.home, code=126)

    # Issue 17, finding 5: a base URL edited into the settings is checked
    # as `verify` checks it; nothing runs and nothing is set otherwise.
    with open(c.keyfile) as f:
        text = f.read()
    for bad in ("http://example.invalid", "javascript:alert(1)"):
        edited, n = re.subn(r"^base-url='https://harness\.example\.com/gateway'$", f"base-url='{bad}'",
                            text, flags=re.M)
        check_equal(n, 1, "the Gateway credential's base URL is in the settings")
        with open(c.keyfile, "w") as f:
            f.write(edited)
        c.fail_run("exec", "--credential", "gateway", "--", "sh", "-c", "echo ran", code=4)
    with open(c.keyfile, "w") as f:
        f.write(text)


@case
def add_from_terminal(c):
    """On a terminal, add prompts on stderr and reads the key with echo off."""
    key = c.secret(HARNESS.key())
    master, slave = os.openpty()
    process = subprocess.Popen([TESSERA, "add", "Production", "--base-url", HARNESS.base_url],
                               stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=c.env)
    os.close(slave)
    transcript = b""
    typed = False
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:     # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                transcript += chunk
            if not typed and b"API key" in transcript:
                os.write(master, key.encode() + b"\n")
                typed = True
            if typed and process.poll() is not None and not ready:
                break
        stdout = process.communicate(timeout=30)[0].decode()
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    check(typed, f"a prompt on the terminal: {transcript[-300:]!r}")
    check_equal(process.returncode, 0, "exit code of add from a terminal")
    check("Production" in stdout, f"add confirms: {stdout!r}")
    for secret in c.secrets:
        check(secret.encode() not in transcript, "the key is not echoed on the terminal")
    r = c.run("token", "Production", code=0, may_print_secret=True)
    check_equal(r.out, key + "\n", "the key read from the terminal")


@case
def stdin_first_line_and_deadline(c):
    """Issue 17, finding 7: the key is the first line of standard input; a
    writer that keeps the pipe open neither holds `add` after that line
    nor, without one, for ever; SIGTERM while reading is exit 130."""
    base = ["--base-url", HARNESS.base_url, "--no-verify"]
    key = c.secret(HARNESS.key("valid"))
    env = dict(c.env)

    def start(*args):
        return subprocess.Popen([TESSERA, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)

    # The line, and the pipe stays open.
    p = start("add", "Production", *base)
    p.stdin.write(("\n" + key + "\n").encode())
    p.stdin.flush()
    try:
        code = p.wait(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdin.close()
    check_equal(code, 0, f"add ends after the first line: {p.stderr.read().decode()!r}")
    check_equal(c.names(), ["Production"], "saved from the first line")

    # No newline ever: a sentence within the deadline, exit 4.
    p = start("add", "Staging", *base)
    p.stdin.write(key.encode())
    p.stdin.flush()
    t = time.monotonic()
    try:
        code = p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdin.close()
    err = p.stderr.read().decode()
    check_equal(code, 4, f"add gives up on a line that never ends: {err!r}")
    check(time.monotonic() - t < 15, "within the deadline")
    check("standard input" in err, f"the sentence says where: {err!r}")

    # SIGTERM while it waits for the key: interrupted, 130 as documented.
    # (Not at once: before main() runs, no program can catch it.)
    for sig, wait in ((signal.SIGTERM, 0.2), (signal.SIGTERM, 0.5), (signal.SIGINT, 0.5), (signal.SIGHUP, 0.5)):
        p = start("add", "Staging", *base)
        time.sleep(wait)
        p.send_signal(sig)
        try:
            code = p.wait(timeout=20)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdin.close()
        check_equal(code, 130, f"{sig.name} {wait} s after the start")
    check_equal(c.names(), ["Production"], "nothing else saved")


@case
def hidden_prompt_signals(c):
    """Issue 17, finding 8: SIGHUP, SIGQUIT (and SIGINT, SIGTERM) at the
    hidden prompt give the terminal its echo back."""
    import termios
    for sig in (signal.SIGHUP, signal.SIGQUIT, signal.SIGTERM, signal.SIGINT):
        master, slave = os.openpty()
        process = subprocess.Popen([TESSERA, "add", "Production", "--base-url", HARNESS.base_url],
                                   stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=c.env)
        transcript = b""
        try:
            deadline = time.monotonic() + 20
            while b"API key" not in transcript and time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    transcript += os.read(master, 4096)
            check(b"API key" in transcript, f"{sig.name}: the prompt: {transcript!r}")
            check(not termios.tcgetattr(slave)[3] & termios.ECHO, f"{sig.name}: echo off at the prompt")
            process.send_signal(sig)
            code = process.wait(timeout=20)
            check(termios.tcgetattr(slave)[3] & termios.ECHO, f"{sig.name}: echo back on")
            check_equal(code, 130, f"{sig.name} at the prompt")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            os.close(slave)
            os.close(master)
    check_equal(c.names(), [], "nothing saved")


@case
def missing_schema(c):
    empty = os.path.join(c.dir, "empty")
    os.makedirs(empty)
    env = {"GSETTINGS_SCHEMA_DIR": empty, "XDG_DATA_DIRS": empty}
    r = c.run("list", code=5, env=env)
    check_equal(len(r.messages), 1, f"one sentence without the schema: {r.messages}")
    check("schema" in r.messages[0], f"it names the schema: {r.messages[0]!r}")
    # Run from the build tree, it says how to run it there.
    check("build-aux/run" in r.messages[0], f"it names build-aux/run: {r.messages[0]!r}")
    c.run("--version", code=0, env=env)
    # The window too: a sentence, not an abort.
    r = c.run(code=1, env=env)
    check_equal(len(r.messages), 1, f"one sentence from the window without the schema: {r.messages}")
    check("build-aux/run" in r.messages[0], f"the window names build-aux/run: {r.messages[0]!r}")


@case
def missing_module(c):
    """Without its network and keyring modules (a broken installation),
    listing still works, and what needs a module says so in a sentence."""
    c.add("Production", HARNESS.key("valid"), "--base-url", HARNESS.base_url)
    empty = os.path.join(c.dir, "no-module")
    os.makedirs(empty)
    env = {"TESSERA_MODULE_DIR": empty}
    check_equal(json.loads(c.run("list", "--json", code=0, env=env).out)[0]["name"], "Production",
                "list without the module")
    c.run("select", "Production", code=0, env=env)
    for args in (("token",), ("verify",), ("remove", "Production")):
        r = c.fail_run(*args, code=5, env=env)
        check("Reinstall Tessera" in r.messages[0], f"it says what to do: {r.messages[0]!r}")
    check_equal(c.names(), ["Production"], "nothing was removed")

    # Only the network module missing: what needs the keyring alone (the
    # script path) still works, and never opens it; what asks Harness says
    # which module is missing.
    keyring_only = os.path.join(c.dir, "keyring-only")
    os.makedirs(keyring_only)
    os.symlink(os.path.join(os.path.dirname(TESSERA), "core", "net", "libtessera-keyring.so"),
               os.path.join(keyring_only, "libtessera-keyring.so"))
    env = {"TESSERA_MODULE_DIR": keyring_only}
    r = c.run("token", code=0, env=env, may_print_secret=True)
    check_equal(r.out.strip(), HARNESS.key("valid"), "token with the keyring module alone")
    # With both installed, the script path opens the keyring module only.
    r = c.run("token", code=0, may_print_secret=True)
    loaded = [line for line in r.err.splitlines() if "Loaded " in line]
    check(any("libtessera-keyring.so" in line for line in loaded), f"token opened the keyring module: {loaded}")
    check(not any("libtessera-net.so" in line for line in loaded), f"token left the network module: {loaded}")
    r = c.fail_run("verify", code=5, env=env)
    check("network module" in r.messages[0] and "Reinstall Tessera" in r.messages[0],
          f"verify names the network module: {r.messages[0]!r}")
    check_equal(c.names(), ["Production"], "nothing was removed")


@case
def real_gnome_keyring(c):
    """The keyring items, as other programs see them."""
    key = HARNESS.key("valid", kind="sat")
    c.add("Keyring test", key, "--base-url", HARNESS.base_url)
    c.run("select", "keyring test", code=0)
    r = c.run("token", code=0, may_print_secret=True)
    check_equal(r.out, key + "\n", "token from gnome-keyring")
    r = c.run("exec", "--", "sh", "-c", 'test "$HARNESS_API_KEY" = "$HARNESS_PLATFORM_API_KEY"', code=0)
    cred = c.credentials()[0]

    # The keyring is shared with other programs: its items are a contract.
    items = secret_tool_items(c, cred["id"])
    check_equal(len(items), 1, f"one keyring item for the credential ({items})")
    attrs = items[0]
    check_equal(attrs.get("attribute.schema-version"), "1", "schema-version attribute")
    # Readable while the keyring is locked: names neither the credential
    # nor its account (issue 17, finding 6).
    check_equal(attrs.get("label"), "Harness API key (Tessera)", "item label")
    check_equal(sorted(k for k in attrs if k.startswith("attribute.")),
                ["attribute.credential-id", "attribute.schema-version"], "only the two attributes")

    c.run("verify", code=0)
    c.run("remove", "Keyring test", code=0)
    check_equal(secret_tool_items(c, cred["id"]), [], "the item is gone after remove")



@case
def list_1000_credentials(c):
    """Times `tessera list` over 1 000 credentials (printed, not asserted).

    The list reads GSettings only, so the credentials are written straight
    into the keyfile, copied from one added through the command line."""
    c.add("Template", HARNESS.key("valid"), "--base-url", HARNESS.base_url, "--no-verify")
    template_id = c.credentials()[0]["id"]
    with open(c.keyfile) as f:
        text = f.read()
    groups = re.split(r"^(?=\[)", text, flags=re.M)
    cred_group = next(g for g in groups if g.startswith(f"[io/github/tessera/Tessera/credentials/{template_id}]"))
    # Under the sanitizers every allocation is slow: fewer, for the memory
    # checks only.
    count = 100 if SANITIZED else 1000
    ids = [template_id] + [str(uuid.uuid4()) for _ in range(count - 1)]
    out = [g for g in groups if g.strip() and g is not cred_group]
    for n, cid in enumerate(ids):
        g = cred_group.replace(template_id, cid).replace("'Template'", f"'Credential {n:04d}'")
        out.append(g if g.endswith("\n") else g + "\n")
    text = "".join(out)
    text = re.sub(r"^credentials=.*$", "credentials=[" + ", ".join(f"'{i}'" for i in ids) + "]",
                  text, count=1, flags=re.M)
    with open(c.keyfile, "w") as f:
        f.write(text)

    timings = {}
    for label, args in (("list", ["list"]), ("list --json", ["list", "--json"])):
        best = None
        for _ in range(1 if SANITIZED else 3):
            start = time.monotonic()
            r = c.run(*args, code=0, env={"G_MESSAGES_DEBUG": ""})
            elapsed = time.monotonic() - start
            best = elapsed if best is None else min(best, elapsed)
        timings[label] = best
        if label == "list":
            check_equal(len(r.out.splitlines()), count, "one line per credential")
        else:
            check_equal(len(json.loads(r.out)), count, "one object per credential")
    start = time.monotonic()
    c.run("--version", code=0)
    baseline = time.monotonic() - start
    if SANITIZED:
        print(f"# built with sanitizers: {count} credentials, times not representative")
    print(f"# tessera list, {count} credentials: {timings['list'] * 1000:.0f} ms; "
          f"list --json: {timings['list --json'] * 1000:.0f} ms; "
          f"tessera --version for reference: {baseline * 1000:.0f} ms")


# ---------------------------------------------------------------- per folder (issue 19)




# The cases that also run on the real gnome-keyring: every path that
# stores, reads or deletes a key.
KEYRING_CASES = ("real_gnome_keyring", "add_valid_key", "verify_mixed_results",
                 "remove_credential", "token_output", "exec_environment")


if __name__ == "__main__":
    sys.exit(main(KEYRING_CASES))
