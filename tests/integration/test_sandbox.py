"""The sandbox as the kernel sees it: credentials, capabilities,
no_new_privs and seccomp of every process of the daemon; every command
run inside the sandbox without a violation; forged privileged requests
refused; forbidden system calls killed; the file-system jail."""
import os
import pwd
import re
import select
import socket
import time

import harness
import tlsfiles
from harness import Server, ServerTestCase, recv_all
from test_logs import fields

CAP_NAMES = [
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
    "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
    "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
    "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
    "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
    "sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
    "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
    "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
]

# What the master keeps (SECURITY.md, master.c): nothing else.
MASTER_CAPS = {"kill", "setgid", "setuid", "setpcap", "sys_chroot"}
EMPTY_DIR = "/run/sandftpd/empty"
CHILD_NAMES = ("sandftpd-login", "sandftpd-anon")


def decode_caps(hexmask):
    mask = int(hexmask, 16)
    return {CAP_NAMES[i] if i < len(CAP_NAMES) else "cap_%d" % i
            for i in range(64) if mask >> i & 1}


def ids(status, key):
    return [int(x) for x in status[key].split()]


def session_uid():
    if not harness.UNPRIV:
        pw = pwd.getpwnam("sandftpd")
        return pw.pw_uid, pw.pw_gid
    if harness.IS_ROOT:
        return harness.NOBODY, harness.NOBODY
    return os.getuid(), os.getgid()


def child_problems(status):
    """What is wrong with a child's sandbox, as a list of strings."""
    uid, gid = session_uid()
    bad = []
    if status.get("Name") not in CHILD_NAMES:
        bad.append("name %r" % status.get("Name"))
    if ids(status, "Uid") != [uid] * 4:
        bad.append("Uid %s" % status["Uid"])
    if ids(status, "Gid") != [gid] * 4:
        bad.append("Gid %s" % status["Gid"])
    for key in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
        if int(status[key], 16) != 0:
            bad.append("%s %s" % (key, status[key]))
    # As root the bounding set is cleared before the uid switch;
    # unprivileged, inside the child's own user namespace.
    if int(status["CapBnd"], 16) != 0:
        bad.append("CapBnd %s" % status["CapBnd"])
    if harness.privileged() and status.get("Groups", "") != "":
        bad.append("Groups %r" % status["Groups"])
    if status.get("NoNewPrivs") != "1":
        bad.append("NoNewPrivs %s" % status.get("NoNewPrivs"))
    if status.get("Seccomp") != "2":
        bad.append("Seccomp %s" % status.get("Seccomp"))
    return bad


