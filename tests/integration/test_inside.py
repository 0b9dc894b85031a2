"""The threat model's attacker: code execution inside a child.

The test build's XATK command makes a child, after its sandbox is in
force, run the system calls such an attacker would try (attacks.c).  Each
attack must fail: an error from the kernel, or the child's death (seccomp)
with the master carrying on.  What the attack would have reached is
checked from outside too: the listener it aimed at, the files on disk,
the master's log, the other processes.

Every child kind runs the whole battery (pre-login, anonymous, an
anonymous child of an anonymous-only server before its client logged in
(it greets: anon_direct), a read-only and a read-write user session),
with Landlock in force and once more with Landlock reported absent
(require_landlock = no); run.py runs it
all with the daemon as root and unprivileged.  A user session's root is
users/alice inside the test tree: the anonymous tree around it and
another user's directory next to it are outside, like the secret.
"""
import os
import re
import select
import socket
import time
import uuid

import harness
import tlsfiles
from harness import Server, ServerTestCase

# Socket families and protocols a child must never get.
FOREIGN_SOCKETS = ("udp", "raw", "mptcp", "sctp", "unix", "netlink", "packet",
                   "vsock", "socketpair")
# Socket options outside the child's short list.
FOREIGN_OPTIONS = ("tls-ulp", "fastopen-connect", "reuseport", "bindtodevice",
                   "transparent", "rcvbuf", "linger")
# Process attacks: (attack, needs a target pid).
PROCESS_ATTACKS = (("ptrace", True), ("vmread", True), ("fork", False),
                   ("exec", False), ("mmap-exec", False), ("setuid", False),
                   ("unshare", False))


def parse_entries(text):
    """'fd3 ok dev=1 ino=2 ...; fd4 errno ENOENT' -> [(label, ok, fields)]."""
    out = []
    for part in text.split("; "):
        words = part.split()
        if len(words) < 2:
            continue
        fields = {}
        for w in words[2:]:
            k, _, v = w.partition("=")
            fields[k] = v
        out.append((words[0], words[1] == "ok", fields))
    return out


def ident(path, follow=False):
    st = os.stat(path) if follow else os.lstat(path)
    return (st.st_dev, st.st_ino)


