#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-folder.py TESSERA FAKE_HARNESS SCHEMA_DIR [--secrets=…]: which
credential applies here (--credential › TESSERA_CREDENTIAL › .tessera ›
the selected one), `tessera env` for eval and direnv, and the git
credential helper. How cases run: tests/cli_harness.py."""

import json
import os
import re
import shutil
import subprocess
import sys

from cli_harness import *  # noqa: F401,F403 (Case, case, HARNESS, checks, …)


def write_tessera_file(folder, text):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, ".tessera")
    with open(path, "w") as f:
        f.write(text)
    return path


def other_account_key(variant=1):
    return f"pat.{OTHER_ACCOUNT}.{variant:024x}.OtherSecret{variant:02d}xxxxxxxx"


@case
def folder_precedence(c):
    """--credential › TESSERA_CREDENTIAL › the nearest .tessera › the selected one."""
    for name, variant in (("Selected", 1), ("Deploy bot", 2), ("From env", 3), ("Option", 4)):
        c.add(name, HARNESS.key("offline", variant=variant), "--no-verify", "--base-url", HARNESS.base_url)
    keys = {c["name"]: c for c in c.credentials()}
    deep = os.path.join(c.home, "work", "client", "repo", "src")
    os.makedirs(deep)

    r = c.run("status", "--json", cwd=deep, code=0)
    status = json.loads(r.out)
    check_equal((status["credential"]["name"], status["rule"], status["file"]), ("Selected", "selected", None),
                "no .tessera: the selected one")

    # A .tessera two folders up.
    path = write_tessera_file(os.path.join(c.home, "work", "client"),
                              "[Tessera]\ncredential=deploy bot\norg=default\nproject=myproj\n")
    status = json.loads(c.run("status", "--json", cwd=deep, code=0).out)
    check_equal((status["credential"]["name"], status["rule"], status["file"], status["org"], status["project"]),
                ("Deploy bot", "folder", path, "default", "myproj"), "the .tessera two folders up")
    check_equal(status["credential"]["id"], keys["Deploy bot"]["id"], "its id")
    r = c.run("status", cwd=deep, code=0)
    check("Deploy bot" in r.out and path in r.out and "myproj" in r.out, f"status in words: {r.out!r}")
    r = c.run("token", cwd=deep, code=0, may_print_secret=True)
    check_equal(r.out.strip(), HARNESS.key("offline", variant=2), "token follows the .tessera")
    r = c.run("exec", "--", "sh", "-c", "printf %s \"$HARNESS_API_KEY\"", cwd=deep, code=0, may_print_secret=True)
    check_equal(r.out, HARNESS.key("offline", variant=2), "exec follows the .tessera")
    # Outside that folder, the selected one again.
    r = c.run("token", cwd=c.home, code=0, may_print_secret=True)
    check_equal(r.out.strip(), HARNESS.key("offline", variant=1), "token outside the folder")

    # The environment beats the file; --credential beats both.
    env = {"TESSERA_CREDENTIAL": "From env"}
    status = json.loads(c.run("status", "--json", cwd=deep, env=env, code=0).out)
    check_equal((status["credential"]["name"], status["rule"], status["org"]), ("From env", "environment", None),
                "TESSERA_CREDENTIAL")
    r = c.run("token", cwd=deep, env=env, code=0, may_print_secret=True)
    check_equal(r.out.strip(), HARNESS.key("offline", variant=3), "token follows TESSERA_CREDENTIAL")
    for args in (["status", "--json", "--credential", "option"],):
        status = json.loads(c.run(*args, cwd=deep, env=env, code=0).out)
        check_equal((status["credential"]["name"], status["rule"]), ("Option", "option"), "--credential")
    r = c.run("token", "--credential", "Option", cwd=deep, env=env, code=0, may_print_secret=True)
    check_equal(r.out.strip(), HARNESS.key("offline", variant=4), "token --credential")
    r = c.run("token", "Option", cwd=deep, env=env, code=0, may_print_secret=True)
    check_equal(r.out.strip(), HARNESS.key("offline", variant=4), "token NAME")
    c.fail_run("token", "Option", "--credential", "Option", code=3)
    c.fail_run("verify", "--all", "--credential", "Option", code=3)

    # verify checks the one that applies (here: unreachable, offline keys
    # against the fake are turned down, so exit 1 names Deploy bot alone).
    r = c.run("verify", "--json", cwd=deep, code=1)
    check_equal([v["name"] for v in json.loads(r.out)], ["Deploy bot"], "verify follows the .tessera")
    r = c.run("verify", "--json", "--credential", "From env", cwd=deep, code=1)
    check_equal([v["name"] for v in json.loads(r.out)], ["From env"], "verify --credential")

    # Errors name the file or the variable; nothing else is used instead.
    write_tessera_file(os.path.join(c.home, "work", "client"), "[Tessera]\ncredential=Nobody\n")
    c.fail_run("token", cwd=deep, code=4, contains=path)
    c.fail_run("status", cwd=deep, code=4, contains="Nobody")
    c.fail_run("exec", "--", "true", cwd=deep, code=4, contains=path)
    write_tessera_file(os.path.join(c.home, "work", "client"), "credential=Option\n")
    c.fail_run("token", cwd=deep, code=4, contains=path)
    c.fail_run("token", cwd=deep, env={"TESSERA_CREDENTIAL": "Nobody"}, code=4, contains="TESSERA_CREDENTIAL")
    # A higher rule does not read the broken file.
    c.run("token", cwd=deep, env=env, code=0, may_print_secret=True)
    c.fail_run("status", "--credential", "Nobody", cwd=deep, code=4, contains="Nobody")


def sh_eval(c, cwd, script, shell_args=()):
    full = dict(c.env)
    full["TESSERA"] = TESSERA
    if SANITIZED:
        full["LSAN_OPTIONS"] = full.get("LSAN_OPTIONS", "") + ":exitcode=0"
    r = subprocess.run(["sh", "-c", script], cwd=cwd, env=full, capture_output=True, text=True, timeout=60)
    check_equal(r.returncode, 0, f"sh -c {script!r}: {r.stderr}")
    return r.stdout


def fish_unquote(word):
    check(word.startswith("'") and word.endswith("'"), f"a fish single-quoted word: {word!r}")
    out, i, body = [], 0, word[1:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in "\\'":
            out.append(body[i + 1])
            i += 2
        else:
            check(body[i] != "'", f"an unescaped quote in {word!r}")
            out.append(body[i])
            i += 1
    return "".join(out)


@case
def env_for_eval(c):
    key = HARNESS.key("valid")
    c.add("Deploy bot", key, "--base-url", HARNESS.base_url)
    folder = os.path.join(c.home, "proj", "sub")
    os.makedirs(folder)
    org = "it's \"$HOME\" `x` \\n"
    project = "my project; rm -rf /tmp/nothing"
    write_tessera_file(os.path.dirname(folder), f"[Tessera]\ncredential=Deploy bot\norg={org}\nproject={project}\n")
    # GKeyFile reads "\\n" as a backslash escape: what tessera reads is what counts.
    org_read = json.loads(c.run("status", "--json", cwd=folder, code=0).out)["org"]

    names = ("HARNESS_PLATFORM_API_KEY", "HARNESS_API_KEY", "HARNESS_ACCOUNT_ID", "HARNESS_ACCOUNT",
             "HARNESS_ENDPOINT", "HARNESS_API_URL", "HARNESS_ORG", "HARNESS_PROJECT",
             "ORG_IDENTIFIER", "PROJECT_IDENTIFIER")
    expected = {
        "HARNESS_PLATFORM_API_KEY": key, "HARNESS_API_KEY": key,
        "HARNESS_ACCOUNT_ID": ACCOUNT, "HARNESS_ACCOUNT": ACCOUNT,
        "HARNESS_ENDPOINT": HARNESS.base_url + "/gateway", "HARNESS_API_URL": HARNESS.base_url,
        "HARNESS_ORG": org_read, "HARNESS_PROJECT": project,
        "ORG_IDENTIFIER": org_read, "PROJECT_IDENTIFIER": project,
    }
    check(org_read.startswith("it's \"$HOME\" `x`"), f"the org as read: {org_read!r}")

    script = 'eval "$("$TESSERA" env)" && for n in ' + " ".join(names) + \
             '; do eval "v=\\${$n-UNSET}"; printf "%s=%s\\0" "$n" "$v"; done'
    out = sh_eval(c, folder, script)
    got = dict(item.split("=", 1) for item in out.split("\0") if item)
    check_equal(got, expected, "eval \"$(tessera env)\" in sh")

    # The JSON form, and fish's quoting (fish itself is not installed).
    r = c.run("env", "--shell", "json", cwd=folder, code=0, may_print_secret=True)
    check_equal(json.loads(r.out), expected, "env --shell json")
    r = c.run("env", "--shell", "fish", cwd=folder, code=0, may_print_secret=True)
    fish = {}
    for line in r.out.splitlines():
        m = re.fullmatch(r"set -gx ([A-Z_]+) ('.*');", line)
        check(m, f"a fish line: {line!r}")
        fish[m.group(1)] = fish_unquote(m.group(2))
    check_equal(fish, expected, "env --shell fish")

    # Outside the folder: no org or project; --credential as everywhere.
    r = c.run("env", "--shell", "json", cwd=c.home, code=0, may_print_secret=True)
    check("HARNESS_ORG" not in json.loads(r.out), "no org without a .tessera")
    c.fail_run("env", "--shell", "csh", code=3)
    c.fail_run("env", "--credential", "Nobody", code=4, contains="Nobody")


def git_env(c):
    env = dict(c.env)
    env.update({"GIT_CONFIG_GLOBAL": os.path.join(c.home, "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""})
    if SANITIZED:
        env["LSAN_OPTIONS"] = env.get("LSAN_OPTIONS", "") + ":exitcode=0"
    return env


@case
def git_credential_helper(c):
    key = HARNESS.key("valid", variant=2)          # expires in 3 days
    other = c.secret(other_account_key())
    c.add("Code", key, "--base-url", HARNESS.base_url)
    c.add("Other", other, "--no-verify", "--base-url", "https://app.harness.io")
    expires = c.credentials()[0]["expires"]
    check(expires, "the expiring key has an expiry")

    def get(text, *options, cwd=None):
        return c.run("git-credential", *options, "get", stdin=text, code=0, may_print_secret=True, cwd=cwd)

    def answer(r):
        return dict(line.split("=", 1) for line in r.out.splitlines())

    # The helper itself: by the account in the path, else the order.
    r = get(f"protocol=https\nhost=git.harness.io\npath={ACCOUNT}/default/proj/repo.git\n\n")
    a = answer(r)
    check_equal(a.get("password"), key, "the key for the account in the path")
    check(a.get("username"), "a username")
    import datetime
    check_equal(int(a.get("password_expiry_utc", "0")),
                int(datetime.datetime.fromisoformat(expires.replace("Z", "+00:00")).timestamp()),
                "password_expiry_utc")
    a = answer(get(f"protocol=https\nhost=git.harness.io\npath={OTHER_ACCOUNT}/o/p/r.git\n\n"))
    check_equal(a.get("password"), other, "the other account's key")
    check("password_expiry_utc" not in a, "no expiry for a key without one")
    a = answer(get("protocol=https\nhost=git.harness.io\n\n"))
    check_equal(a.get("password"), key, "no path: the selected one")
    folder = os.path.join(c.home, "repo")
    write_tessera_file(folder, "[Tessera]\ncredential=Other\n")
    check_equal(answer(get("protocol=https\nhost=git.harness.io\n\n", cwd=folder)).get("password"), other,
                "no path: the .tessera")
    check_equal(answer(get("protocol=https\nhost=git.harness.io\npath=NoSuchAccount/o/p/r.git\n\n")), {},
                "nothing for an account with no credential")
    check_equal(get("protocol=https\nhost=github.com\npath=cli/cli.git\n\n").out, "", "nothing for github.com")
    check_equal(get("protocol=https\nhost=git.harness.io.evil.example\n\n").out, "", "nothing for a look-alike host")
    host = HARNESS.base_url.split("://", 1)[1]
    check_equal(answer(get(f"protocol=http\nhost={host}\npath={ACCOUNT}/o/p/r.git\n\n")).get("password"), key,
                "a saved base URL's host")

    # store and erase change nothing.
    for op in ("store", "erase"):
        r = c.run("git-credential", op, stdin=f"protocol=https\nhost=git.harness.io\nusername=x\npassword={key}\n\n",
                  code=0)
        check_equal(r.out, "", f"{op} answers nothing")
    check_equal(sorted(c.names()), ["Code", "Other"], "erase leaves the credentials")
    c.run("token", "Code", code=0, may_print_secret=True)
    c.fail_run("git-credential", "list", code=3)

    if shutil.which("git") is None:
        raise Skip("git is not installed: the helper was tested alone")

    env = git_env(c)
    r = c.run("setup-git", "--dry-run", env=env, code=0)
    check("credential.https://git.harness.io.helper" in r.out, f"setup-git shows the lines: {r.out!r}")
    check(not os.path.exists(env["GIT_CONFIG_GLOBAL"]), "--dry-run writes nothing")
    c.run("setup-git", env=env, code=0)
    cfg = subprocess.run(["git", "config", "--global", "--get-all", "credential.https://git.harness.io.helper"],
                         env=env, capture_output=True, text=True)
    check_equal(cfg.stdout.splitlines()[0], "", "other helpers reset for Harness Code")
    check(cfg.stdout.splitlines()[1].endswith(" git-credential"), f"the helper: {cfg.stdout!r}")
    cfg = subprocess.run(["git", "config", "--global", "credential.https://git.harness.io.useHttpPath"],
                         env=env, capture_output=True, text=True)
    check_equal(cfg.stdout.strip(), "true", "useHttpPath")
    c.run("setup-git", env=env, code=0)   # again: still one helper
    cfg = subprocess.run(["git", "config", "--global", "--get-all", "credential.https://git.harness.io.helper"],
                         env=env, capture_output=True, text=True)
    check_equal(len(cfg.stdout.splitlines()), 2, "setup-git twice writes the lines once")

    def fill(url):
        return subprocess.run(["git", "credential", "fill"], input=f"url={url}\n\n", env=env, cwd=c.home,
                              capture_output=True, text=True, timeout=60)

    r = fill(f"https://git.harness.io/{OTHER_ACCOUNT}/default/proj/repo.git")
    check_equal(r.returncode, 0, f"git credential fill: {r.stderr}")
    check(f"password={other}\n" in r.stdout, "git gets the account's key through the helper")
    r = fill(f"https://git.harness.io/{ACCOUNT}/default/proj/repo.git")
    check(f"password={key}\n" in r.stdout, "git gets the other account's key")
    r = fill("https://github.com/cli/cli.git")
    check(r.returncode != 0 and "password=" not in r.stdout, f"nothing for github.com: {r.stdout!r}")
    r = subprocess.run(["git", "credential", "reject"], input=f"url=https://git.harness.io/{ACCOUNT}/o/p/r.git\n"
                       f"username=x\npassword={key}\n\n", env=env, capture_output=True, text=True, timeout=60)
    check_equal(r.returncode, 0, "git credential reject")
    check_equal(sorted(c.names()), ["Code", "Other"], "git's reject leaves the credentials")


# ---------------------------------------------------------------- runner




# The cases that also run on the real gnome-keyring: every path that
# stores, reads or deletes a key.
KEYRING_CASES = ("env_for_eval", "git_credential_helper")


if __name__ == "__main__":
    sys.exit(main(KEYRING_CASES))