class Credentials(ServerTestCase):
    """/proc/PID/status of the whole process tree."""

    options = {"anon_direct": "no"}    # pre-login children too

    def all_children_problems(self):
        out = {}
        for pid, comm, st in self.server.children():
            if st.get("State", "").startswith("Z"):
                continue
            bad = child_problems(st)
            if bad:
                out[pid] = (comm, bad)
        return out

    def assert_children_sandboxed(self, minimum):
        # A child that was just forked is still between fork and sandbox:
        # wait for the pool to be quiet; a lasting problem fails.
        harness.wait_for(lambda: not self.all_children_problems(), 5)
        children = [c for c in self.server.children()
                    if not c[2].get("State", "").startswith("Z")]
        self.assertGreaterEqual(len(children), minimum)
        self.assertEqual(self.all_children_problems(), {})
        return children

    def test_master_credentials(self):
        if not harness.privileged():
            self.skipTest("the master runs as root only in root mode")
        st = harness.proc_status(self.server.master_pid())
        self.assertEqual(ids(st, "Uid"), [0, 0, 0, 0])
        want = MASTER_CAPS | {"net_bind_service"}      # port20 = yes
        self.assertEqual(decode_caps(st["CapEff"]), want)
        self.assertEqual(decode_caps(st["CapPrm"]), want)
        self.assertEqual(decode_caps(st["CapInh"]), set())
        self.assertEqual(decode_caps(st["CapAmb"]), set())
        self.assertLessEqual(decode_caps(st["CapBnd"]), want)
        line = self.server.wait_log(r"master: uid 0, capabilities kept: ")
        kept = line.split("capabilities kept: ")[1].split(",")
        self.assertEqual({k.replace("cap_", "", 1) for k in kept}, want)

    def test_master_credentials_unprivileged(self):
        if harness.privileged():
            self.skipTest("unprivileged mode only")
        st = harness.proc_status(self.server.master_pid())
        uid, _ = session_uid()
        self.assertEqual(ids(st, "Uid"), [uid] * 4)
        self.assertEqual(int(st["CapEff"], 16), 0)
        self.assertIn("unprivileged mode", self.server.log())

    def assert_root(self, pid, name):
        """A pre-login child's root is an empty directory; an anonymous
        child's is the anonymous root (chroot: "/" and ".." end there)."""
        root = os.readlink("/proc/%d/root" % pid)
        if name == "sandftpd-anon":
            self.assertEqual(root, self.tree.root)
        elif harness.privileged():
            self.assertEqual(root, EMPTY_DIR)
        else:
            self.assertRegex(root, r"^(%s|/tmp/sandftpd-empty\.\w+)$"
                             % re.escape(EMPTY_DIR))
            self.assertEqual(os.listdir("/proc/%d/root/" % pid), [])

    def test_idle_pool_children(self):
        children = self.assert_children_sandboxed(4)
        names = sorted(c[1] for c in children)
        self.assertEqual(names, ["sandftpd-anon"] * 2 +
                         ["sandftpd-login"] * 2)
        for pid, name, _ in children:
            self.assert_root(pid, name)

    def test_children_serving_sessions(self):
        pre = self.server.raw()
        self.assertEqual(pre.reply()[0], 220)
        anon = self.server.raw()
        self.assertEqual(anon.reply()[0], 220)
        self.assertEqual(anon.login()[0], 230)
        self.assertEqual(anon.cmd("PWD")[0], 257)
        pre_pid = self.server.session_pid(pre.sock, "sandftpd-login")
        anon_pid = self.server.session_pid(anon.sock, "sandftpd-anon")
        for pid, name in ((pre_pid, "sandftpd-login"),
                          (anon_pid, "sandftpd-anon")):
            st = harness.proc_status(pid)
            self.assertEqual(st["Name"], name)
            self.assertEqual(child_problems(st), [], (pid, st))
            self.assert_root(pid, name)
        # And the rest of the tree, idle children included.
        self.assert_children_sandboxed(6)
        pre.close()
        anon.close()


class ChildLimits(ServerTestCase):
    """The resource limits of every child, as the kernel shows them."""

    WANT = {"Max processes": "0", "Max core file size": "0",
            "Max open files": "32", "Max locked memory": "0",
            "Max msgqueue size": "0", "Max file size": "0",
            "Max data size": str(160 * 1024 * 1024)}
    options = {"anon_direct": "no"}    # pre-login children too

    def test_rlimits(self):
        sanitized = "sanitizers" in harness.run_daemon(["-V"]).stdout
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        def sandboxed():
            # A fresh child may still be between fork and its filter.
            pids = [p for p, name, st in self.server.children()
                    if st.get("Seccomp") == "2" and
                    not st.get("State", "").startswith("Z")]
            return pids if len(pids) >= 4 else None

        pids = harness.wait_for(sandboxed, 10)
        self.assertIsNotNone(pids, "fewer than 4 sandboxed children")
        for pid in pids:
            with open("/proc/%d/limits" % pid) as f:
                rows = {l[:26].strip(): l[26:].split()
                        for l in f.read().splitlines()[1:]}
            for name, value in self.WANT.items():
                if name == "Max data size" and sanitized:
                    continue
                self.assertEqual(rows[name][:2], [value, value],
                                 (pid, name, rows[name]))
        c.close()


class MasterWithoutPort20(ServerTestCase):
    options = {"port20": "no"}

    def test_no_bind_capability_without_port20(self):
        if not harness.privileged():
            self.skipTest("root mode only")
        st = harness.proc_status(self.server.master_pid())
        self.assertEqual(decode_caps(st["CapEff"]), MASTER_CAPS)
        self.assertEqual(decode_caps(st["CapPrm"]), MASTER_CAPS)
        self.assertLessEqual(decode_caps(st["CapBnd"]), MASTER_CAPS)


