"""What an operator installs: the systemd units (systemd-analyze rates
the services 2.5 or lower and verifies every unit without a word; the
server under the unit's restrictions is test_unitsim.py's), make
install and make uninstall (every file where it belongs, with its mode;
nothing left behind but an edited configuration), the manual pages
(every configuration key, every signal the master handles), and a build
without its dependencies (it names them).  None of this depends on the
daemon's mode: as root it runs in the root pass only."""
import filecmp
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
UNIT_DIR = os.path.join(REPO, "systemd")
MAX_EXPOSURE = 2.5

# Under /etc: SOURCE (under etc/) -> TARGET (under DESTDIR/etc).
ETC_FILES = {
    "sandftpd.conf": "sandftpd.conf",
    "pam.d/sandftpd": "pam.d/sandftpd",
    "user_deny": "sandftpd/user_deny",
    "logrotate.d/sandftpd": "logrotate.d/sandftpd",
    "fail2ban/filter.d/sandftpd.conf": "fail2ban/filter.d/sandftpd.conf",
}

class Once(unittest.TestCase):
    """Skipped in the unprivileged pass of a root run (run.py sets
    harness.UNPRIV after the modules are imported)."""

    def setUp(self):
        if harness.IS_ROOT and harness.UNPRIV:
            self.skipTest("units and install do not depend on the "
                          "daemon's mode; the root pass checks them")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def shipped_units():
    return sorted(n for n in os.listdir(UNIT_DIR)
                  if n.endswith((".service", ".socket")))


def etc_examples():
    out = []
    base = os.path.join(REPO, "etc")
    for d, _, files in os.walk(base):
        out += [os.path.relpath(os.path.join(d, f), base) for f in files]
    return sorted(out)


def config_keys():
    src = read(os.path.join(REPO, "common", "config.c"))
    table = src[src.index("keys[] = {"):]
    table = table[:table.index("\n};")]
    keys = re.findall(r'\{\s*"([a-z0-9_]+)"', table)
    assert len(keys) > 40, keys
    return keys


def need(cmd):
    if shutil.which(cmd) is None:
        raise unittest.SkipTest("%s is not installed (Debian: make "
                                "test-deps)" % cmd)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True,
                          timeout=120, **kw)


