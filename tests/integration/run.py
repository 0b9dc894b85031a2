#!/usr/bin/env python3
"""Run the integration tests against a built sandftpd.

As root the suite runs twice: the daemon as root, and as an unprivileged
user (nobody).  The two runs go side by side, each in a process of its
own (--serial: one after the other); each run's output is printed whole
when it ends.  They share nothing a test changes: each run picks its
ports from its own slice of the test port ranges (--port-slice), every
server has its own directories and configuration, the system-user
tests (which lock and expire a test account) run only with the daemon
as root, and the test CA, PAM services and network namespaces are made
per process.  Most of a run is spent waiting (timeouts, delays,
transfers at a rate limit): side by side they take little longer than
the longer one.  As another user it runs once, unprivileged.

  python3 tests/integration/run.py --binary build/sandftpd \\
      --hooks build/sandftpd-testhooks [--mode root|unpriv|both] \\
      [--serial] [-k NAME]
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
    ap.add_argument("--serial", action="store_true",
                    help="both modes: one after the other")
    ap.add_argument("--port-slice", default="0/1",
                    help="I/N: use the I-th of N slices of the test ports "
                    "(set for runs side by side)")
    args = ap.parse_args()

    i, n = (int(x) for x in args.port_slice.split("/"))
    harness.PORT_SLICE = (i, n)
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
    if len(modes) > 1 and not args.serial:
        sys.exit(run_side_by_side(modes))
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


def run_side_by_side(modes):
    """Each mode in a child process of its own, at the same time; the
    output of each, whole, as it ends.  The exit status: 1 if either
    failed."""
    import tempfile
    procs = []
    for k, mode in enumerate(modes):
        out = tempfile.TemporaryFile()
        argv = [sys.executable, os.path.abspath(__file__)]
        skip = False
        for a in sys.argv[1:]:
            if skip:
                skip = False
            elif a == "--mode":
                skip = True
            elif not a.startswith("--mode=") and a != "--serial":
                argv.append(a)
        procs.append((mode, out, subprocess.Popen(
            argv + ["--mode", mode, "--port-slice", "%d/%d" % (k, len(modes))],
            stdout=out, stderr=subprocess.STDOUT)))
    failed = 0
    pending = list(procs)
    while pending:
        for item in list(pending):
            mode, out, p = item
            if p.poll() is None:
                continue
            pending.remove(item)
            out.seek(0)
            sys.stdout.flush()
            sys.stdout.buffer.write(out.read())
            sys.stdout.flush()
            out.close()
            if p.returncode != 0:
                failed = 1
                print("=== %s: FAILED (exit status %d) ===" %
                      (mode, p.returncode), flush=True)
        time.sleep(0.5)
    return failed


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