class EveryCommand(ServerTestCase):
    """Every command the server implements, inside the real sandbox, with
    real transfers; no child may die of a signal or seccomp."""

    BIG = 64 * 1024 * 1024
    tls = False     # over AUTH TLS, PROT P (data connections resume)

    @classmethod
    def setUpClass(cls):
        if cls.tls:
            cls.tls_dir = harness.workdir("sandftpd-every-tls-")
            cls.options = tlsfiles.options(cls.tls_dir)
        super().setUpClass()
        cls.tree.sparse("big.bin", cls.BIG)
        cls.tree.symlink("text/link.txt", "unix.txt")
        cls.random = open(os.path.join(cls.tree.root, "bin/random.bin"),
                          "rb").read()

    # -- data connections, passive or active --

    def open_data(self, c, active, n):
        """Set up the next data connection; returns a function that gives
        the connected socket once the transfer command was sent."""
        if not active:
            if n % 2:
                code, lines = c.cmd("PASV")
                self.assertEqual(code, 227, lines)
                nums = re.search(r"\((\d+(?:,\d+){5})\)", lines[0]).group(1)
                h = nums.split(",")
                port = int(h[4]) * 256 + int(h[5])
                host = ".".join(h[:4])
            else:
                code, lines = c.cmd("EPSV")
                self.assertEqual(code, 229, lines)
                port = int(re.search(r"\|\|\|(\d+)\|", lines[0]).group(1))
                host = c.sock.getpeername()[0]
            s = socket.create_connection((host, port), timeout=10)
            return lambda: s
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        lsock.settimeout(10)
        port = lsock.getsockname()[1]
        if n % 2:
            code, lines = c.cmd("PORT 127,0,0,1,%d,%d" % (port >> 8,
                                                          port & 255))
        else:
            code, lines = c.cmd("EPRT |1|127.0.0.1|%d|" % port)
        self.assertEqual(code, 200, lines)
        self.listeners.append(lsock)

        def accept():
            conn, _ = lsock.accept()
            conn.settimeout(10)
            return conn
        return accept

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        if cls.tls:
            __import__("shutil").rmtree(cls.tls_dir, ignore_errors=True)

    def data_socket(self, c, get, clear=False):
        """The data connection, after the 150: with PROT P in TLS,
        resuming the control connection's session."""
        conn = get()
        if self.tls and not clear:
            conn = c.tls_ctx.wrap_socket(conn, server_hostname="localhost",
                                         session=c.sock.session)
        return conn

    def transfer(self, c, active, command, expect=226, clear=False):
        self.n += 1
        get = self.open_data(c, active, self.n)
        code, lines = c.cmd(command)
        self.assertEqual(code, 150, (command, lines))
        data = recv_all(self.data_socket(c, get, clear))
        code, lines = c.reply()
        self.assertEqual(code, expect, (command, lines))
        return data

    def run_all(self, active):
        self.n = 0
        self.listeners = []
        mark = self.server.mark()
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        if self.tls:
            tlsfiles.starttls(c)
            self.assertEqual(c.cmd("PBSZ 0")[0], 200)
            self.assertEqual(c.cmd("PROT P")[0], 200)
        # Before login: the allow-list.
        self.assertEqual(c.cmd("HOST localhost")[0], 220)
        self.assertEqual(c.cmd("FEAT")[0], 211)
        self.assertEqual(c.cmd("OPTS UTF8 ON")[0], 200)
        self.assertEqual(c.cmd("HELP")[0], 214)
        self.assertEqual(c.cmd("HELP RETR")[0], 214)
        self.assertEqual(c.cmd("SYST")[0], 215)
        self.assertEqual(c.cmd("NOOP")[0], 200)
        self.assertEqual(c.cmd("PASS early")[0], 503)
        self.assertEqual(c.cmd("USER nosuchuser")[0], 331)
        self.assertEqual(c.cmd("PASS wrong")[0], 530)   # a failed login
        self.assertEqual(c.cmd("USER anonymous")[0], 331)
        self.assertEqual(c.cmd("PASS guest@example.org")[0], 230)
        # Session basics.
        for cmd, code in [("ACCT none", 202), ("SYST", 215), ("FEAT", 211),
                          ("HELP", 214), ("OPTS MLST type;size;", 200),
                          ("NOOP", 200), ("PWD", 257), ("XPWD", 257),
                          ("CWD pub", 250), ("XCWD deep", 250),
                          ("CDUP", 200), ("XCUP", 200), ("CWD /text", 250),
                          ("CWD /", 250), ("TYPE A", 200), ("TYPE I", 200),
                          ("MODE S", 200), ("STRU F", 200),
                          ("ALLO 1000", 202), ("SIZE bin/small.bin", 213),
                          ("MDTM old.txt", 213), ("MLST README.txt", 250),
                          ("MLST", 250), ("STAT", 211), ("STAT text", 212),
                          ("STAT text/link.txt", 213),
                          ("SIZE text/link.txt", 213), ("ABOR", 225),
                          ("SITE HELP", 214), ("REST 0", 350)]:
            code_got, lines = c.cmd(cmd)
            self.assertEqual(code_got, code, (cmd, lines))
        self.assertEqual(c.cmd("SIZE bin/small.bin")[1][0], "213 4096")
        self.assertEqual(c.cmd("MDTM old.txt")[1][0], "213 20000101000000")
        # Transfers.
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        self.assertEqual(self.transfer(c, active, "RETR bin/random.bin"),
                         self.random)
        self.assertEqual(c.cmd("REST 100000")[0], 350)
        self.assertEqual(self.transfer(c, active, "RETR bin/random.bin"),
                         self.random[100000:])
        self.assertEqual(self.transfer(c, active, "RETR text/link.txt"),
                         b"line one\nline two\nline three\n")
        self.assertEqual(self.transfer(c, active, "RETR pub/新文件夹/テスト.txt"),
                         "こんにちは\n".encode())
        self.assertEqual(c.cmd("TYPE A")[0], 200)
        self.assertEqual(self.transfer(c, active, "RETR text/unix.txt"),
                         b"line one\r\nline two\r\nline three\r\n")
        listing = self.transfer(c, active, "LIST").decode()
        self.assertIn(" README.txt\r\n", listing)
        listing = self.transfer(c, active, "LIST -la text").decode()
        self.assertRegex(listing, r"link\.txt -> unix\.txt\r\n")
        self.assertEqual(self.transfer(c, active, "NLST text/*.txt"),
                         b"text/dos.txt\r\ntext/link.txt\r\ntext/unix.txt"
                         b"\r\n")
        mlsd = self.transfer(c, active, "MLSD pub").decode()
        self.assertIn("type=cdir", mlsd)
        self.assertIn(" 新文件夹\r\n", mlsd)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        # STAT, NOOP and ABOR during a transfer.
        self.n += 1
        get = self.open_data(c, active, self.n)
        self.assertEqual(c.cmd("RETR big.bin")[0], 150)
        data = self.data_socket(c, get)
        self.assertTrue(data.recv(65536))
        code, lines = c.cmd("STAT")
        self.assertEqual(code, 213, lines)
        self.assertRegex(lines[0], r"big\.bin.* \d+ of %d bytes" % self.BIG)
        self.assertEqual(c.cmd("NOOP")[0], 200)
        c.send("ABOR\r\n")
        self.assertEqual(c.reply()[0], 426)
        self.assertEqual(c.reply()[0], 226)
        data.close()
        self.assertEqual(c.cmd("PWD")[0], 257)
        # The refused writes, each with a data connection prepared that
        # must not be used.
        for cmd in ("STOR new.txt", "APPE README.txt", "STOU"):
            self.n += 1
            get = self.open_data(c, active, self.n)
            code, lines = c.cmd(cmd)
            self.assertEqual(code, 550, (cmd, lines))
            if active:
                r, _, _ = select.select([self.listeners[-1]], [], [], 0.3)
                self.assertEqual(r, [], "%s connected anyway" % cmd)
            else:
                get().close()
        for cmd, code in [("DELE README.txt", 550), ("MKD new", 550),
                          ("XMKD new", 550), ("RMD empty", 550),
                          ("XRMD empty", 550), ("RNFR README.txt", 550),
                          ("RNTO other.txt", 503),
                          ("SITE CHMOD 777 README.txt", 550),
                          ("MDTM 20200101000000 README.txt", 550)]:
            code_got, lines = c.cmd(cmd)
            self.assertEqual(code_got, code, (cmd, lines))
        self.assertFalse(os.path.exists(os.path.join(self.tree.root,
                                                     "new.txt")))
        if self.tls:
            # The TLS commands after login; REIN is not offered over TLS.
            self.assertEqual(c.cmd("PROT C")[0], 200)
            self.assertEqual(self.transfer(c, active, "RETR README.txt",
                                           clear=True), b"Welcome.\n")
            self.assertEqual(c.cmd("PROT P")[0], 200)
            self.assertEqual(c.cmd("CCC")[0], 534)
            self.assertEqual(c.cmd("REIN")[0], 502)
            self.assertEqual(c.cmd("QUIT")[0], 221)
            self.assertTrue(c.closed())
            self.check_no_violation(mark)
            return
        # REIN, a second login, QUIT.
        self.assertEqual(c.cmd("REIN")[0], 220)
        self.assertEqual(c.cmd("PWD")[0], 530)
        self.assertEqual(c.cmd("USER ftp")[0], 331)
        self.assertEqual(c.cmd("PASS x")[0], 230)
        # REIN reset the type to ASCII (RFC 959 4.1.1).
        self.assertEqual(self.transfer(c, active, "RETR README.txt"),
                         b"Welcome.\r\n")
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertTrue(c.closed())
        self.check_no_violation(mark)

    def check_no_violation(self, mark):
        for l in self.listeners:
            l.close()
        # Nothing in the sandbox was violated.
        time.sleep(0.3)
        new = self.server.lines_since(mark)
        bad = [l for l in new if "killed by signal" in l or "seccomp" in l
               or "exited with status" in l and "status 0" not in l]
        self.assertEqual(bad, [], "\n".join(new))

    def test_every_command_passive(self):
        self.run_all(active=False)

    def test_every_command_active(self):
        self.run_all(active=True)