class Units(Once):
    """The units as shipped, with the built binary's path in place of
    @SBINDIR@/sandftpd, in a directory of their own."""

    def setUp(self):
        super().setUp()
        need("systemd-analyze")
        self.dir = tempfile.mkdtemp(prefix="sandftpd-units-")
        for name in shipped_units():
            text = read(os.path.join(UNIT_DIR, name))
            text = text.replace("@SBINDIR@/sandftpd", harness.BINARY)
            self.assertNotIn("@SBINDIR@", text, name)
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_the_units_are_there(self):
        self.assertEqual(shipped_units(), [
            "sandftpd-ftps.socket", "sandftpd-inetd.socket",
            "sandftpd-inetd@.service", "sandftpd.service",
            "sandftpd.socket"])

    def test_services_are_hardened(self):
        for name in shipped_units():
            if not name.endswith(".service"):
                continue
            r = run(["systemd-analyze", "security", "--offline=true",
                     "--no-pager", self.path(name)])
            m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)",
                          r.stdout)
            self.assertIsNotNone(m, name + ":\n" + r.stdout + r.stderr)
            level = float(m.group(1))
            flagged = [l for l in r.stdout.splitlines()
                       if l.startswith("\u2717")]
            self.assertLessEqual(level, MAX_EXPOSURE, "%s rated %s:\n%s" %
                                 (name, level, "\n".join(flagged)))

    def test_verify_is_silent(self):
        # The man: references are checked against docs/ below (man(1)
        # cannot find pages that are not installed).
        for name in shipped_units():
            r = run(["systemd-analyze", "verify", "--man=no",
                     self.path(name)])
            self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""),
                             name)

    def test_verify_finds_a_missing_binary(self):
        # The check above can fail: a unit naming no binary is refused.
        text = read(self.path("sandftpd.service")).replace(
            harness.BINARY, "/nonexistent/sandftpd")
        with open(self.path("sandftpd.service"), "w") as f:
            f.write(text)
        r = run(["systemd-analyze", "verify", "--man=no",
                 self.path("sandftpd.service")])
        self.assertIn("/nonexistent/sandftpd", r.stdout + r.stderr)

    def test_documentation_pages_exist(self):
        for name in shipped_units():
            for page, sect in re.findall(r"man:([\w.-]+)\((\d)\)",
                                         read(self.path(name))):
                self.assertTrue(os.path.exists(os.path.join(
                    REPO, "docs", "%s.%s" % (page, sect))), (name, page))

    def test_socket_contract(self):
        sock = read(self.path("sandftpd.socket"))
        self.assertNotIn("Accept=yes", sock)
        for line in ("ListenStream=0.0.0.0:21", "ListenStream=[::]:21",
                     "BindIPv6Only=ipv6-only", "FileDescriptorName=ftp"):
            self.assertIn(line + "\n", sock)
        ftps = read(self.path("sandftpd-ftps.socket"))
        self.assertIn("FileDescriptorName=ftps\n", ftps)
        self.assertIn("Service=sandftpd.service\n", ftps)
        inetd = read(self.path("sandftpd-inetd.socket"))
        self.assertIn("Accept=yes\n", inetd)
        svc = read(self.path("sandftpd-inetd@.service"))
        self.assertIn("StandardInput=null\n", svc)
        main = read(self.path("sandftpd.service"))
        for line in ("Type=notify", "NotifyAccess=main",
                     "ExecStart=%s -F" % harness.BINARY,
                     "ExecReload=/bin/kill -HUP $MAINPID",
                     "WatchdogSec=30s"):
            self.assertIn(line + "\n", main)
        # The service binds its own listeners when the socket is not
        # started: ordered after it, never requiring it.
        self.assertNotRegex(main, r"(?m)^(Requires|BindsTo|Requisite)=.*"
                            r"sandftpd\.socket")

    def test_same_sandbox_for_inetd_instances(self):
        def sandbox(name):
            """The settings from RuntimeDirectory= to the section's end."""
            text = read(self.path(name))
            text = text[text.index("RuntimeDirectory="):]
            text = text.split("\n[", 1)[0]
            return [l for l in text.splitlines()
                    if l and not l.startswith("#") and
                    not l.startswith("RuntimeDirectoryPreserve=")]
        self.assertEqual(sandbox("sandftpd-inetd@.service"),
                         sandbox("sandftpd.service"))


class Fail2ban(Once):
    """The shipped jail reads the journal (backend = systemd), where the
    units' lines (sandftpd -F: standard error) arrive as fail2ban
    formats journal entries: host, identifier and pid, then the message
    with its own time stamp and program."""

    def test_filter_matches_journal_lines(self):
        need("fail2ban-regex")
        jail = read(os.path.join(REPO, "etc/fail2ban/jail.d/sandftpd.conf"))
        self.assertRegex(jail, r"(?m)^backend\s*=\s*systemd$")
        self.assertRegex(jail, r"(?m)^journalmatch\s*=\s*"
                         r"SYSLOG_IDENTIFIER=sandftpd$")
        self.assertIn("SyslogIdentifier=sandftpd\n",
                      read(os.path.join(UNIT_DIR, "sandftpd.service")))
        d = tempfile.mkdtemp(prefix="sandftpd-f2b-")
        self.addCleanup(shutil.rmtree, d, True)
        log = os.path.join(d, "journal.log")
        with open(log, "w") as f:
            f.write("ftp1 sandftpd[812]: 2026-12-02T12:38:31Z sandftpd[812]:"
                    " warning: client 192.0.2.7: login failed for user "
                    "'bob': wrong password\n"
                    "ftp1 sandftpd[812]: 2026-12-02T12:38:32Z sandftpd[812]:"
                    " warning: client 2001:db8::5: login failed for user "
                    "'x': the name may not log in\n"
                    "ftp1 sandftpd[812]: 2026-12-02T12:38:33Z sandftpd[812]:"
                    " info: client 192.0.2.8: anonymous login (session 3,"
                    " user 'ftp')\n")
        r = run(["fail2ban-regex", "-d", "{NONE}", log,
                 os.path.join(REPO, "etc/fail2ban/filter.d/sandftpd.conf")])
        self.assertRegex(r.stdout, r"Lines: 3 lines, 0 ignored, 2 matched, "
                         r"1 missed", r.stdout + r.stderr)


