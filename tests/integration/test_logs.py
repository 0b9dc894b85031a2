"""What sandftpd tells its operator: the transfer log (xferlog_file, the
classic xferlog format), the metrics file (metrics_file, Prometheus text
format, checked by a strict parser written here), the STATUS= text of
the notify protocol, log lines a client cannot forge (control
characters escaped, no fake session= field), and the journal's "<N>"
priority prefix when stderr is the journal's stream."""
import ftplib
import io
import math
import os
import re
import shutil
import socket
import subprocess
import time
import unittest

import harness

XFERLOG_RX = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([ 12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d \d{4} "
    r"(?P<secs>\d+) (?P<host>\S+) (?P<bytes>\d+) (?P<file>/\S*) "
    r"(?P<type>[ab]) _ (?P<dir>[oi]) (?P<access>[ar]) (?P<user>\S+) "
    r"ftp 0 \* (?P<status>[ci])$")

BIG = 64 * 1024 * 1024          # sparse: sending it takes long enough
INJECT_NAME = "x\x0bsession=999 user=root"


def log_dir():
    """A directory the master can write in, as whichever user it is."""
    d = harness.workdir("sandftpd-logs-")
    if harness.IS_ROOT and harness.UNPRIV:
        os.chown(d, harness.NOBODY, harness.NOBODY)
    return d


# -- a strict reader of the Prometheus text exposition format 0.0.4 --

METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
LABEL_VALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE_RX = re.compile(
    r"^(?P<name>%s)(?:\{(?P<labels>(?:%s=%s)(?:,%s=%s)*,?)?\})? "
    r"(?P<value>\S+)(?: (?P<ts>-?\d+))?$"
    % (METRIC_NAME, LABEL_NAME, LABEL_VALUE, LABEL_NAME, LABEL_VALUE))
LABEL_RX = re.compile(r"(%s)=(%s)" % (LABEL_NAME, LABEL_VALUE))
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def parse_float(text):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise ValueError("not a float: %r" % text)
    return float(text)


def unescape_label(v):
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1),
                                                       m.group(1)), v[1:-1])


def parse_metrics(text):
    """{(name, (sorted label pairs)): value}, and {family: type};
    raises ValueError for anything the format does not allow."""
    if not text.endswith("\n"):
        raise ValueError("the last line does not end")
    samples, types, helps = {}, {}, {}
    for n, line in enumerate(text[:-1].split("\n"), 1):
        if line == "":
            raise ValueError("line %d: empty" % n)
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (%s) (.*)" % METRIC_NAME, line)
            if not m:
                if line.startswith("# HELP") or line.startswith("# TYPE"):
                    raise ValueError("line %d: bad %r" % (n, line))
                continue
            kind, fam, rest = m.groups()
            if kind == "TYPE":
                if rest not in TYPES:
                    raise ValueError("line %d: type %r" % (n, rest))
                if fam in types:
                    raise ValueError("line %d: second TYPE" % n)
                if any(k[0] == fam for k in samples):
                    raise ValueError("line %d: TYPE after samples" % n)
                types[fam] = rest
            else:
                if fam in helps:
                    raise ValueError("line %d: second HELP" % n)
                if re.search(r"\\[^\\n]", rest):
                    raise ValueError("line %d: bad escape in HELP" % n)
                helps[fam] = rest
            continue
        m = SAMPLE_RX.match(line)
        if not m:
            raise ValueError("line %d: not a sample: %r" % (n, line))
        labels = []
        if m.group("labels"):
            labels = [(k, unescape_label(v)) for k, v in
                      LABEL_RX.findall(m.group("labels"))]
            names = [k for k, _ in labels]
            if len(set(names)) != len(names):
                raise ValueError("line %d: a label twice" % n)
        name = m.group("name")
        fam = name
        if fam not in types:
            raise ValueError("line %d: %s has no TYPE" % (n, name))
        key = (name, tuple(sorted(labels)))
        if key in samples:
            raise ValueError("line %d: sample twice" % n)
        samples[key] = parse_float(m.group("value"))
    for fam, t in types.items():
        if not fam.startswith("sandftpd_"):
            raise ValueError("%s: no sandftpd_ prefix" % fam)
        if fam not in helps:
            raise ValueError("%s: no HELP" % fam)
        if (t == "counter") != fam.endswith("_total"):
            raise ValueError("%s: counters and only counters end in "
                             "_total" % fam)
    return samples, types