class EveryCommandTls(EveryCommand):
    """The same over TLS: every TLS path (handshakes, the relay, PROT P
    transfers and listings, ABOR during a TLS transfer) inside the
    sandbox."""
    tls = True


class EveryCommandNoPort20(EveryCommand):
    """Active mode where the child connects itself (root mode; in
    unprivileged mode it always does, and EveryCommand covers that)."""
    options = {"port20": "no"}

    def setUp(self):
        if not harness.privileged():
            self.skipTest("root mode only")
        super().setUp()

    test_every_command_passive = None


# ---- forged privileged requests (the test-hooks binary) ----

class ForgeryBase(ServerTestCase):
    """A compromised child's requests: the master kills it, the client's
    connection closes, the next session is fine."""

    options = {"anon_direct": "no"}
    greeter = "sandftpd-login"  # the child that serves before a login
    greeter_label = "login"     # ... as the master's log names it

    @classmethod
    def setUpClass(cls):
        cls.server_binary = harness.HOOKS
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.expect_deaths = True

    def forge(self, kind, login, reason):
        mark = self.server.mark()
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        child = self.greeter_label
        if login:
            self.assertEqual(c.login()[0], 230)
            child = "anonymous"
        pid = self.server.session_pid(
            c.sock, "sandftpd-anon" if login else self.greeter)
        c.sock.settimeout(8)
        c.send("XFRG %s\r\n" % kind)
        self.assertEqual(c.reply(), (None, []),
                         "the forging child lived on")
        self.assertTrue(c.closed())
        c.close()
        line = self.server.wait_log(
            r"session=\d+ client=127\.0\.0\.1 .*%s child %d: %s" %
            (child, pid, reason), start=mark)
        self.assertTrue(line.rstrip().endswith("killing it"), line)
        self.server.wait_log(r"%s child %d .*killed by signal 9" %
                             (child, pid), start=mark)
        self.fresh_session_works()

    def fresh_session_works(self):
        f = self.server.ftp()
        got = []
        f.retrbinary("RETR bin/small.bin", got.append)
        self.assertEqual(b"".join(got), bytes(range(256)) * 16)
        self.assertEqual(f.nlst("text"), ["text/dos.txt", "text/unix.txt"])
        f.quit()


