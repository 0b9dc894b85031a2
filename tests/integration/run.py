#!/usr/bin/env python3
"""Run the integration tests against a built sandftpd.

As root the suite runs twice: the daemon as root, then as an unprivileged
user (nobody).  As another user it runs once, unprivileged.

  python3 tests/integration/run.py --binary build/sandftpd \\
      --hooks build/sandftpd-testhooks [--mode root|unpriv|both] [-k NAME]
"""
import argparse
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--hooks", required=True)
    ap.add_argument("--mode", choices=["root", "unpriv", "both"])
    ap.add_argument("-k", dest="pattern", action="append",
                    help="only tests whose id contains this")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()

    harness.BINARY = os.path.abspath(args.binary)
    harness.HOOKS = os.path.abspath(args.hooks)
    harness.SANITIZED = "sanitizers" in subprocess.run(
        [harness.BINARY, "-V"], capture_output=True, text=True).stdout
    if args.mode:
        modes = ["root", "unpriv"] if args.mode == "both" else [args.mode]
    else:
        modes = ["root", "unpriv"] if harness.IS_ROOT else ["unpriv"]
    if "root" in modes and not harness.IS_ROOT:
        sys.exit("root mode needs root")

    if "root" in modes:
        ensure_session_user()
        ensure_accounts()
    here = os.path.dirname(os.path.abspath(__file__))
    failed = 0
    for mode in modes:
        harness.UNPRIV = mode == "unpriv"
        suite = unittest.defaultTestLoader.discover(here, "test_*.py")
        if args.pattern:
            suite = filter_suite(suite, args.pattern)
        print("=== integration tests, daemon %s ===" %
              ("as root" if mode == "root" else "unprivileged"), flush=True)
        t0 = time.time()
        result = unittest.TextTestRunner(
            verbosity=2 if args.v else 1).run(suite)
        print("=== %s: %d tests in %.1f s ===" %
              (mode, result.testsRun, time.time() - t0), flush=True)
        if not result.wasSuccessful():
            failed += 1
    sys.exit(1 if failed else 0)


def ensure_session_user(name="sandftpd"):
    """The daemon's default session_user: a system account owning no
    files.  Created like make install does, if it is missing."""
    import pwd
    import subprocess
    try:
        pwd.getpwnam(name)
    except KeyError:
        print("creating the session user %r" % name, flush=True)
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--home-dir", "/nonexistent", "--shell",
                        "/usr/sbin/nologin", name], check=True)


def ensure_accounts():
    """The local accounts system-user and virtual-user tests log in as
    (or run as): a home, a shell in /etc/shells, a known password."""
    import grp
    import pwd
    import subprocess
    try:
        grp.getgrnam(harness.TEST_GROUP)
    except KeyError:
        subprocess.run(["groupadd", harness.TEST_GROUP], check=True)
    for name in harness.TEST_ACCOUNTS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            print("creating the test account %r" % name, flush=True)
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh",
                            name], check=True)
        subprocess.run(["chpasswd"], input="%s:%s\n" %
                       (name, harness.TEST_PASSWORD), text=True, check=True)
        subprocess.run(["usermod", "--unlock", "--expiredate", "",
                        "--append", "--groups", harness.TEST_GROUP, name],
                       check=True, capture_output=True)


def filter_suite(suite, patterns):
    out = unittest.TestSuite()
    for t in iterate(suite):
        if any(p in t.id() for p in patterns):
            out.addTest(t)
    return out


def iterate(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from iterate(t)
        else:
            yield t


if __name__ == "__main__":
    main()
