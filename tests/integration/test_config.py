"""The operator's command line: `sandftpd -t` with good and bad
configuration files, -o overrides and their errors, -V, usage errors, and
a start with a bad configuration."""
import os
import re
import shutil
import socket
import tempfile
import time
import unittest

import harness
from harness import run_daemon


class ConfigDir:
    """Configuration files in a directory everyone may read (the daemon
    runs as nobody in unprivileged mode)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sandftpd-conf-")
        os.chmod(self.dir, 0o755)
        self.root = os.path.join(self.dir, "root")
        os.mkdir(self.root, 0o755)
        with open(os.path.join(self.root, "README.txt"), "w") as f:
            f.write("hello\n")
        os.chmod(os.path.join(self.root, "README.txt"), 0o644)

    def write(self, name, lines):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("".join(l + "\n" for l in lines))
        os.chmod(path, 0o644)
        return path

    def good(self, name="good.conf", port=None, extra=()):
        port = port or harness.free_port()
        lo, hi = harness.free_range()
        return self.write(name, [
            "# a complete, valid configuration",
            "",
            "listen = 127.0.0.1:%d" % port,
            "anonymous = yes       # comments may follow a value",
            "anon_root = %s" % self.root,
            "pasv_ports = %d-%d" % (lo, hi),
            "max_clients = 50",
            "max_per_ip = 5",
            "pool_spare = 2",
            "login_timeout = 30",
            "idle_timeout = 60",
            "data_timeout = 60",
            "port20 = no",
            "crash_limit = 0",
        ] + list(extra))

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


class CheckMode(unittest.TestCase):
    """sandftpd -t: exit 0 with a good file, 1 with every problem listed
    as FILE:LINE: KEY: text."""

    def setUp(self):
        self.cd = ConfigDir()

    def tearDown(self):
        self.cd.cleanup()

    def check(self, *args):
        return run_daemon(["-t"] + list(args))

    def test_good_config(self):
        conf = self.cd.good()
        r = self.check("-f", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration OK", r.stdout)
        self.assertIn(conf, r.stdout)
        self.assertEqual(r.stderr, "")

    # (line as written, key the error must name, text the error must hold)
    BAD_LINES = [
        ("frobnicate = 1", "frobnicate", "unknown key"),
        ("anonymous = maybe", "anonymous", "yes or no"),
        ("port20 = 1", "port20", "yes or no"),
        ("max_clients = lots", "max_clients", "number"),
        ("login_timeout = -5", "login_timeout", "number"),
        ("pool_spare = 0", "pool_spare", "number"),
        ("listen = localhost:21", "listen", "ADDR:PORT"),
        ("listen = 127.0.0.1:99999", "listen", "ADDR:PORT"),
        ("listen = [::1]", "listen", "ADDR:PORT"),
        ("pasv_ports = 5000-4000", "pasv_ports", "MIN-MAX"),
        ("pasv_ports = 80-90", "pasv_ports", "MIN-MAX"),
        ("pasv_ports = 40000", "pasv_ports", "MIN-MAX"),
        ("anon_root = srv/ftp", "anon_root", "absolute path"),
        ("pasv_address = example.org", "pasv_address", "IPv4"),
    ]

    def test_each_bad_value_names_file_line_key(self):
        for line, key, text in self.BAD_LINES:
            with self.subTest(line=line):
                conf = self.cd.good(extra=["", line])
                lineno = len(open(conf).read().splitlines())
                r = self.check("-f", conf)
                self.assertEqual(r.returncode, 1, r.stderr)
                errors = [l for l in r.stderr.splitlines()
                          if l.startswith(conf + ":")]
                self.assertEqual(len(errors), 1, r.stderr)
                self.assertTrue(errors[0].startswith(
                    "%s:%d: %s: " % (conf, lineno, key)), errors[0])
                self.assertIn(text, errors[0])
                self.assertIn("1 configuration error", r.stderr)
                self.assertNotIn("configuration OK", r.stdout)

    def test_line_without_equals(self):
        conf = self.cd.good(extra=["this line has no equals sign"])
        lineno = len(open(conf).read().splitlines())
        r = self.check("-f", conf)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"(?m)^%s:%d: this line has no equals "
                         r"sign: expected 'key = value'$"
                         % (re.escape(conf), lineno))

    def test_all_problems_reported_at_once(self):
        lines = ["# header", "listen = 127.0.0.1:2121"]
        want = {}
        for line, key, _ in self.BAD_LINES:
            lines.append(line)
            want[len(lines)] = key
        lines.append("no equals here")
        want[len(lines)] = "no equals here"
        lines.append("anonymous = yes")      # still fine after errors
        conf = self.cd.write("bad.conf", lines)
        r = self.check("-f", conf)
        self.assertEqual(r.returncode, 1)
        got = {}
        for l in r.stderr.splitlines():
            m = re.match(r"^%s:(\d+): ([^:]+): " % re.escape(conf), l)
            if m:
                got[int(m.group(1))] = m.group(2)
        self.assertEqual(got, want, r.stderr)
        self.assertIn("%d configuration errors" % len(want), r.stderr)

    def test_missing_file(self):
        path = os.path.join(self.cd.dir, "nonexistent.conf")
        r = self.check("-f", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn(path, r.stderr)
        self.assertIn("cannot open", r.stderr)

    def test_runtime_problem_fails_check(self):
        conf = self.cd.good(extra=["anon_root = /nonexistent/sandftpd"])
        r = self.check("-f", conf)
        self.assertEqual(r.returncode, 1)
        self.assertIn("anon_root", r.stderr)
        self.assertIn("/nonexistent/sandftpd", r.stderr)

    def test_everything_referred_to_is_checked(self):
        # Each problem found after parsing names where its key was set,
        # and all are printed, not just the first.
        extra = ["anon_root = /nonexistent/sandftpd-root",      # +1
                 "banner_file = /nonexistent/banner",           # +2
                 "user_db = /nonexistent/users",                # +3
                 "tls_cert = /etc/hostname",                    # +4
                 "xferlog_file = /nonexistent/dir/xferlog"]     # +5
        conf = self.cd.good(extra=extra)
        n = len(open(conf).read().splitlines())
        first = n - len(extra) + 1
        listen = [i + 1 for i, l in enumerate(open(conf).read().splitlines())
                  if l.startswith("listen")][0]
        port = int(open(conf).read().splitlines()[listen - 1]
                   .rsplit(":", 1)[1])
        r = self.check("-f", conf, "-o", "pasv_ports=%d-%d" % (port,
                                                               port + 5))
        self.assertEqual(r.returncode, 1)
        want = [
            r"%s:%d: anon_root: /nonexistent/sandftpd-root: No such file"
            % (re.escape(conf), first),
            r"%s:%d: banner_file: /nonexistent/banner: No such file"
            % (re.escape(conf), first + 1),
            r"/nonexistent/users:0: cannot read",
            r"%s:%d: tls_cert: /etc/hostname: no certificate"
            % (re.escape(conf), first + 3),
            r"%s:%d: listen: 127\.0\.0\.1:%d: port %d is in pasv_ports"
            % (re.escape(conf), listen, port, port),
            r"%s:%d: xferlog_file: /nonexistent/dir/xferlog: the directory "
            r"/nonexistent/dir does not exist" % (re.escape(conf), first + 4),
        ]
        for rx in want:
            self.assertRegex(r.stderr, rx)
        self.assertIn("6 problems in the configuration", r.stderr)
        self.assertNotIn("configuration OK", r.stdout)

    def test_option_errors_name_o_and_position(self):
        conf = self.cd.good()
        r = self.check("-f", conf, "-o", "frobnicate=1",
                       "-o", "anonymous=perhaps", "-o", "max_per_ip=x",
                       "-o", "noequals", "-o", "idle_timeout=30")
        self.assertEqual(r.returncode, 1)
        errors = [l for l in r.stderr.splitlines() if l.startswith("-o:")]
        self.assertEqual(len(errors), 4, r.stderr)
        self.assertTrue(errors[0].startswith("-o:1: frobnicate: "), errors)
        self.assertIn("unknown key", errors[0])
        self.assertTrue(errors[1].startswith("-o:2: anonymous: "), errors)
        self.assertTrue(errors[2].startswith("-o:3: max_per_ip: "), errors)
        self.assertTrue(errors[3].startswith("-o:4: noequals: "), errors)
        self.assertIn("4 configuration errors", r.stderr)

    def test_option_overrides_file(self):
        # The file names a root that does not exist: the check fails...
        conf = self.cd.good(extra=["anon_root = /nonexistent/sandftpd"])
        self.assertEqual(self.check("-f", conf).returncode, 1)
        # ...unless -o replaces it,
        r = self.check("-f", conf, "-o", "anon_root=" + self.cd.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        # or turns off what needs it.
        r = self.check("-f", conf, "-o", "anonymous=no")
        self.assertEqual(r.returncode, 0, r.stderr)
        # A good file, a bad -o: the -o wins, and fails.
        r = self.check("-f", self.cd.good(name="g2.conf"), "-o",
                       "anon_root=/nonexistent/sandftpd")
        self.assertEqual(r.returncode, 1)

    def test_max_clients_alone_is_accepted(self):
        # An operator who sets only max_clients (here below the default
        # max_per_ip of 50) set nothing inconsistent: the defaults must
        # follow, not make the configuration invalid.
        conf = self.cd.good(name="small.conf")
        lines = [l for l in open(conf).read().splitlines()
                 if not l.startswith("max_")]
        conf = self.cd.write("small.conf", lines + ["max_clients = 2"])
        r = self.check("-f", conf)
        self.assertEqual(r.returncode, 0,
                         "max_clients = 2 alone rejected:\n" + r.stderr)


class CommandLine(unittest.TestCase):
    def test_version(self):
        r = run_daemon(["-V"])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertRegex(lines[0], r"^sandftpd \d+\.\d+(\.\d+)?\S*$")
        features = [l for l in lines if l.startswith("features:")]
        self.assertEqual(len(features), 1, r.stdout)
        for word in ["seccomp", "Landlock", "capabilities",
                     "privilege separation", "IPv6"]:
            self.assertIn(word, features[0])

    def test_unknown_option(self):
        for args in (["-Z"], ["--frobnicate"], ["-t", "stray-argument"]):
            with self.subTest(args=args):
                r = run_daemon(args)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("usage: sandftpd", r.stderr)
                self.assertEqual(r.stdout, "")

    def test_missing_option_argument(self):
        for opt in ("-f", "-o"):
            r = run_daemon([opt])
            self.assertNotEqual(r.returncode, 0, opt)
            self.assertIn("usage: sandftpd", r.stderr)


class Startup(unittest.TestCase):
    """The daemon itself (not -t) with bad configurations: exit 1 and no
    listener."""

    def setUp(self):
        self.cd = ConfigDir()

    def tearDown(self):
        self.cd.cleanup()

    def start(self, conf, *args):
        return run_daemon(["-F", "-f", conf] + list(args), timeout=20)

    def test_bad_config_exits_without_listening(self):
        port = harness.free_port()
        conf = self.cd.good(port=port, extra=["frobnicate = yes"])
        t0 = time.time()
        r = self.start(conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertLess(time.time() - t0, 10)
        self.assertRegex(r.stderr, r"%s:\d+: frobnicate: unknown key"
                         % re.escape(conf))
        self.assertNotIn("ready: serving", r.stderr)
        self.assertFalse(port_open(port))

    def test_bad_option_exits_without_listening(self):
        port = harness.free_port()
        r = self.start(self.cd.good(port=port), "-o", "max_clients=0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("-o:1: max_clients:", r.stderr)
        self.assertFalse(port_open(port))

    def test_missing_anon_root_exits_without_listening(self):
        port = harness.free_port()
        conf = self.cd.good(port=port,
                            extra=["anon_root = /nonexistent/sandftpd"])
        r = self.start(conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("anon_root", r.stderr)
        self.assertNotIn("ready: serving", r.stderr)
        self.assertFalse(port_open(port))

    def test_options_override_file_when_serving(self):
        file_port, opt_port = harness.free_port(), harness.free_port()
        while opt_port == file_port:
            opt_port = harness.free_port()
        conf = self.cd.good(port=file_port)
        srv = harness.Server(options={}, args=[
            "-o", "listen=127.0.0.1:%d" % opt_port, "-o", "anonymous=no"])
        srv.port = opt_port
        # Serve the file as written, plus the two -o.
        srv.command = lambda: harness.daemon_command(
            srv.binary, ["-F", "-f", conf] + srv.args, srv.workdir)
        srv.start()
        try:
            srv.wait_log(r"listening on 127\.0\.0\.1:%d$" % opt_port)
            self.assertNotIn("127.0.0.1:%d" % file_port, srv.log())
            srv.wait_log(r"ready: serving no logins")
            self.assertFalse(port_open(file_port))
            c = srv.raw()
            self.assertEqual(c.reply()[0], 220)
            self.assertEqual(c.cmd("USER anonymous")[0], 331)
            self.assertEqual(c.cmd("PASS x")[0], 530)
            c.close()
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_listen_is_repeatable(self):
        p1, p2, p3, p4 = (harness.free_port() for _ in range(4))
        if len({p1, p2, p3, p4}) < 4:
            self.skipTest("port collision; try again")
        conf = self.cd.good(port=p1, extra=["listen = 127.0.0.2:%d" % p2])
        srv = harness.Server()
        srv.command = lambda: harness.daemon_command(
            srv.binary, ["-F", "-f", conf], srv.workdir)
        srv.start()
        try:
            srv.wait_log(r"listening on 127\.0\.0\.1:%d$" % p1)
            srv.wait_log(r"listening on 127\.0\.0\.2:%d$" % p2)
            self.assertTrue(port_open(p1))
            self.assertTrue(port_open(p2, "127.0.0.2"))
        finally:
            self.assertEqual(srv.stop(), 0)
        # -o listen replaces the file's, and repeated -o accumulate.
        srv = harness.Server()
        srv.command = lambda: harness.daemon_command(
            srv.binary, ["-F", "-f", conf, "-o", "listen=127.0.0.1:%d" % p3,
                         "-o", "listen=127.0.0.1:%d" % p4], srv.workdir)
        srv.start()
        try:
            srv.wait_log(r"listening on 127\.0\.0\.1:%d$" % p3)
            srv.wait_log(r"listening on 127\.0\.0\.1:%d$" % p4)
            self.assertNotIn(":%d" % p1, srv.log())
            self.assertFalse(port_open(p1))
            self.assertTrue(port_open(p4))
        finally:
            self.assertEqual(srv.stop(), 0)