class Forgery(ForgeryBase):
    """Each kind of forged request."""

    REFUSED = r"refused %s request \(type \d+, \d+ bytes, %d fds\) in " \
              r"phase %s: %s; killing it"

    def test_connect_to_low_port(self):
        self.forge("connect-low", True, self.REFUSED % (
            "DATA_CONNECT", 0, "session",
            "data connection to a privileged port"))

    def test_connect_with_address(self):
        self.forge("connect-addr", True, self.REFUSED % (
            "DATA_CONNECT", 0, "session", "wrong length for its type"))

    def test_connect_before_login(self):
        # A valid-looking request in the wrong phase.
        self.forge("connect", False, self.REFUSED % (
            "DATA_CONNECT", 0, "pre-login",
            "request not allowed in this phase"))

    def test_passive_listener_naming_something(self):
        self.forge("pasv-pad", True, self.REFUSED % (
            "PASV_LISTEN", 0, "session", "padding not zero"))

    def test_zero_length_message(self):
        # Not taken for the end of the channel: a message, refused.
        for login in (False, True):
            with self.subTest(login=login):
                self.forge("zero-length", login, self.REFUSED % (
                    "unknown", 0, "session" if login else "pre-login",
                    "shorter than a header"))

    def test_channel_shut_down(self):
        # A child that stops listening to the master and serves on is
        # killed once the grace period is over.
        for login in (False, True):
            with self.subTest(login=login):
                self.forge("shutdown-channel", login,
                           "closed its socket to the master but did not "
                           "exit; killing it")

    def test_short_message(self):
        for login in (False, True):
            with self.subTest(login=login):
                self.forge("short", login, self.REFUSED % (
                    "LOG", 0, "session" if login else "pre-login",
                    "length field does not match the message"))

    def test_length_field(self):
        for login in (False, True):
            with self.subTest(login=login):
                self.forge("lenfield", login, self.REFUSED % (
                    "LOG", 0, "session" if login else "pre-login",
                    "length field does not match the message"))

    def test_unterminated_string(self):
        for login in (False, True):
            with self.subTest(login=login):
                self.forge("unterminated", login, self.REFUSED % (
                    "LOG", 0, "session" if login else "pre-login",
                    "log text not terminated"))

    def test_unknown_type(self):
        for login in (False, True):
            with self.subTest(login=login):
                self.forge("unknown", login, self.REFUSED % (
                    "unknown", 0, "session" if login else "pre-login",
                    "unknown request type"))

    def test_unexpected_descriptor(self):
        for login in (False, True):
            with self.subTest(login=login):
                self.forge("fd", login, self.REFUSED % (
                    "LOG", 1, "session" if login else "pre-login",
                    "wrong number of descriptors"))

    def test_login_with_foreign_descriptor(self):
        self.forge("login-fd", False,
                   "LOGIN with a descriptor that is not its client's; "
                   "killing it")

    def test_login_claiming_tls_without_tls(self):
        # No TLS configured: a LOGIN that says it came over TLS is a lie
        # (it would make the child a relay nothing retires).
        self.forge("login-tls", False,
                   "LOGIN over TLS from a child without TLS; killing it")

    def test_login_after_login(self):
        self.forge("login-fd", True, self.REFUSED % (
            "LOGIN", 1, "session", "request not allowed in this phase"))

    def test_unknown_forgery_is_just_an_error(self):
        self.expect_deaths = False
        c = self.server.raw()
        c.reply()
        self.assertEqual(c.cmd("XFRG nonsense")[0], 501)
        self.assertEqual(c.cmd("NOOP")[0], 200)
        c.close()

    def test_seccomp_kills_forbidden_call(self):
        for login, child in ((False, self.greeter_label),
                             (True, "anonymous")):
            with self.subTest(login=login):
                mark = self.server.mark()
                c = self.server.raw()
                self.assertEqual(c.reply()[0], 220)
                if login:
                    self.assertEqual(c.login()[0], 230)
                pid = self.server.session_pid(
                    c.sock, "sandftpd-anon" if login else self.greeter)
                c.sock.settimeout(8)
                c.send("XFRG syscall\r\n")
                self.assertEqual(c.reply(), (None, []),
                                 "open() was allowed")
                self.assertTrue(c.closed())
                c.close()
                self.server.wait_log(
                    r"session=\d+ client=127\.0\.0\.1 .*%s child %d "
                    r"killed by signal 31 \(SIGSYS\): seccomp violation"
                    % (child, pid), start=mark)
                self.fresh_session_works()

    def test_crash_is_logged(self):
        mark = self.server.mark()
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        c.send("XFRG crash\r\n")
        self.assertTrue(c.closed())
        self.server.wait_log(r"%s child \d+ .*killed by signal 11 "
                             r"\(SIGSEGV\)" % self.greeter_label, start=mark)
        self.fresh_session_works()


    def test_last_words_are_one_value(self):
        # The death line repeats the child's last LOG text, quoted: it
        # cannot add a session or user field to the master's line.
        mark = self.server.mark()
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        pid = self.server.session_pid(c.sock, "sandftpd-anon")
        self.assertEqual(c.cmd("XFRG log-fields")[0], 200)
        c.send("XFRG crash\r\n")
        self.assertTrue(c.closed())
        c.close()
        line = self.server.wait_log(r"anonymous child %d .*killed by "
                                    r"signal 11" % pid, start=mark)
        self.assertTrue(line.endswith(
            '; last: "last words session=999 user=root"'), line)
        got = fields(line)
        self.assertEqual([k for k, v in got if k == "session"], ["session"],
                         line)
        self.assertNotIn(("session", "999"), got, line)
        self.assertNotIn(("user", "root"), got, line)
        self.fresh_session_works()