class PrometheusParser(unittest.TestCase):
    """The parser itself refuses what the format does not allow."""

    GOOD = ('# HELP sandftpd_x_total X.\n# TYPE sandftpd_x_total counter\n'
            'sandftpd_x_total{a="1",b="q\\"\\\\\\n"} 3\n')

    def test_good(self):
        s, t = parse_metrics(self.GOOD)
        self.assertEqual(s[("sandftpd_x_total", (("a", "1"),
                                                 ("b", 'q"\\\n')))], 3)

    def test_bad(self):
        for bad in (self.GOOD.rstrip("\n"),
                    self.GOOD.replace("# TYPE sandftpd_x_total counter\n",
                                      ""),
                    self.GOOD.replace("counter", "countr"),
                    self.GOOD.replace("} 3", "} 3x"),
                    self.GOOD.replace('a="1"', 'a=1'),
                    self.GOOD.replace('a="1"', '1a="1"'),
                    self.GOOD.replace('a="1"', 'a="\\q"'),
                    self.GOOD.replace("_total", "", 1).replace(
                        "_total", "", 1).replace("_total", ""),
                    self.GOOD + "sandftpd_x_total 4\n" + "\n"):
            with self.assertRaises(ValueError, msg=bad):
                parse_metrics(bad)


# -- key=value fields of a log line, as a reader of them splits them --

def fields(line):
    """The key=value pairs of a line (values unquoted), honouring quotes
    and backslash escapes; words without '=' are text."""
    out, i = [], 0
    while i < len(line):
        m = re.compile(r'([a-z_]+)=("(?:[^"\\]|\\.)*"|[^ ]*)').match(line, i)
        if m and (i == 0 or line[i - 1] == " "):
            out.append((m.group(1), m.group(2)))
            i = m.end()
            continue
        if line[i] == '"':      # a quoted stretch of text is one word
            m = re.compile(r'"(?:[^"\\]|\\.)*"').match(line, i)
            i = m.end() if m else i + 1
            continue
        i += 1
    return out


def xferlog_lines(test, path):
    """The whole lines of an xferlog_file (none before it exists)."""
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8")
    except FileNotFoundError:
        return []
    test.assertTrue(data == "" or data.endswith("\n"))
    return data.splitlines()