class Install(Once):

    def setUp(self):
        super().setUp()
        need("make")
        self.dest = tempfile.mkdtemp(prefix="sandftpd-destdir-")

    def tearDown(self):
        shutil.rmtree(self.dest, ignore_errors=True)

    def make(self, target, prefix="/usr/local"):
        # -o: the binaries under test are installed as they are, never
        # rebuilt here.  A build from here would compile whatever the
        # tree holds now, with object names (and dependency files) under
        # an absolute BUILD that the developer's own make then does not
        # match: a later header change would miss those objects.
        r = run(["make", "-C", REPO, "--no-print-directory", target,
                 "DESTDIR=" + self.dest, "PREFIX=" + prefix,
                 "BUILD=" + os.path.dirname(harness.BINARY),
                 "BIN=" + harness.BINARY, "-o", harness.BINARY,
                 "-o", harness.BINARY + "-session"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def files(self):
        out = {}
        for d, _, names in os.walk(self.dest):
            for n in names:
                p = os.path.join(d, n)
                out[os.path.relpath(p, self.dest)] = \
                    os.lstat(p).st_mode & 0o7777
        return out

    def expected(self, prefix="usr/local", unitdir="usr/local/lib/systemd"
                 "/system"):
        want = {
            prefix + "/sbin/sandftpd": 0o755,
            prefix + "/sbin/sandftpd-session": 0o755,
            prefix + "/share/man/man8/sandftpd.8": 0o644,
            prefix + "/share/man/man5/sandftpd.conf.5": 0o644,
        }
        for u in shipped_units():
            want[unitdir + "/" + u] = 0o644
        for f in etc_examples():
            want[prefix + "/share/doc/sandftpd/examples/" + f] = 0o644
        for target in ETC_FILES.values():
            want["etc/" + target] = 0o644
        return want

    def test_install_and_uninstall(self):
        self.make("install")
        got = self.files()
        self.assertEqual(got, self.expected())
        for name in ("sandftpd", "sandftpd-session"):
            self.assertTrue(filecmp.cmp(
                os.path.join(os.path.dirname(harness.BINARY), name),
                os.path.join(self.dest, "usr/local/sbin", name),
                shallow=False), name)
        for src, target in ETC_FILES.items():
            self.assertTrue(filecmp.cmp(
                os.path.join(REPO, "etc", src),
                os.path.join(self.dest, "etc", target), shallow=False), src)
        for u in shipped_units():
            text = read(os.path.join(self.dest, "usr/local/lib/systemd/"
                                     "system", u))
            self.assertNotIn("@SBINDIR@", text, u)
            for cmd in re.findall(r"(?m)^Exec\w+=(\S+)", text):
                self.assertIn(cmd, ("/usr/local/sbin/sandftpd",
                                    "/bin/kill"), u)
        self.make("uninstall")
        self.assertEqual(self.files(), {})

    def test_operator_files_are_kept(self):
        self.make("install")
        conf = os.path.join(self.dest, "etc/sandftpd.conf")
        with open(conf, "a") as f:
            f.write("anonymous = yes\n")
        r = self.make("install")          # not overwritten
        self.assertIn("kept", r.stdout)
        self.assertTrue(read(conf).endswith("anonymous = yes\n"))
        self.make("uninstall")            # not removed
        self.assertEqual(list(self.files()), ["etc/sandftpd.conf"])
        self.assertTrue(read(conf).endswith("anonymous = yes\n"))

    def test_prefix_usr(self):
        self.make("install", prefix="/usr")
        got = self.files()
        self.assertEqual(got, self.expected("usr", "lib/systemd/system"))
        text = read(os.path.join(self.dest, "lib/systemd/system/"
                                 "sandftpd.service"))
        self.assertIn("ExecStart=/usr/sbin/sandftpd -F\n", text)
        self.make("uninstall", prefix="/usr")
        self.assertEqual(self.files(), {})

    def test_missing_dependencies_are_named(self):
        r = run(["make", "-C", REPO, "--no-print-directory", "depcheck",
                 "PKG_CONFIG=false"])
        self.assertNotEqual(r.returncode, 0)
        for pkg in ("libseccomp-dev", "libcap-dev", "libpam0g-dev",
                    "libcrypt-dev", "libssl-dev", "make deps"):
            self.assertIn(pkg, r.stderr)
        r = run(["make", "-C", REPO, "--no-print-directory", "depcheck"])
        self.assertEqual((r.returncode, r.stderr), (0, ""))


class Manuals(Once):

    def test_every_key_is_documented(self):
        man = read(os.path.join(REPO, "docs", "sandftpd.conf.5"))
        missing = [k for k in config_keys() if not re.search(
            r"(?m)^\.BI?\s+%s(\s|$)" % re.escape(k), man)]
        self.assertEqual(missing, [], "keys not in sandftpd.conf(5)")

    def test_example_config_lists_every_key(self):
        conf = read(os.path.join(REPO, "etc", "sandftpd.conf"))
        missing = [k for k in config_keys() if not re.search(
            r"(?m)^#?%s =" % re.escape(k), conf)]
        self.assertEqual(missing, [], "keys not in etc/sandftpd.conf")

    def test_examples_pass_the_check(self):
        # As shipped, with every default line uncommented, and the mirror
        # with its tree somewhere that exists: sandftpd -t accepts them.
        d = tempfile.mkdtemp(prefix="sandftpd-examples-")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        conf = read(os.path.join(REPO, "etc", "sandftpd.conf"))
        defaults = "".join(
            l[1:] + "\n" for l in conf.splitlines()
            if re.match(r"#[a-z0-9_]+ =", l) and not l.startswith("#listen"))
        mirror = read(os.path.join(REPO, "etc", "mirror.conf")).replace(
            "/srv/mirror", d)
        for name, text in (("shipped.conf", conf), ("defaults.conf",
                           defaults), ("mirror.conf", mirror)):
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o644)
            r = harness.run_daemon(["-t", "-f", path])
            self.assertEqual(r.returncode, 0, name + ": " + r.stdout +
                             r.stderr)

    def test_every_signal_is_documented(self):
        src = read(os.path.join(REPO, "daemon", "master", "master.c"))
        handled = set(re.findall(r"case (SIG[A-Z0-9]+):", src))
        handled.discard("SIGCHLD")
        self.assertTrue({"SIGTERM", "SIGHUP"} <= handled, handled)
        man = read(os.path.join(REPO, "docs", "sandftpd.8"))
        signals = man[man.index(".SH SIGNALS"):]
        signals = signals[:signals.index("\n.SH ", 1)]
        for sig in sorted(handled | {"SIGUSR1"}):
            self.assertTrue(re.search(r"\b%s\b" % sig, signals), sig)

    def test_socket_activation_is_documented(self):
        man = read(os.path.join(REPO, "docs", "sandftpd.8"))
        man = man.replace("\\-", "-")
        for word in ("LISTEN_FDS", "sandftpd.socket", "ftps",
                     "sandftpd-inetd.socket"):
            self.assertTrue(word in man, word)