class ForgeryGreeter(Forgery):
    """The same forgeries from the anonymous children of an anonymous-only
    server (anon_direct), which greet: before the login they get no more
    from the master than a pre-login child; after it, what any anonymous
    session gets."""

    options = None
    greeter = "sandftpd-anon"
    greeter_label = "anonymous"

    @classmethod
    def setUpClass(cls):
        harness.one_run_only("the master's checks are Forgery's")
        super().setUpClass()


class SeccompDebug(ServerTestCase):
    """-o seccomp_debug=yes: the violation names the system call."""

    greeter = "sandftpd-anon"       # anonymous-only: anon_direct
    greeter_label = "anonymous"

    @classmethod
    def setUpClass(cls):
        cls.tree = harness.standard_tree()
        cls.server = Server(cls.tree, binary=harness.HOOKS,
                            args=["-o", "seccomp_debug=yes"]).start()

    def test_violation_names_the_call(self):
        self.expect_deaths = True
        for login, child in ((False, self.greeter_label),
                             (True, "anonymous")):
            with self.subTest(login=login):
                mark = self.server.mark()
                c = self.server.raw()
                self.assertEqual(c.reply()[0], 220)
                if login:
                    self.assertEqual(c.login()[0], 230)
                pid = self.server.session_pid(
                    c.sock, "sandftpd-anon" if login else self.greeter)
                c.sock.settimeout(8)
                c.send("XFRG syscall\r\n")
                self.assertEqual(c.reply(), (None, []))
                c.close()
                self.server.wait_log(
                    r"session=\d+ client=127\.0\.0\.1 .*%s child %d: "
                    r"msg=\"seccomp: blocked system call (open|openat) "
                    r"\(\d+\)" % (child, pid), start=mark)
                # It still dies, whatever the debug handler does.
                self.server.wait_log(r"%s child %d .*(exited with status "
                                     r"[1-9]|killed by signal)" %
                                     (child, pid), start=mark)
        f = self.server.ftp()
        self.assertEqual(f.pwd(), "/")
        f.quit()


