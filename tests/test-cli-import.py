#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-import.py TESSERA FAKE_HARNESS SCHEMA_DIR [--secrets=…]:
`tessera import` reads the files of Harness's own command-line tools
(harness-api.md §8: hc's ~/.harness/auth.json, the unified CLI's
config.yaml + credentials, the old CLI's ~/.secrets.json), saves their
keys through the checked save and, with --scrub, removes the key lines
and nothing else. How cases run: tests/cli_harness.py."""

import json
import os
import stat

from cli_harness import *  # noqa: F401,F403 (Case, case, HARNESS, checks, …)


def auth_json(key, base_url, org="default", project="myproj"):
    return ("{\n"
            f'  "base_url": "{base_url}",\n'
            f'  "token": "{key}",\n'
            f'  "account_id": "{ACCOUNT}",\n'
            f'  "org_id": "{org}",\n'
            f'  "project_id": "{project}",\n'
            '  "registry_url": "https://pkg.harness.io"\n'
            "}\n")


def config_yaml(base_url, profiles=("staging",), sso=()):
    text = "disable_telemetry: true\nprofiles:\n"
    for name in sorted(list(profiles) + list(sso)):
        text += f"    {name}:\n        account_id: {ACCOUNT}\n        api_url: {base_url}\n"
        if name in sso:
            text += "        auth_type: sso\n        email: someone@example.com\n"
        else:
            text += "        org_id: default\n        project_id: myproj\n"
    return text + "telemetry_id: 3b0c6a4e-0000-4000-8000-000000000000\n"


CREDENTIALS_HEADER = ("# Harness credentials — contains sensitive tokens\n"
                      "# Do not share this file or open it on screen shares\n"
                      "# Manage credentials with: harness auth login / logout / status\n")


def credentials_ini(keys, sso=()):
    text = CREDENTIALS_HEADER
    for name, key in keys.items():
        text += f'\n[{name}]\npat_token = "{key}"\n'
    for name in sso:
        text += f'\n[{name}]\nsso_token = "eyJhbGciOiJIUzI1NiJ9.e30.sso"\nrefresh_token = "r"\n'
    return text


def secrets_json(key, base_url):
    return json.dumps({"apiKey": key, "accountId": ACCOUNT, "baseUrl": base_url, "userId": "u1"}, indent=2) + "\n"


def write(c, relative, text, mode=0o600):
    path = os.path.join(c.home, relative)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


def all_fixtures(c, hc_key, staging_key, legacy_key):
    for key in (hc_key, staging_key, legacy_key):
        c.secret(key)
    return {
        "auth": write(c, ".harness/auth.json", auth_json(hc_key, HARNESS.base_url)),
        "config": write(c, ".harness/config.yaml", config_yaml(HARNESS.base_url, sso=("work-sso",))),
        "credentials": write(c, ".harness/credentials", credentials_ini({"staging": staging_key}, sso=("work-sso",))),
        "secrets": write(c, ".secrets.json", secrets_json(legacy_key, HARNESS.base_url), mode=0o644),
    }


def remove_fixtures(paths):
    """The files still hold keys: the leak check looks at every file."""
    for path in paths.values():
        if os.path.exists(path):
            os.unlink(path)


def snapshot(paths):
    return {name: read(path) for name, path in paths.items()}


@case
def import_every_format(c):
    """Every format of §8 becomes a credential with its account, base URL,
    org and project; the files stay as they are; a second import skips."""
    hc, staging, legacy = HARNESS.key(), HARNESS.key(variant=2), HARNESS.key(kind="sat")
    paths = all_fixtures(c, hc, staging, legacy)
    before = snapshot(paths)

    r = c.run("import", "--json", code=0)
    report = {entry["profile"]: entry for entry in json.loads(r.out)}
    check_equal(sorted(report), ["harness-legacy", "hc", "staging", "work-sso"], "profiles found")
    check_equal({p: e["outcome"] for p, e in report.items()},
                {"hc": "imported", "staging": "imported", "harness-legacy": "imported", "work-sso": "no-api-key"},
                "outcomes")
    check_equal(report["staging"]["file"], "~/.harness/credentials", "where the key of staging is")
    check(not any(e["scrubbed"] for e in report.values()), "nothing scrubbed without --scrub")

    saved = {cred["name"]: cred for cred in c.credentials()}
    check_equal(sorted(saved), ["harness-legacy", "hc", "staging"], "credentials made")
    for name in saved:
        check_equal((saved[name]["account_id"], saved[name]["base_url"], saved[name]["status"]),
                    (ACCOUNT, HARNESS.base_url, "verified"), f"{name}: account, base URL, status")
    # The profile's org and project are the credential's own: what `env`
    # and `exec` give scripts where no .tessera file names others.
    for name in ("hc", "staging"):
        variables = json.loads(c.run("env", "--credential", name, "--shell", "json", code=0,
                                     may_print_secret=True).out)
        check_equal((variables.get("HARNESS_ORG"), variables.get("HARNESS_PROJECT"),
                     variables.get("ORG_IDENTIFIER"), variables.get("PROJECT_IDENTIFIER")),
                    ("default", "myproj", "default", "myproj"), f"{name}: org and project for scripts")
        status = json.loads(c.run("status", "--credential", name, "--json", code=0).out)
        check_equal((status["org"], status["project"]), ("default", "myproj"), f"{name}: status --json")
    legacy = json.loads(c.run("env", "--credential", "harness-legacy", "--shell", "json", code=0,
                              may_print_secret=True).out)
    check("HARNESS_ORG" not in legacy or not legacy["HARNESS_ORG"], f"no org for harness-legacy: {legacy}")
    # A .tessera file's org and project come first.
    with open(os.path.join(c.home, ".tessera"), "w") as f:
        f.write("[Tessera]\ncredential=staging\norg=other_org\nproject=other_proj\n")
    variables = json.loads(c.run("env", "--shell", "json", code=0, may_print_secret=True, cwd=c.home).out)
    check_equal((variables.get("HARNESS_ORG"), variables.get("HARNESS_PROJECT")), ("other_org", "other_proj"),
                "the .tessera file's org and project win")
    os.unlink(os.path.join(c.home, ".tessera"))
    check_equal(snapshot(paths), before, "the files without --scrub")

    r = c.run("token", "staging", code=0, may_print_secret=True)
    check_equal(r.out.strip(), staging, "the key saved for staging")

    # Again: everything is there already.
    r = c.run("import", code=0)
    check_equal(r.out.count("skipped; the same key is saved already"), 3, f"second import: {r.out!r}")
    check_equal(len(c.credentials()), 3, "no credential added the second time")
    remove_fixtures(paths)


@case
def import_scrub_removes_only_keys(c):
    """--scrub: no key is left under ~/.harness nor in ~/.secrets.json,
    every other byte stays, the modes stay, no other file appears."""
    hc, staging, legacy = HARNESS.key(), HARNESS.key(variant=2), HARNESS.key(kind="sat")
    paths = all_fixtures(c, hc, staging, legacy)
    before = snapshot(paths)
    listing = sorted(os.listdir(os.path.join(c.home, ".harness")))

    r = c.run("import", "--scrub", code=0)
    check_equal(r.out.count("Its key was removed from the file."), 3, f"summary: {r.out!r}")
    check_equal(len(c.credentials()), 3, "credentials made")

    expected = {
        "auth": before["auth"].replace(f'  "token": "{hc}",\n'.encode(), b""),
        "config": before["config"],
        "credentials": before["credentials"].replace(f'pat_token = "{staging}"\n'.encode(), b""),
        "secrets": before["secrets"].replace(f'  "apiKey": "{legacy}",\n'.encode(), b""),
    }
    for name, path in paths.items():
        check_equal(read(path), expected[name], f"{name} after --scrub")
    json.loads(read(paths["auth"]))
    json.loads(read(paths["secrets"]))
    check_equal(stat.S_IMODE(os.stat(paths["auth"]).st_mode), 0o600, "auth.json's mode")
    check_equal(stat.S_IMODE(os.stat(paths["secrets"]).st_mode), 0o644, ".secrets.json's mode")
    check_equal(sorted(os.listdir(os.path.join(c.home, ".harness"))), listing, "no other file in ~/.harness")
    for key in (hc, staging, legacy):
        for path in paths.values():
            check(key.encode() not in read(path), f"a key left in {path}")
    # The keys are in the keyring.
    r = c.run("token", "hc", code=0, may_print_secret=True)
    check_equal(r.out.strip(), hc, "hc's key from the keyring")

    # Scrubbed already: a second --scrub finds nothing to import.
    r = c.run("import", "--scrub", code=0)
    check_equal(len(c.credentials()), 3, "nothing new")


@case
def import_last_member_scrub(c):
    """A key as the last member of auth.json: the comma before it goes too."""
    key = c.secret(HARNESS.key())
    path = write(c, ".harness/auth.json",
                 "{\n" f'  "base_url": "{HARNESS.base_url}",\n  "account_id": "{ACCOUNT}",\n  "token": "{key}"\n' "}\n")
    c.run("import", "--scrub", code=0)
    check_equal(read(path).decode(), "{\n" f'  "base_url": "{HARNESS.base_url}",\n  "account_id": "{ACCOUNT}"\n' "}\n",
                "auth.json after --scrub")


@case
def import_same_key_twice(c):
    """hc and the unified CLI logged in with one key: one credential, and
    --scrub takes the key out of both files."""
    key = c.secret(HARNESS.key())
    auth = write(c, ".harness/auth.json", auth_json(key, HARNESS.base_url))
    write(c, ".harness/config.yaml", config_yaml(HARNESS.base_url, profiles=("default",)))
    credentials = write(c, ".harness/credentials", credentials_ini({"default": key}))
    r = c.run("import", "--scrub", "--json", code=0)
    check_equal({e["profile"]: (e["outcome"], e["credential"], e["scrubbed"]) for e in json.loads(r.out)},
                {"hc": ("imported", "hc", True), "default": ("already-stored", "hc", True)}, "outcomes")
    check_equal(c.names(), ["hc"], "one credential")
    for path in (auth, credentials):
        check(key.encode() not in read(path), f"the key left in {path}")


@case
def import_no_verify(c):
    """--no-verify saves keys Harness does not know, as not verified; with
    --scrub their lines go."""
    hc, staging, legacy = HARNESS.key("offline", variant=1), HARNESS.key("offline", variant=2), \
        HARNESS.key("offline", kind="sat", variant=3)
    paths = all_fixtures(c, hc, staging, legacy)
    r = c.run("import", "--no-verify", "--scrub", code=0)
    check_equal(r.out.count("saved without verifying"), 3, f"summary: {r.out!r}")
    check_equal({cred["name"]: cred["status"] for cred in c.credentials()},
                {"hc": "unverified", "staging": "unverified", "harness-legacy": "unverified"}, "statuses")
    for key in (hc, staging, legacy):
        for path in paths.values():
            check(key.encode() not in read(path), f"a key left in {path}")


@case
def import_rejected_key_kept(c):
    """A key Harness turns down is not saved, and stays in its file; the
    good one beside it is saved and scrubbed."""
    good, bad = c.secret(HARNESS.key()), c.secret(HARNESS.key("rejected", variant=7))
    write(c, ".harness/config.yaml", config_yaml(HARNESS.base_url, profiles=("good", "bad")))
    path = write(c, ".harness/credentials", credentials_ini({"bad": bad, "good": good}))
    before = read(path)

    r = c.run("import", "--scrub", code=1)
    check("“bad” from ~/.harness/credentials: not saved." in r.out, f"summary: {r.out!r}")
    check_equal(c.names(), ["good"], "only the accepted key saved")
    check_equal(read(path), before.replace(f'pat_token = "{good}"\n'.encode(), b""), "only the good key scrubbed")
    os.unlink(path)


@case
def import_name_taken(c):
    """A credential that has the profile's name with another key is not
    overwritten, and that key stays in its file."""
    c.add("Staging", HARNESS.key("offline", variant=9), "--no-verify", "--base-url", HARNESS.base_url)
    key = c.secret(HARNESS.key())
    write(c, ".harness/config.yaml", config_yaml(HARNESS.base_url))
    path = write(c, ".harness/credentials", credentials_ini({"staging": key}))
    before = read(path)
    r = c.run("import", "--scrub", "--json", code=0)
    check_equal(json.loads(r.out)[0]["outcome"], "name-taken", "outcome")
    check_equal(c.names(), ["Staging"], "nothing added")
    r = c.run("token", "staging", code=0, may_print_secret=True)
    check_equal(r.out.strip(), HARNESS.key("offline", variant=9), "the old key kept")
    check_equal(read(path), before, "the file as it was")
    os.unlink(path)


@case
def import_cli_home(c):
    """$HARNESS_CLI_HOME is where the unified CLI's files are."""
    key = c.secret(HARNESS.key())
    write(c, "elsewhere/config.yaml", config_yaml(HARNESS.base_url, profiles=("default",)))
    path = write(c, "elsewhere/credentials", credentials_ini({"default": key}))
    r = c.run("import", "--scrub", env={"HARNESS_CLI_HOME": os.path.join(c.home, "elsewhere")}, code=0)
    check("“default” from ~/elsewhere/credentials: saved" in r.out, f"summary: {r.out!r}")
    check_equal(c.names(), ["default"], "the profile saved")
    check(key.encode() not in read(path), "scrubbed")


@case
def import_malformed_changes_nothing(c):
    """Bad input is one sentence naming the file; nothing is saved or changed."""
    good = c.secret(HARNESS.key())
    other = c.secret(f"pat.{OTHER_ACCOUNT}.{5:024x}.OtherSecret05xxxxxxxx")
    base = HARNESS.base_url
    cases = [
        ("YAML with a list", {".harness/config.yaml": "profiles:\n    - staging\n",
                              ".harness/credentials": credentials_ini({"staging": good})},
         "~/.harness/config.yaml, line 2"),
        ("YAML with a tab", {".harness/config.yaml": "profiles:\n\tstaging:\n",
                             ".harness/credentials": credentials_ini({"staging": good})},
         "~/.harness/config.yaml, line 2"),
        ("YAML nested too deep", {".harness/config.yaml": f"profiles:\n    staging:\n        api_url:\n            x: {base}\n",
                                  ".harness/credentials": credentials_ini({"staging": good})},
         "~/.harness/config.yaml, line 3"),
        ("JSON cut short", {".harness/auth.json": auth_json(good, base)[:-4]}, "~/.harness/auth.json"),
        ("JSON not an object", {".secrets.json": f'["{good}"]\n'}, "~/.secrets.json"),
        ("INI line without =", {".harness/config.yaml": config_yaml(base),
                                ".harness/credentials": CREDENTIALS_HEADER + f'\n[staging]\npat_token "{good}"\n'},
         "~/.harness/credentials, line 6"),
        ("a profile without a key", {".harness/config.yaml": config_yaml(base, profiles=("staging", "prod")),
                                     ".harness/credentials": credentials_ini({"staging": good})},
         "“prod”"),
        ("a key for another account", {".harness/config.yaml": config_yaml(base),
                                       ".harness/credentials": credentials_ini({"staging": other})},
         OTHER_ACCOUNT),
        ("not a key", {".harness/auth.json": auth_json("hunter2", base)}, "~/.harness/auth.json, line 3"),
        ("a folder for a file", {".harness/auth.json/x": "{}"}, "Couldn’t read ~/.harness/auth.json"),
    ]
    for label, files, needle in cases:
        paths = {rel: write(c, rel, text) for rel, text in files.items()}
        before = snapshot(paths)
        r = c.fail_run("import", "--scrub", code=4, contains=needle)
        check("nothing was imported" in r.messages[0].lower(), f"{label}: {r.messages[0]!r}")
        check_equal(c.credentials(), [], f"{label}: nothing saved")
        check_equal(snapshot(paths), before, f"{label}: the files as they were")
        for path in paths.values():
            os.unlink(path)
        for folder in (".harness/auth.json",):
            full = os.path.join(c.home, folder)
            if os.path.isdir(full):
                os.rmdir(full)


@case
def import_nothing_found(c):
    r = c.run("import", code=0)
    check_equal(r.out, "", "stdout")
    check("No API keys of the Harness CLIs were found" in " ".join(r.messages), f"stderr: {r.messages!r}")
    check_equal(c.run("import", "--json", code=0).out.strip(), "[]", "--json")


@case
def import_help(c):
    r = c.run("--help", code=0)
    check("tessera import [--scrub] [--no-verify] [--json]" in r.out, "import in --help")
    r = c.run("help", "import", code=0)
    check("--scrub" in r.out and "HARNESS_CLI_HOME" in r.out, f"help import: {r.out!r}")


if __name__ == "__main__":
    sys.exit(main(("import_every_format", "import_scrub_removes_only_keys")))
