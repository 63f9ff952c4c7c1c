#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""test-cli-git-flatpak.py TESSERA FAKE_HARNESS SCHEMA_DIR: `tessera
setup-git` inside a Flatpak sandbox (issue 19)

A Flatpak sandbox is recognised by its /.flatpak-info, here a file of the
case's own ($TESSERA_TEST_FLATPAK_INFO). There the helper git runs is
`flatpak run --command=tessera APP_ID git-credential`, which git on the
host can start; the sandbox sees neither the host's git settings nor a
git, so setup-git writes nothing, shows the lines and says to run them
outside. Run on the "host" (sh, with a `flatpak` that starts the built
tessera as `flatpak run` would), they make `git credential fill` get the
key. How cases run: tests/cli_harness.py.
"""

import os
import shutil
import subprocess
import sys

from cli_harness import *  # noqa: F401,F403 (Case, case, HARNESS, checks, …)

APP_ID = "io.github.tessera.Tessera"
HELPER = f"!flatpak run --command=tessera {APP_ID} git-credential"


def git_env(c, **extra):
    env = dict(c.env)
    env.update({"GIT_CONFIG_GLOBAL": os.path.join(c.home, "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""})
    if SANITIZED:
        env["LSAN_OPTIONS"] = env.get("LSAN_OPTIONS", "") + ":exitcode=0"
    env.update(extra)
    return env


def flatpak_info(c, text):
    path = os.path.join(c.dir, "flatpak-info")
    with open(path, "w") as f:
        f.write(text)
    return path


def helpers(env):
    r = subprocess.run(["git", "config", "--global", "--get-all", "credential.https://git.harness.io.helper"],
                       env=env, capture_output=True, text=True)
    return r.stdout.splitlines()


@case
def setup_git_in_flatpak(c):
    if shutil.which("git") is None:
        raise Skip("git is not installed")
    key = HARNESS.key("valid")
    c.add("Code", key, "--base-url", HARNESS.base_url)
    info = flatpak_info(c, f"[Application]\nname={APP_ID}\nruntime=runtime/org.gnome.Platform/x86_64/51\n\n"
                           "[Instance]\ninstance-id=1234\n")
    env = git_env(c, TESSERA_TEST_FLATPAK_INFO=info)

    # It shows the lines, with the helper the host can start…
    r = c.run("setup-git", "--dry-run", env=env, code=0)
    check(f"--add credential.https://git.harness.io.helper '{HELPER}'\n" in r.out,
          f"the helper is `flatpak run`: {r.out!r}")
    check(TESSERA not in r.out and os.path.realpath(TESSERA) not in r.out,
          f"not the path inside the sandbox: {r.out!r}")
    host = HARNESS.base_url.split("://", 1)[1]
    check(f"credential.http://{host}.helper '{HELPER}'" in r.out, f"and for the saved base URL's host: {r.out!r}")
    check_equal(r.messages, [], "--dry-run only shows the lines")
    dry = r.out

    # …and writes nothing, but says where to run them.
    r = c.run("setup-git", env=env, code=0)
    check_equal(r.out, dry, "the same lines without --dry-run")
    check(not os.path.exists(env["GIT_CONFIG_GLOBAL"]), "nothing written to git's settings from the sandbox")
    check_equal(len(r.messages), 1, f"one sentence on stderr: {r.messages}")
    check("Flatpak sandbox" in r.messages[0] and "outside" in r.messages[0] and r.messages[0].endswith("."),
          f"it says to run them outside the sandbox: {r.messages[0]!r}")

    # On the host: the lines piped to sh, then git asks `flatpak run`.
    bindir = os.path.join(c.dir, "bin")
    os.makedirs(bindir)
    with open(os.path.join(bindir, "flatpak"), "w") as f:
        f.write("#!/bin/sh\n"
                "# `flatpak run --command=tessera APP_ID ARGS…` starts the sandbox's tessera\n"
                f'[ "$1" = run ] && [ "$2" = --command=tessera ] && [ "$3" = {APP_ID} ] || exit 99\n'
                "shift 3\n"
                f'exec "{TESSERA}" "$@"\n')
    os.chmod(os.path.join(bindir, "flatpak"), 0o755)
    host_env = git_env(c, PATH=bindir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"))
    r = subprocess.run(["sh", "-e"], input=r.out, env=host_env, capture_output=True, text=True, timeout=60)
    check_equal(r.returncode, 0, f"the lines run on the host: {r.stderr}")
    check_equal(helpers(host_env), ["", HELPER], "git's helpers for Harness Code")

    r = subprocess.run(["git", "credential", "fill"], input=f"url=https://git.harness.io/{ACCOUNT}/o/p/r.git\n\n",
                       env=host_env, cwd=c.home, capture_output=True, text=True, timeout=60)
    check_equal(r.returncode, 0, f"git credential fill: {r.stderr}")
    check(f"password={key}\n" in r.stdout, "git gets the key through `flatpak run`")


@case
def flatpak_info_without_a_name(c):
    if shutil.which("git") is None:
        raise Skip("git is not installed")
    c.add("Code", HARNESS.key("valid"), "--base-url", HARNESS.base_url)

    # A sandbox whose file does not say its id: Tessera's own.
    env = git_env(c, TESSERA_TEST_FLATPAK_INFO=flatpak_info(c, "[Instance]\ninstance-id=1\n"))
    r = c.run("setup-git", "--dry-run", env=env, code=0)
    check(f"'{HELPER}'" in r.out, f"the helper starts {APP_ID}: {r.out!r}")

    # No file: no sandbox, the program itself.
    env = git_env(c, TESSERA_TEST_FLATPAK_INFO=os.path.join(c.dir, "no-such-file"))
    r = c.run("setup-git", env=env, code=0)
    check("flatpak" not in r.out, f"outside a Flatpak, no `flatpak run`: {r.out!r}")
    written = helpers(env)
    check(len(written) == 2 and written[1].endswith(" git-credential") and "flatpak" not in written[1],
          f"the program's own path, written: {written!r}")


if __name__ == "__main__":
    sys.exit(main())