# ---- the file-system jail ----

class Jail(ServerTestCase):
    """Symlinks that point out of the served tree lead nowhere; those
    inside it work.  A readable secret sits just outside the root, so only
    the jail keeps it in."""

    SECRET = b"secret outside the root\n"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = cls.tree
        with open(os.path.join(t.base, "secret.txt"), "wb") as f:
            f.write(cls.SECRET)
        os.chmod(os.path.join(t.base, "secret.txt"), 0o644)
        deep = "../" * 12
        cls.links = {
            "etc_abs": "/etc",
            "passwd_abs": "/etc/passwd",
            "etc_rel": deep + "etc",
            "passwd_rel": deep + "etc/passwd",
            "base_abs": t.base,                     # the root's parent
            "secret_abs": os.path.join(t.base, "secret.txt"),
            "secret_rel": "../secret.txt",
            "pub/deep/up": "../../..",             # the root's parent
            "pub/deep/secret_up": "../../../secret.txt",
        }
        for name, target in cls.links.items():
            t.symlink(name, target)
        t.symlink("pub/readme_link", "../README.txt")
        t.symlink("pub/text_dir", "../text")
        t.symlink("pub/abs_inside", "/README.txt")

    def setUp(self):
        super().setUp()
        self.f = self.server.ftp()
        self.f.voidcmd("TYPE I")

    def tearDown(self):
        try:
            self.f.quit()
        except Exception:
            pass
        super().tearDown()

    def retr(self, name):
        got = []
        self.f.retrbinary("RETR " + name, got.append)
        return b"".join(got)

    def assert_no_leak(self, data):
        self.assertNotIn(b"root:x:0:0", data)
        self.assertNotIn(self.SECRET.strip(), data)

    def assert_fails(self, fn, *args):
        try:
            result = fn(*args)
        except (harness.ftplib.error_perm, harness.ftplib.error_temp) as e:
            # 550; STAT answers 450 for a path it cannot show.
            self.assertTrue(str(e)[:3] in ("550", "450"), str(e))
            return
        self.fail("%s%r succeeded: %r" % (fn.__name__, args, result))

    def test_escaping_links_cannot_be_read(self):
        for name in ("passwd_abs", "passwd_rel", "secret_abs", "secret_rel",
                     "pub/deep/secret_up", "etc_abs/passwd",
                     "etc_rel/passwd", "base_abs/secret.txt",
                     "pub/deep/up/secret.txt"):
            with self.subTest(name=name):
                self.assert_fails(self.retr, name)
                self.assert_fails(self.f.size, name)
                self.assert_fails(self.f.sendcmd, "MDTM " + name)
                self.assert_fails(self.f.sendcmd, "MLST " + name)

    def test_escaping_links_cannot_be_listed(self):
        for name in ("etc_abs", "etc_rel", "base_abs", "passwd_abs",
                     "secret_abs", "secret_rel"):
            with self.subTest(name=name):
                for verb in ("LIST", "NLST", "MLSD"):
                    lines = []
                    self.assert_fails(self.f.retrlines, "%s %s" %
                                      (verb, name), lines.append)
                    self.assert_no_leak("\n".join(lines).encode())
                self.assert_fails(self.f.sendcmd, "STAT " + name)

    def test_escaping_links_cannot_be_entered(self):
        for name in ("etc_abs", "etc_rel", "base_abs", "/etc", "/proc",
                     "../../../../etc"):
            with self.subTest(name=name):
                # ("..": stops at the root, and there is no /etc in it.)
                self.assert_fails(self.f.cwd, name)
                self.assertEqual(self.f.pwd(), "/")

    def test_link_to_the_roots_parent_is_the_root(self):
        # "../../.." from pub/deep leaves the tree in the real file
        # system; in the jail it stops at the root.
        self.f.cwd("pub/deep/up")
        names = self.f.nlst()
        self.assertIn("README.txt", names)
        self.assertNotIn("secret.txt", names)
        self.assertNotIn("root", names)
        self.assert_fails(self.retr, "secret.txt")
        self.assertEqual(self.retr("README.txt"), b"Welcome.\n")

    def test_plain_paths_out_of_the_root(self):
        for name in ("/etc/passwd", "../../../../etc/passwd",
                     "/../../../etc/passwd", "pub/../../../etc/passwd",
                     "../secret.txt", "/proc/self/root/etc/passwd",
                     "/proc/1/root/etc/passwd",
                     os.path.join(self.tree.base, "secret.txt")):
            with self.subTest(name=name):
                self.assert_fails(self.retr, name)
        self.f.cwd("pub/deep")
        self.assert_fails(self.retr, "../../../../../../etc/passwd")
        self.assert_fails(self.retr, "../../../secret.txt")

    def test_listing_the_root_shows_links_not_targets(self):
        lines = []
        self.f.retrlines("LIST", lines.append)
        self.assertIn("etc_abs -> /etc", "\n".join(lines))
        data = "\n".join(lines).encode()
        self.assert_no_leak(data)
        entries = dict(self.f.mlsd())
        # A link whose target is outside is not described by the target.
        self.assertNotEqual(entries["etc_abs"].get("type"), "dir")

    def test_links_inside_the_tree_work(self):
        self.assertEqual(self.retr("pub/readme_link"), b"Welcome.\n")
        self.assertEqual(self.f.size("pub/readme_link"), 9)
        self.assertEqual(self.retr("pub/abs_inside"), b"Welcome.\n")
        self.assertEqual(self.f.nlst("pub/text_dir"),
                         ["pub/text_dir/dos.txt", "pub/text_dir/unix.txt"])
        self.f.cwd("pub/text_dir")
        self.assertEqual(self.f.pwd(), "/pub/text_dir")
        self.assertEqual(self.retr("unix.txt"),
                         b"line one\nline two\nline three\n")
        entries = dict(self.f.mlsd("/pub"))
        self.assertEqual(entries["text_dir"]["type"], "dir")
        self.assertEqual(entries["readme_link"]["type"], "file")



class ForgeryLoginLimit(ForgeryBase):
    """max_login_failures = 1: a child that asks for another login after
    the refusal that ended its connection is killed."""
    options = {"anon_direct": "no", "max_login_failures": "1"}

    def test_login_after_the_last_failure(self):
        self.forge("login-after-close", False,
                   r"LOGIN after the connection's last failure; killing it")


class ForgeryPassiveOnly(ForgeryBase):
    """active_mode = no: a child that asks for an active-mode data
    connection anyway (its PORT/EPRT are refused) is killed."""
    options = {"active_mode": "no"}

    def test_data_connect_refused(self):
        self.forge("connect", True, r"DATA_CONNECT with active_mode = no")