class Logs(unittest.TestCase):
    """One server with xferlog_file, metrics_file and a NOTIFY_SOCKET."""

    @classmethod
    def setUpClass(cls):
        cls.tree = harness.standard_tree()
        cls.spaced = os.urandom(10000)
        cls.tree.file("pub/a b.bin", cls.spaced)
        cls.tree.file(INJECT_NAME, b"injected\n")
        cls.tree.sparse("big.bin", BIG)
        cls.incoming = os.path.join(cls.tree.root, "incoming")
        harness.owned_dir(cls.incoming, "sandftpd" if harness.privileged()
                          else None)
        cls.dir = log_dir()
        cls.xferlog = os.path.join(cls.dir, "xferlog")
        cls.metrics = os.path.join(cls.dir, "metrics.prom")
        cls.notify_path = os.path.join(cls.dir, "notify")
        cls.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        cls.notify.bind(cls.notify_path)
        os.chmod(cls.notify_path, 0o777)
        cls.notify.settimeout(0.2)
        cls.server = harness.Server(cls.tree, {
            "xferlog_file": cls.xferlog,
            "metrics_file": cls.metrics,
            "metrics_interval": "1",
            "anon_upload_dir": "/incoming",
            # The session's own RETR line too (debug), for the injection
            # test of a child's words.
            "log_debug": "yes",
        }, env={"NOTIFY_SOCKET": cls.notify_path}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.notify.close()
        cls.tree.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def xferlog_lines(self):
        return xferlog_lines(self, self.xferlog)

    def wait_xferlog(self, n, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            lines = self.xferlog_lines()
            if len(lines) >= n:
                return lines
            time.sleep(0.05)
        self.fail("xferlog has %d lines, not %d" % (len(lines), n))

    def parsed(self, line):
        # 18 fields ("Dec  2": the day is padded with a space).
        self.assertEqual(len(line.split()), 18, line)
        m = XFERLOG_RX.match(line)
        self.assertTrue(m, "not an xferlog line: %r" % line)
        return m

    def read_metrics(self):
        with open(self.metrics) as f:
            return parse_metrics(f.read())

    def next_metrics(self, before_mtime, timeout=5):
        """The metrics file once it was rewritten after before_mtime."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.stat(self.metrics).st_mtime_ns > before_mtime:
                return self.read_metrics()
            time.sleep(0.05)
        self.fail("metrics_file was not rewritten")

    # -- xferlog --

    def test_xferlog_transfers(self):
        start = len(self.xferlog_lines())
        f = self.server.ftp()
        got = io.BytesIO()
        f.retrbinary("RETR pub/a b.bin", got.write)
        self.assertEqual(got.getvalue(), self.spaced)
        f.sendcmd("TYPE A")
        f.retrlines("RETR text/unix.txt", lambda l: None)
        f.sendcmd("TYPE I")
        up = os.urandom(5000)
        f.storbinary("STOR incoming/up load.bin", io.BytesIO(up))
        # An aborted download: the data connection is never read.
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        data = harness.pasv_connect(c)
        self.assertEqual(c.cmd("RETR big.bin")[0], 150)
        time.sleep(0.2)
        c.send("ABOR\r\n")
        self.assertEqual(c.reply()[0], 426)
        self.assertEqual(c.reply()[0], 226)
        data.close()
        c.close()
        f.quit()

        lines = self.wait_xferlog(start + 4)[start:]
        self.assertEqual(len(lines), 4, lines)
        m = [self.parsed(l) for l in lines]
        host = "127.0.0.1"
        for x in m:
            self.assertEqual(x["host"], host)
            self.assertEqual(x["access"], "a")
            self.assertEqual(x["user"], "anonymous")
        # A space in a name is '_': the fields stay where they are.
        self.assertEqual(m[0]["file"], "/pub/a_b.bin")
        self.assertEqual(int(m[0]["bytes"]), len(self.spaced))
        self.assertEqual((m[0]["type"], m[0]["dir"], m[0]["status"]),
                         ("b", "o", "c"))
        crlf = len(b"line one\r\nline two\r\nline three\r\n")
        self.assertEqual(m[1]["file"], "/text/unix.txt")
        self.assertEqual(int(m[1]["bytes"]), crlf)
        self.assertEqual((m[1]["type"], m[1]["dir"], m[1]["status"]),
                         ("a", "o", "c"))
        self.assertEqual(m[2]["file"], "/incoming/up_load.bin")
        self.assertEqual(int(m[2]["bytes"]), len(up))
        self.assertEqual(os.path.getsize(os.path.join(
            self.incoming, "up load.bin")), len(up))
        self.assertEqual((m[2]["type"], m[2]["dir"], m[2]["status"]),
                         ("b", "i", "c"))
        self.assertEqual(m[3]["file"], "/big.bin")
        self.assertLess(int(m[3]["bytes"]), BIG)
        self.assertEqual((m[3]["dir"], m[3]["status"]), ("o", "i"))
        # The same transfers as key=value lines in the log.
        self.server.wait_log(r'session=\d+ client=127\.0\.0\.1 '
                             r'user=anonymous cmd=RETR path="/pub/a b\.bin" '
                             r'reply=226 bytes=%d duration_ms=\d+ '
                             r'type=binary status=complete$'
                             % len(self.spaced))
        self.server.wait_log(r"cmd=RETR path=/big\.bin reply=426 bytes=\d+ "
                             r"duration_ms=\d+ type=binary "
                             r"status=incomplete$")

    def test_xferlog_reopened_on_sigusr1(self):
        moved = self.xferlog + ".1"
        os.rename(self.xferlog, moved)
        try:
            mark = self.server.mark()
            os.kill(self.server.master_pid(), __import__("signal").SIGUSR1)
            self.server.wait_log(r"SIGUSR1: xferlog_file .* opened again",
                                 start=mark)
            self.assertEqual(os.stat(self.xferlog).st_mode & 0o777, 0o640)
            f = self.server.ftp()
            f.retrbinary("RETR README.txt", lambda b: None)
            f.quit()
            lines = self.wait_xferlog(1)
            self.assertEqual(self.parsed(lines[-1])["file"], "/README.txt")
        finally:
            with open(moved, "rb") as f:
                old = f.read()
            with open(self.xferlog, "rb") as f:
                new = f.read()
            with open(self.xferlog, "wb") as f:
                f.write(old + new)
            os.unlink(moved)

    # -- metrics --

    def test_metrics_file(self):
        # A file written after whatever came before this test.
        time.sleep(0.05)
        before, types = self.next_metrics(os.stat(self.metrics).st_mtime_ns)
        self.assertEqual(types["sandftpd_logins_total"], "counter")
        self.assertEqual(types["sandftpd_sessions"], "gauge")
        self.assertEqual(types["sandftpd_pool_processes"], "gauge")
        for fam in ("connections_total", "transfer_bytes_total",
                    "transfers_total", "refusals_total",
                    "child_deaths_total", "logins_accepted_total"):
            self.assertEqual(types["sandftpd_" + fam], "counter")
        # Anonymous-only: the anonymous children greet (anon_direct).
        self.assertGreaterEqual(before[("sandftpd_pool_processes", (
            ("pool", "anonymous"), ("state", "idle")))], 1)
        self.assertEqual(before[("sandftpd_pool_processes", (
            ("pool", "login"), ("state", "idle")))], 0)
        mtime = os.stat(self.metrics).st_mtime_ns
        first_ino = os.stat(self.metrics).st_ino
        # Two logins, one failed login, one download of a known size.
        f = self.server.ftp()
        f.retrbinary("RETR bin/small.bin", lambda b: None)
        g = self.server.ftp()
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("USER nobody-here")[0], 331)
        self.assertEqual(c.cmd("PASS wrong")[0], 530)
        c.close()
        after, _ = self.next_metrics(mtime)
        # A session still open shows in the gauge.
        self.assertGreaterEqual(after[("sandftpd_sessions", (
            ("class", "anonymous"),))], 2)
        f.quit()
        g.quit()

        def delta(name, *labels):
            key = (name, tuple(sorted(labels)))
            return after[key] - before[key]
        self.assertEqual(delta("sandftpd_logins_total", ("result", "ok")), 2)
        self.assertEqual(delta("sandftpd_logins_accepted_total",
                               ("class", "anonymous")), 2)
        self.assertEqual(delta("sandftpd_logins_total",
                               ("result", "failed")), 1)
        self.assertEqual(delta("sandftpd_transfer_bytes_total",
                               ("direction", "out")), 256 * 16)
        self.assertEqual(delta("sandftpd_transfers_total",
                               ("direction", "out"),
                               ("status", "complete")), 1)
        self.assertEqual(delta("sandftpd_connections_total"), 3)
        # Counters never go back.
        for key, v in after.items():
            if types[key[0]] == "counter":
                self.assertGreaterEqual(v, before.get(key, 0), key)
        # Replaced whole (a new inode each time), never written in place.
        self.assertNotEqual(os.stat(self.metrics).st_ino, first_ino)

    # -- STATUS= --

    def test_status_carries_the_numbers(self):
        f = self.server.ftp()
        f.retrbinary("RETR bin/small.bin", lambda b: None)
        f.quit()
        samples, _ = self.read_metrics()
        deadline = time.time() + 5
        want = None
        while time.time() < deadline:
            try:
                msg = self.notify.recv(4096).decode()
            except socket.timeout:
                continue
            for l in msg.split("\n"):
                if l.startswith("STATUS="):
                    want = l[len("STATUS="):]
            m = want and re.match(
                r"^\d+ sessions \(\d+ logged in\), \d+ processes; logins "
                r"(\d+) ok, (\d+) failed; transfers (\d+) out, (\d+) in; "
                r"bytes (\d+) out, (\d+) in$", want)
            if m and int(m.group(5)) >= 4096:
                break
        self.assertTrue(m, want)
        self.assertGreaterEqual(int(m.group(1)), 1)
        self.assertGreaterEqual(int(m.group(3)), 1)
        self.assertGreaterEqual(int(m.group(5)), 4096)

    # -- nothing a client sends can forge a log line --

    def test_log_injection(self):
        mark = self.server.mark()
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("USER a\x1bb session=999")[0], 331)
        self.assertEqual(c.cmd("PASS x")[0], 530)
        c.close()
        f = self.server.ftp()
        got = io.BytesIO()
        f.retrbinary("RETR " + INJECT_NAME, got.write)
        self.assertEqual(got.getvalue(), b"injected\n")
        f.quit()
        self.server.wait_log(r"login failed for user "
                             r"'a\\x1bb\\x20session\\x3d999'", start=mark)
        self.server.wait_log(r'cmd=RETR path="/x\\x0bsession=999 '
                             r'user=root" reply=226', start=mark)
        self.server.wait_log(r'msg="RETR /x\\x0bsession=999 user=root: ',
                             start=mark)
        time.sleep(0.1)
        lines = self.server.lines_since(mark)
        ids = set()
        for line in lines:
            self.assertIsNone(re.search(r"[\x00-\x1f\x7f]", line), line)
            got = fields(line)
            sessions = [v for k, v in got if k == "session"]
            self.assertLessEqual(len(sessions), 1, line)
            for v in sessions:
                self.assertRegex(v, r"^\d+$", line)
                self.assertNotEqual(v, "999", line)
            for k, v in got:
                if k == "user":
                    self.assertIn(v, ("anonymous",), line)
            ids.update(sessions)
        self.assertGreaterEqual(len(ids), 2)
        x = [l for l in self.wait_xferlog(1) if "session" in l]
        self.assertTrue(x)
        self.assertEqual(self.parsed(x[-1])["file"],
                         "/x\\x0bsession=999_user=root")



class HeldReports(unittest.TestCase):
    """A session holds its transfer reports a moment and sends them
    together (priv_xfer, daemon/session/monitor_wrap.c).  Without
    log_debug: the session's debug line about each RETR would send them
    at once."""

    @classmethod
    def setUpClass(cls):
        cls.tree = harness.standard_tree()
        cls.tree.file("pub/a b.bin", os.urandom(3000))
        cls.incoming = os.path.join(cls.tree.root, "incoming")
        harness.owned_dir(cls.incoming, "sandftpd" if harness.privileged()
                          else None)
        # A STAT of this is a reply of about 700 kB on the control
        # connection.
        many = os.path.join(cls.tree.root, "many")
        os.mkdir(many)
        for i in range(10000):
            open(os.path.join(many, "entry-%05d" % i), "wb").close()
        cls.dir = log_dir()
        cls.xferlog = os.path.join(cls.dir, "xferlog")
        cls.server = harness.Server(cls.tree, {
            "xferlog_file": cls.xferlog,
            "anon_upload_dir": "/incoming",
        }).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tree.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def xferlog_lines(self):
        return xferlog_lines(self, self.xferlog)

    def test_report_held_no_longer_than_a_moment(self):
        # A session's reports go to the master in groups (priv_xfer): one
        # that goes on with commands but no transfers still has its last
        # transfer logged once XFER_HOLD_MS (500 ms) have passed, not at
        # its end, nor only once it idles.
        start = len(self.xferlog_lines())
        f = self.server.ftp()
        got = io.BytesIO()
        f.retrbinary("RETR pub/a b.bin", got.write)
        logged = False
        for _ in range(15):  # 3 s of NOOPs, 0.2 s apart
            f.voidcmd("NOOP")
            if len(self.xferlog_lines()) > start:
                logged = True
                break
            time.sleep(0.2)
        self.assertTrue(logged, "no report while the session kept busy")
        self.assertIn("/pub/a_b.bin", self.xferlog_lines()[start])
        f.quit()

    def test_report_not_held_behind_a_blocked_reply(self):
        # A client that stops reading keeps the session in its reply
        # for up to idle_timeout: the reports it holds go before it
        # waits there, not at the session's end.
        start = len(self.xferlog_lines())
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        data = harness.pasv_connect(c)
        c.send("RETR pub/a b.bin\r\n")
        self.assertEqual(len(harness.recv_all(data)), 3000)
        self.assertEqual(c.reply()[0], 150)
        self.assertEqual(c.reply()[0], 226)
        # Replies of 7 MB, more than the socket buffers take (4 MB at
        # most here), never read.
        c.send("STAT many\r\n" * 10)
        lines = []
        for _ in range(30):  # 3 s
            lines = self.xferlog_lines()
            if len(lines) > start:
                break
            time.sleep(0.1)
        c.sock.close()
        self.assertGreater(len(lines), start, "the report waited")
        self.assertIn("/pub/a_b.bin", lines[start])

    def test_reports_before_the_sessions_own_lines(self):
        # A held report goes before anything else the session says: its
        # upload's own line comes after the transfer's.
        mark = self.server.mark()
        f = self.server.ftp()
        f.storbinary("STOR incoming/order.bin", io.BytesIO(b"o" * 5000))
        f.quit()
        report = self.server.wait_log(r"cmd=STOR path=/incoming/order\.bin "
                                      r"reply=226 bytes=5000 ", start=mark)
        own = self.server.wait_log(r"STOR /incoming/order\.bin: 5000 bytes",
                                   start=mark)
        lines = self.server.log().split("\n")
        self.assertLess(lines.index(report), lines.index(own))

class Unwritable(unittest.TestCase):
    """A log file that cannot be opened stops the server at start, and
    the error names the key."""

    def refused(self, key, value):
        tree = harness.standard_tree()
        srv = harness.Server(tree, {key: value})
        try:
            srv.start(wait=False)
            srv.proc.wait(15)
            self.assertEqual(srv.proc.returncode, 1)
            # FILE:LINE: KEY: where the key was set, then the problem.
            srv.wait_log(r"error: \S+\.conf:\d+: %s: %s: No such file or "
                         r"directory$" % (key, re.escape(value)), timeout=5)
        finally:
            srv.stop()
            tree.cleanup()

    def test_xferlog_file(self):
        self.refused("xferlog_file", "/nonexistent-dir/xferlog")

    def test_metrics_file(self):
        self.refused("metrics_file", "/nonexistent-dir/metrics.prom")


class Journal(unittest.TestCase):
    """-F with stderr on the journal's stream: "<N>text" lines."""

    def run_with(self, journal):
        tree = harness.standard_tree()
        srv = harness.Server(tree)
        r, w = os.pipe()
        st = os.fstat(w)
        env = {"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)
               if journal else "%d:%d" % (st.st_dev, st.st_ino + 1)}
        proc = subprocess.Popen(srv.command(), stderr=w,
                                stdout=subprocess.DEVNULL,
                                env=harness.daemon_env(env))
        os.close(w)
        lines = []
        try:
            with os.fdopen(r, "rb") as f:
                for raw in f:
                    lines.append(raw.decode().rstrip("\n"))
                    if "ready: serving" in lines[-1]:
                        break
                c = harness.RawClient("127.0.0.1", srv.port)
                c.reply()
                c.cmd("USER nosuch")
                self.assertEqual(c.cmd("PASS x")[0], 530)
                c.close()
                for raw in f:
                    lines.append(raw.decode().rstrip("\n"))
                    if "login failed" in lines[-1]:
                        break
        finally:
            proc.terminate()
            proc.wait(20)
            shutil.rmtree(srv.workdir, ignore_errors=True)
            tree.cleanup()
        return lines

    def test_priority_prefix(self):
        lines = self.run_with(True)
        ready = [l for l in lines if "ready: serving" in l]
        self.assertEqual(ready, ["<6>ready: serving anonymous read-only "
                                 "sessions" + ("" if harness.privileged()
                                               else " in unprivileged "
                                               "mode")])
        failed = [l for l in lines if "login failed" in l]
        self.assertRegex(failed[0], r"^<4>session=\d+ client=127\.0\.0\.1 "
                         r"client 127\.0\.0\.1: login failed for user "
                         r"'nosuch': no such user$")
        for l in lines:
            self.assertRegex(l, r"^<[0-7]>\S")

    def test_other_stream_keeps_stderr_format(self):
        lines = self.run_with(False)
        for l in lines:
            self.assertRegex(l, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "
                             r"sandftpd\[\d+\]: (info|warning|error|debug): ")


if __name__ == "__main__":
    unittest.main()