class Inside(ServerTestCase):
    """The battery for one child kind; subclasses pick kind and Landlock."""

    kind = None             # "login", "greeter", "anon", "user-ro" or
                            # "user-rw"
    landlock = True
    tls = False             # FTPS: the session runs over AUTH TLS
    options = None

    @classmethod
    def user_setup(cls, t):
        """A virtual user alice rooted in users/alice; bob's files next
        to it.  Returns the server options and alice's root."""
        alice, = harness.user_roots(t, "alice")
        other = harness.TEST_ACCOUNTS[1] if harness.privileged() else None
        bob = harness.owned_dir(os.path.join(t.root, "users", "bob"), other,
                                0o700)
        cls.bob_file = os.path.join(bob, "bob.txt")
        with open(cls.bob_file, "wb") as f:
            f.write(b"bob's own\n")
        if harness.IS_ROOT:
            uid, gid = harness.account_ids(other)
            os.chown(cls.bob_file, uid, gid)
        os.chmod(cls.bob_file, 0o600)
        cls.workdir = harness.workdir("sandftpd-in-")
        db = harness.user_db(cls.workdir, [
            ("alice", alice, "rw" if cls.kind == "user-rw" else "ro",
             None)])
        return {"user_db": db}, alice

    @classmethod
    def restore_links(cls, root):
        """The links out, as they were (a writer may have removed or
        renamed them inside its root)."""
        for name, target in cls.links:
            p = os.path.join(root, name)
            if os.path.lexists(p) and (not os.path.islink(p) or
                                       os.readlink(p) != target):
                if os.path.isdir(p) and not os.path.islink(p):
                    os.rmdir(p)
                else:
                    os.unlink(p)
            if not os.path.lexists(p):
                os.symlink(target, p)

    @classmethod
    def setUpClass(cls):
        if cls.kind is None:
            raise __import__("unittest").SkipTest("base class")
        if not cls.landlock and harness.SANITIZED:
            # The same filters and code with one step skipped: the plain
            # build's run covers it; the sanitizer run looks for memory
            # errors, which it would not find here anew.
            raise __import__("unittest").SkipTest("without Landlock: in the "
                                                  "plain build's run")
        if cls.kind == "user-ro" and harness.SANITIZED:
            # The read-only filter is the anonymous child's (InsideAnon)
            # and the user's set-up the read-write kind's: the plain
            # build's run covers the pair (CI time).
            raise __import__("unittest").SkipTest("read-only user: in "
                                                  "the plain build's run")
        if cls.tls and harness.SANITIZED:
            # The same battery in children that carry TLS: the plain run
            # covers their filters; the sanitizer run meets the TLS code
            # itself in test_tls and EveryCommandTls (CI time).
            raise __import__("unittest").SkipTest("TLS kinds: in the plain "
                                                  "build's run")
        t = cls.tree = harness.standard_tree()
        cls.workdir = None
        options = {"crash_limit": "0"}
        if cls.kind == "login":
            # Pre-login children greet where accounts exist; here the
            # server is anonymous-only, so ask for them (anon_direct).
            options["anon_direct"] = "no"
        root = t.root
        if cls.kind.startswith("user"):
            more, root = cls.user_setup(t)
            options.update(more)
        cls.session_root = root
        # Outside the root: a secret, a symbolic link, the tree's parent.
        cls.secret = os.path.join(t.base, "secret.txt")
        with open(cls.secret, "wb") as f:
            f.write(b"secret outside the root\n")
        os.chmod(cls.secret, 0o644)
        cls.leak_target = "LEAKED-" + uuid.uuid4().hex
        os.symlink(cls.leak_target, os.path.join(t.base, "outside-link"))
        # Inside: links that point out, and things a writer would want.
        cls.links = (("escape_abs", cls.secret),
                     ("escape_rel", "../secret.txt"),
                     ("escape_root", "/"),
                     ("escape_up", "../../secret.txt"),
                     ("escape_bob", "../bob/bob.txt"))
        cls.restore_links(root)
        os.makedirs(os.path.join(root, "pub", "wdir"))
        os.chmod(os.path.join(root, "pub"), 0o755)
        os.chmod(os.path.join(root, "pub", "wdir"), 0o777)
        cls.victim = os.path.join(root, "pub", "wdir", "victim")
        with open(cls.victim, "wb") as f:
            f.write(b"original\n")
        os.chmod(cls.victim, 0o666)
        options.update(cls.options or {})
        if cls.tls:
            cls.tls_dir = harness.workdir("sandftpd-in-tls-")
            options.update(tlsfiles.options(cls.tls_dir))
        env = None
        if not cls.landlock:
            options["require_landlock"] = "no"
            env = {"SANDFTPD_TEST_NO_LANDLOCK": "1"}
        cls.server = Server(t, options, binary=harness.HOOKS, env=env).start()
        # The battery runs with the Landlock state it claims to.
        which = "anonymous session"
        if cls.kind.startswith("user"):
            c, _ = cls.open_session(cls.server, cls.kind, cls.tls)
            c.close()
            which = "user session"
        cls.server.wait_log(r"%s sandbox: .*%s" % (which,
                            "Landlock ABI [1-9]" if cls.landlock else
                            "NO Landlock"))
        # What no child may ever see.
        cls.outside = {ident(t.base), ident(cls.secret),
                       ident(os.path.join(t.base, "outside-link")),
                       ident("/"), ident("/etc"), ident("/etc/passwd"),
                       ident("/proc", follow=True)}
        if cls.kind.startswith("user"):
            cls.outside |= {ident(t.root), ident(os.path.join(t.root,
                            "users")), ident(os.path.dirname(cls.bob_file)),
                            ident(cls.bob_file),
                            ident(os.path.join(t.root, "README.txt"))}
        cls.root_ident = ident(root)
        cls.listeners = {}

    @classmethod
    def tearDownClass(cls):
        for l in cls.listeners.values():
            l.close()
        super().tearDownClass()
        if cls.tls:
            __import__("shutil").rmtree(cls.tls_dir, ignore_errors=True)
        if cls.workdir:
            __import__("shutil").rmtree(cls.workdir, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.expect_deaths = True       # seccomp kills are expected
        self.live = None                # a child that survived an attack

    def tearDown(self):
        if self.live:
            self.live[0].close()
        super().tearDown()

    # -- sessions and attacks --

    @staticmethod
    def open_session(server, kind, tls):
        """A client logged in as this kind needs (over TLS with tls);
        (client, name of the child that serves it)."""
        c = server.raw()
        assert c.reply()[0] == 220
        if tls:
            tlsfiles.starttls(c)
        name = "sandftpd-login"
        if kind == "greeter":
            name = "sandftpd-anon"      # not logged in, in its own child
        elif kind == "anon":
            assert c.login()[0] == 230
            name = "sandftpd-anon"
        elif kind.startswith("user"):
            assert c.login("alice", harness.TEST_PASSWORD)[0] == 230
            name = "sandftpd-user"
        return c, name

    def session(self):
        """A session served by a child of this kind; (client, pid)."""
        c, name = self.open_session(self.server, self.kind, self.tls)
        if self.kind not in ("login", "greeter"):
            # Hold a passive listener too: every descriptor is tried.
            self.assertEqual(c.cmd("EPSV")[0], 229)
            if self.tls:
                return c, self.server.relayed_pid(c.sock, name)
        return c, self.server.session_pid(c.sock, name)

    def attack(self, line, keep=False):
        """Run one attack in a child of this kind: the one the test's
        last attack left alive (a refused system call changes nothing),
        else a fresh one.  None when the child died (its death logged,
        the master alive), else the parsed answer.  keep=True runs in a
        fresh child and returns (answer, client) with it still there."""
        mark = self.server.mark()
        if self.live and not keep:
            c, pid = self.live
        else:
            c, pid = self.session()
        self.live = None
        c.sock.settimeout(15)
        c.send("XATK %s\r\n" % line)
        code, lines = c.reply()
        if code is None:
            c.close()
            self.server.wait_log(r"child %d .*(killed by signal|exited)"
                                 % pid, start=mark)
            self.assertIsNone(self.server.proc.poll(), "the master died")
            return (None, None) if keep else None
        self.assertEqual(code, 200, lines)
        m = re.match(r"200 XATK \S+: (.*)$", lines[0])
        self.assertTrue(m, lines)
        entries = parse_entries(m.group(1))
        if keep:
            return entries, c
        self.live = (c, pid)
        return entries

    def assert_refused(self, line):
        """Killed, or an error for every attempt; returns the answer."""
        got = self.attack(line)
        if got is not None:
            oks = [e for e in got if e[1]]
            self.assertEqual(oks, [], "%s: the kernel allowed %r"
                             % (line, oks))
        return got

    def listener(self, host):
        if host not in self.listeners:
            s = socket.socket()
            s.bind((host, 0))
            s.listen(8)
            s.setblocking(False)
            self.listeners[host] = s
        return self.listeners[host]

    def assert_no_connection(self, lsock):
        # The attack ran before its reply came: a connection it made is
        # queued by now (loopback).
        r, _, _ = select.select([lsock], [], [], 0.2)
        if r:
            conn, peer = lsock.accept()
            conn.close()
            self.fail("the attack reached %r from %r" %
                      (lsock.getsockname(), peer))

    def assert_nothing_listens(self, host, port):
        with socket.socket() as s:
            s.settimeout(2)
            try:
                s.connect((host, port))
            except OSError:
                return
        self.fail("something listens on %s:%d" % (host, port))

    def other_session(self):
        """A second live session (not the attacked one) and its pid."""
        return self.session()

    def assert_session_alive(self, c):
        self.assertEqual(c.cmd("NOOP")[0], 200)

    # -- network: no connection, no listener the master did not make --

    def test_connect(self):
        for host in ("127.0.0.2", "127.0.0.1"):
            with self.subTest(host=host):
                l = self.listener(host)
                self.assert_refused("connect %s %d" %
                                    (host, l.getsockname()[1]))
                self.assert_no_connection(l)

    def test_connect_held_sockets(self):
        # The connect(2) a session child has (resetting a connection) is
        # refused with a whole address, on every descriptor it holds.
        for host in ("127.0.0.2", "127.0.0.1"):
            with self.subTest(host=host):
                l = self.listener(host)
                self.assert_refused("connect-fds %s %d" %
                                    (host, l.getsockname()[1]))
                self.assert_no_connection(l)

    def test_fast_open(self):
        for attack in ("fastopen", "fastopen-fds", "sendmsg-fastopen-fds",
                       "sendto-fds"):
            for host in ("127.0.0.2", "127.0.0.1"):
                with self.subTest(attack=attack, host=host):
                    l = self.listener(host)
                    self.attack("%s %s %d" % (attack, host,
                                              l.getsockname()[1]))
                    self.assert_no_connection(l)

    def test_listen(self):
        port = harness.free_port()
        for host in ("0.0.0.0", "127.0.0.1", "127.0.0.2"):
            for attack in ("listen", "listen-fds"):
                with self.subTest(attack=attack, host=host):
                    got, c = self.attack("%s %s %d" % (attack, host, port),
                                         keep=True)
                    self.assert_nothing_listens(
                        "127.0.0.1" if host == "0.0.0.0" else host, port)
                    if c:
                        c.close()

    def test_foreign_sockets(self):
        for kind in FOREIGN_SOCKETS:
            with self.subTest(socket=kind):
                self.assert_refused("socket %s" % kind)

    def test_foreign_socket_options(self):
        for opt in FOREIGN_OPTIONS:
            with self.subTest(option=opt):
                self.assert_refused("setsockopt %s" % opt)

    # -- the file system: nothing outside the root, nothing written --

    def assert_no_outside(self, line):
        got = self.attack(line)
        if got is None:
            return
        for label, ok, f in got:
            if not ok:
                continue
            if "target" in f:
                self.fail("%s: %s read a link outside the root: %s"
                          % (line, label, f["target"]))
            seen = (int(f["dev"]), int(f["ino"]))
            self.assertNotIn(seen, self.outside, "%s: %s reached %r outside "
                             "the root" % (line, label, f))

    READ_PATHS = ("..", "../..", "../../../../..", "../secret.txt",
                  "../../../../../../etc/passwd", "/etc/passwd", "/",
                  "/..", "/proc/self/root", "/proc/1/root/etc/passwd",
                  "/proc/self/cwd/..", "/proc/self/exe", "escape_abs",
                  "escape_rel", "escape_root/etc/passwd", "escape_root",
                  "../outside-link", "escape_up", "escape_bob",
                  "../bob/bob.txt", "../../README.txt", "/../README.txt")

    def test_stat_outside(self):
        for path in self.READ_PATHS:
            for attack in ("stat", "stat-follow"):
                with self.subTest(attack=attack, path=path):
                    self.assert_no_outside("%s %s" % (attack, path))

    def test_open_outside(self):
        for path in self.READ_PATHS:
            for attack in ("open", "open-path", "openat2", "openat2-path"):
                with self.subTest(attack=attack, path=path):
                    self.assert_no_outside("%s %s" % (attack, path))

    def test_tls_key_unreachable(self):
        # The key file by its path, and through /proc into the master
        # (its descriptors, its memory): nothing opens.
        if not self.tls:
            self.skipTest("no TLS in this class")
        key = self.server.options["tls_key"]
        master = self.server.master_pid()
        self.outside.add(ident(key))
        for path in (key, "/proc/%d/mem" % master,
                     "/proc/%d/root%s" % (master, key),
                     "/proc/%d/fd/0" % master):
            for attack in ("open", "openat2"):
                with self.subTest(attack=attack, path=path):
                    self.assert_no_outside("%s %s" % (attack, path))
        self.assert_refused("vmread %d" % master)

    def test_readlink_outside(self):
        for path in ("../outside-link", "/proc/self/exe", "/proc/self/cwd",
                     "/proc/self/root", "/proc/1/cwd", "/proc/self/fd/3"):
            with self.subTest(path=path):
                self.assert_no_outside("readlink %s" % path)

    def test_chdir_out(self):
        self.assert_no_outside("chdir-up")

    # Each write attack, and the path it aims at inside the root.
    WRITE_ATTACKS = (("open-write", "pub/wdir/victim"),
                     ("openat2-write", "pub/wdir/victim"),
                     ("open-creat", "pub/wdir/created"),
                     ("unlink", "pub/wdir/victim"),
                     ("mkdir", "pub/wdir/newdir"),
                     ("rename", "pub/wdir/victim"),
                     ("chmod", "pub/wdir/victim"),
                     ("truncate", "/pub/wdir/victim"),
                     ("link", "pub/wdir/victim"),
                     ("symlink", "pub/wdir/newlink"),
                     ("mknod", "pub/wdir/fifo"),
                     ("chown", "pub/wdir/victim"))

    # Paths that would leave the root, for a session that may write.
    OUT_PATHS = ("../bob/bob.txt", "/../bob/bob.txt", "escape_bob",
                 "../../README.txt", "../secret.txt", "escape_abs",
                 "escape_up", "../../../../secret.txt")

    def outside_unchanged(self):
        with open(self.secret, "rb") as f:
            self.assertEqual(f.read(), b"secret outside the root\n")
        self.assertEqual(os.stat(self.secret).st_mode & 0o777, 0o644)
        with open(os.path.join(self.tree.root, "README.txt"), "rb") as f:
            self.assertEqual(f.read(), b"Welcome.\n")
        if self.kind.startswith("user"):
            with open(self.bob_file, "rb") as f:
                self.assertEqual(f.read(), b"bob's own\n")
            self.assertEqual(os.stat(self.bob_file).st_mode & 0o777, 0o600)
            self.assertEqual(os.listdir(os.path.dirname(self.bob_file)),
                             ["bob.txt"])
        for d in (self.tree.base, os.path.dirname(self.session_root)):
            for name in os.listdir(d):
                self.assertNotIn("attack", name)
                self.assertNotIn(name, ("created", "newdir", "newlink",
                                        "fifo"))

    def test_writes(self):
        if self.kind == "user-rw":
            self.skipTest("a read-write session may write inside its "
                          "root: test_writes_stay_inside")
        wdir = os.path.dirname(self.victim)
        before = sorted(os.listdir(wdir))
        for attack, path in self.WRITE_ATTACKS:
            with self.subTest(attack=attack):
                self.assert_refused("%s %s" % (attack, path))
                self.assertEqual(sorted(os.listdir(wdir)), before)
                with open(self.victim, "rb") as f:
                    self.assertEqual(f.read(), b"original\n")
                self.assertEqual(os.stat(self.victim).st_mode & 0o777, 0o666)
        self.assertFalse(os.path.exists(os.path.join(self.session_root,
                                                     "renamed-by-attack")))
        self.outside_unchanged()

    def test_writes_stay_inside(self):
        """Every write attack aimed out of the root fails or lands inside
        it; links, symbolic links, device nodes and chown are refused
        even inside."""
        if self.kind != "user-rw":
            self.skipTest("may write nothing at all: test_writes")
        for attack, _ in self.WRITE_ATTACKS:
            for path in self.OUT_PATHS:
                with self.subTest(attack=attack, path=path):
                    self.attack("%s %s" % (attack, path))
                    self.outside_unchanged()
                    self.restore_links(self.session_root)
        for attack, path in (("link", "pub/wdir/victim"),
                             ("symlink", "pub/wdir/newlink"),
                             ("mknod", "pub/wdir/fifo"),
                             ("chown", "pub/wdir/victim")):
            with self.subTest(attack=attack, inside=True):
                self.assert_refused("%s %s" % (attack, path))
        wdir = os.path.dirname(self.victim)
        for name in ("linked-by-attack", "newlink", "fifo"):
            self.assertFalse(os.path.lexists(os.path.join(wdir, name)))
            self.assertFalse(os.path.lexists(os.path.join(
                self.session_root, name)))

    def test_rw_session_writes_inside(self):
        """The other side of the boundary: a read-write session's writes
        inside its root work (the battery above is not vacuous)."""
        if self.kind != "user-rw":
            self.skipTest("only a read-write session may write")
        got = self.attack("open-creat pub/wdir/made-inside")
        self.assertTrue(got and got[0][1], got)
        p = os.path.join(os.path.dirname(self.victim), "made-inside")
        with open(p, "rb") as f:
            self.assertEqual(f.read(), b"FORGED\n")
        os.unlink(p)

    # -- the log: only through the master's LOG request --

    def test_write_to_stdio(self):
        marker = "FORGE-" + uuid.uuid4().hex
        mark = self.server.mark()
        self.attack("write-stdio %s" % marker)
        time.sleep(0.3)
        text = "\n".join(self.server.lines_since(mark))
        self.assertNotIn(marker, text)
        self.assertNotIn("\x1b", text)

    def test_log_request_is_sanitised(self):
        marker = "LOGX-" + uuid.uuid4().hex
        mark = self.server.mark()
        self.attack("log-escape %s" % marker)
        line = self.server.wait_log(marker, start=mark)
        # The child's words are one quoted value, every control byte
        # escaped: no line break, no field of the master's.
        self.assertRegex(line, r"session=\d+ client=127\.0\.0\.1 .*child "
                         r"\d+: msg=\"\\x1b\[2J%s\\x0asecond line"
                         r"\\x0d\\x07\"$" % marker)
        text = "\n".join(self.server.lines_since(mark))
        self.assertNotIn("\x1b", text)
        self.assertNotIn("\x07", text)
        self.assertFalse(any(l.startswith("second line") for l in
                             self.server.lines_since(mark)))

    def test_stdio_is_devnull(self):
        c, pid = self.session()
        for fd in (0, 1, 2):
            self.assertEqual(os.readlink("/proc/%d/fd/%d" % (pid, fd)),
                             "/dev/null", "fd %d" % fd)
        c.close()

    # -- other processes --

    def test_signals(self):
        other, other_pid = self.other_session()
        master = self.server.master_pid()
        for target in (str(master), str(other_pid), "-1"):
            with self.subTest(target=target):
                self.assert_refused("kill %s" % target)
                self.assertIsNone(self.server.proc.poll())
                self.assert_session_alive(other)
        other.close()

    def test_process_attacks(self):
        other, other_pid = self.other_session()
        for attack, needs_pid in PROCESS_ATTACKS:
            with self.subTest(attack=attack):
                self.assert_refused("%s %d" % (attack, other_pid)
                                    if needs_pid else attack)
                self.assert_session_alive(other)
        other.close()

    def test_master_carries_on(self):
        """After the battery's kills, a plain client is served."""
        self.attack("socket unix")
        f = self.server.ftp()
        got = []
        f.retrbinary("RETR bin/small.bin", got.append)
        self.assertEqual(b"".join(got), bytes(range(256)) * 16)
        f.quit()


class RequireLandlock(__import__("unittest").TestCase):
    """Without Landlock the master refuses to serve unless the operator
    says require_landlock = no."""

    def test_refuses_without_landlock(self):
        tree = harness.standard_tree()
        server = Server(tree, binary=harness.HOOKS,
                        env={"SANDFTPD_TEST_NO_LANDLOCK": "1"})
        try:
            server.start(wait=False)
            server.proc.wait(20)
            self.assertNotEqual(server.proc.returncode, 0)
            server.wait_log(r"Landlock is not available on this kernel; "
                            r"refusing to serve without it")
            server.wait_log(r"children cannot start; not serving")
            self.assertNotIn("ready: serving", server.log())
        finally:
            server.stop()
            tree.cleanup()


class InsideLogin(Inside):
    kind = "login"


class InsideAnon(Inside):
    kind = "anon"


class InsideGreeter(Inside):
    kind = "greeter"

    @classmethod
    def setUpClass(cls):
        harness.one_run_only("the anonymous child's filter and code "
                             "(InsideAnon, both modes), before its login")
        super().setUpClass()


class InsideLoginNoLandlock(Inside):
    kind = "login"
    landlock = False


class InsideAnonNoLandlock(Inside):
    kind = "anon"
    landlock = False


class InsideUserReadOnly(Inside):
    kind = "user-ro"


class InsideUserReadWrite(Inside):
    kind = "user-rw"


class InsideUserReadOnlyNoLandlock(Inside):
    kind = "user-ro"
    landlock = False


class InsideUserReadWriteNoLandlock(Inside):
    kind = "user-rw"
    landlock = False


# FTPS: the same battery in the TLS kinds: a pre-login child after the
# handshake (the one that becomes the session's relay, with the
# pre-login filter), and the children behind a relay, with OpenSSL
# loaded and kernel TLS allowed for data connections.  The "tls-ulp"
# socket option is allowed to these session children by their filter;
# on their control connection (a stream socket to the relay) the kernel
# refuses it all the same.

class InsideLoginTls(Inside):
    kind = "login"
    tls = True


class InsideAnonTls(Inside):
    kind = "anon"
    tls = True


class InsideUserReadWriteTls(Inside):
    kind = "user-rw"
    tls = True
