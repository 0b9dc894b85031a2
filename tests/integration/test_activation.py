"""Socket activation without systemd as PID 1: systemd-socket-activate
binds the ports and starts the daemon the way a socket unit does.

Accept=no: several listeners told apart by LISTEN_FDNAMES (plain FTP on
IPv4 and IPv6, implicit TLS on a socket named "ftps"), served as if the
daemon had bound them.  Accept=yes (--accept, and --inetd with -i): one
master per connection, the session still in a sandboxed child that asks
the master for logins."""
import ftplib
import os
import shutil
import signal
import socket
import subprocess
import time
import unittest

import harness
import tlsfiles
from harness import Server

ACTIVATE = shutil.which("systemd-socket-activate")


def status_of(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


class ActivatedServer(Server):
    """A Server started by systemd-socket-activate instead of binding:
    sockets is [(address, name)]; accept/inetd as the tool's flags."""

    def __init__(self, tree, sockets, accept=False, inetd=False, **kw):
        super().__init__(tree, **kw)
        self.sockets = sockets
        self.accept = accept
        self.inetd = inetd
        # The listen key names a port nobody binds: activation wins.
        self.unused_port = harness.free_port()
        self.options["listen"] = "127.0.0.1:%d" % self.unused_port

    def command(self):
        cmd = super().command()
        if self.inetd:
            cmd.append("-i")
        wrap = [ACTIVATE]
        for addr, _ in self.sockets:
            wrap += ["-l", addr]
        if not self.accept:
            wrap.append("--fdname=" + ":".join(n for _, n in self.sockets))
        if self.accept:
            wrap.append("--accept")
        if self.inetd:
            wrap.append("--inetd")
        # The tool passes only the variables it is told to.
        for var in ("PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            wrap += ["-E", var]
        for var, value in self.env.items():
            wrap += ["-E", "%s=%s" % (var, value)]
        return wrap + cmd

    def master_pid(self):
        # With --accept the tool forks one instance per connection; the
        # tool itself otherwise execs the daemon.
        return self.proc.pid


def wait_listening(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                col = line.split()
                if int(col[1].split(":")[1], 16) == port and col[3] == "0A":
                    return
        time.sleep(0.05)
    raise AssertionError("nothing listens on port %d" % port)


class ActivationCase(unittest.TestCase):
    """A test tree, a scratch directory, one activated server."""

    def setUp(self):
        self.tree = harness.standard_tree()
        self.work = harness.workdir("sandftpd-activate-")
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.stop()
        self.tree.cleanup()
        shutil.rmtree(self.work, ignore_errors=True)


@unittest.skipUnless(ACTIVATE, "systemd-socket-activate is not installed")
class AcceptNo(ActivationCase):
    """One master, its listeners from the manager."""

    def setUp(self):
        super().setUp()
        self.tls_port = harness.free_port()

    def test_named_listeners_served_as_bound(self):
        port = harness.free_port()
        sockets = [("127.0.0.1:%d" % port, "ftp"),
                   ("127.0.0.1:%d" % self.tls_port, "ftps")]
        if harness.ipv6_available():
            sockets.append(("[::1]:%d" % port, "ftp"))
        s = ActivatedServer(self.tree, sockets,
                            options=tlsfiles.options(self.work))
        s.port = port
        self.server = s.start(wait=False)
        wait_listening(port)
        # The tool starts the daemon at the first connection.
        f = ftplib.FTP()
        f.connect("127.0.0.1", port, timeout=15)
        s.wait_log(r"ready: serving", timeout=15)
        f.login()
        self.assertIn("pub/deep", f.nlst("pub"))
        got = []
        f.retrbinary("RETR README.txt", got.append)
        self.assertEqual(b"".join(got), b"Welcome.\n")
        # The session runs in a sandboxed child of the master.
        pid = s.session_pid(f.sock)
        st = status_of(pid)
        self.assertEqual(st["Seccomp"], "2")
        self.assertEqual(st["NoNewPrivs"], "1")
        self.assertEqual(int(st["CapEff"], 16), 0)
        f.quit()
        if harness.ipv6_available():
            r = subprocess.run(["curl", "-sS", "-g", "ftp://[::1]:%d/"
                                "README.txt" % port], capture_output=True,
                               timeout=30)
            self.assertEqual(r.stdout, b"Welcome.\n", r.stderr)
        # The socket named ftps speaks TLS from the first byte.
        r = subprocess.run(["curl", "-sS", "--cacert", tlsfiles.files()["ca"],
                            "ftps://localhost:%d/README.txt" % self.tls_port],
                           capture_output=True, timeout=30)
        self.assertEqual(r.stdout, b"Welcome.\n", r.stderr)
        log = s.log()
        self.assertIn("named ftps: implicit TLS", log)
        self.assertIn("listen and listen_implicit_tls are not used", log)
        self.assertNotIn("listening on 127.0.0.1:%d" % s.unused_port, log)
        # The daemon bound nothing itself: the listen key's port is free.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", s.unused_port))
        # Reload and stop behave as without activation.
        os.kill(s.proc.pid, signal.SIGHUP)
        s.wait_log(r"SIGHUP")
        self.assertEqual(s.stop(), 0)

    def test_ftps_name_needs_a_certificate(self):
        port = harness.free_port()
        s = ActivatedServer(self.tree, [("127.0.0.1:%d" % port, "ftps")])
        s.port = port
        self.server = s.start(wait=False)
        wait_listening(port)
        # The first connection makes the tool start the daemon, which
        # refuses to serve; the connection may be reset as it exits.
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10):
                s.proc.wait(15)
        except ConnectionResetError:
            s.proc.wait(15)
        s.reader.join(5)
        self.assertEqual(s.proc.returncode, 1)
        self.assertIn('named "ftps" (implicit TLS), but tls_cert is not set',
                      s.log())


@unittest.skipUnless(ACTIVATE, "systemd-socket-activate is not installed")
class AcceptYes(ActivationCase):
    """inetd style: a master of one connection, which exits after it."""

    def start(self, inetd=False, options=None):
        port = harness.free_port()
        s = ActivatedServer(self.tree, [("127.0.0.1:%d" % port, "ftp")],
                            accept=True, inetd=inetd, options=options)
        s.port = port
        self.server = s.start(wait=False)
        wait_listening(port)
        return s

    def instances(self):
        """The masters the tool forked (one per open connection)."""
        with open("/proc/%d/task/%d/children" % (self.server.proc.pid,
                                                 self.server.proc.pid)) as f:
            return [int(p) for p in f.read().split()]

    def check_one_connection(self, s):
        f = ftplib.FTP()
        f.connect("127.0.0.1", s.port, timeout=15)
        f.login()
        got = []
        f.retrbinary("RETR README.txt", got.append)
        self.assertEqual(b"".join(got), b"Welcome.\n")
        masters = self.instances()
        self.assertEqual(len(masters), 1)
        # The session is not served by that master itself but by a
        # sandboxed child it started.
        kids = open("/proc/%d/task/%d/children" % (masters[0], masters[0])
                    ).read().split()
        sandboxed = [int(k) for k in kids
                     if status_of(int(k))["Seccomp"] == "2"]
        self.assertTrue(sandboxed, kids)
        for pid in sandboxed:
            st = status_of(pid)
            self.assertEqual(int(st["CapEff"], 16), 0)
            self.assertEqual(st["NoNewPrivs"], "1")
            if harness.privileged():
                uid = int(st["Uid"].split()[0])
                self.assertNotEqual(uid, 0)
        f.quit()
        # The instance exits, status 0, once its connection is over.
        self.assertTrue(harness.wait_for(lambda: self.instances() == [],
                                         timeout=10))

    def test_accept_two_connections_two_instances(self):
        s = self.start()
        self.check_one_connection(s)
        self.check_one_connection(s)
        # The activator writes its line after it reaped the instance,
        # which can be after the instance is gone from /proc: wait
        # (bounded) for both lines before counting.
        harness.wait_for(lambda: s.log().count("died with code") >= 2, 10)
        log = s.log()
        self.assertEqual(log.count("one connection (Accept=yes)"), 2)
        self.assertEqual(log.count("inetd: the connection is over"), 2)
        self.assertEqual(log.count("died with code 0"), 2, log)

    def test_inetd_stdin_virtual_user_upload(self):
        # -i: the connection on stdin.  A virtual user logs in (the master
        # checks the password through its authentication process) and
        # uploads into a root only that user's child can write.
        root, = harness.user_roots(self.tree, "alice")
        db = harness.user_db(self.work, [("alice", root, "rw", None)])
        s = self.start(inetd=True, options={"user_db": db,
                                            "anonymous": "no"})
        f = harness.user_ftp(s, "alice", timeout=15)
        data = os.urandom(200000)
        import io
        f.storbinary("STOR up.bin", io.BytesIO(data))
        f.quit()
        with open(os.path.join(root, "up.bin"), "rb") as fh:
            self.assertEqual(fh.read(), data)
        self.assertTrue(harness.wait_for(lambda: self.instances() == [],
                                         timeout=10))
        # A wrong password is refused by the master, as always.
        f = ftplib.FTP()
        f.connect("127.0.0.1", s.port, timeout=15)
        with self.assertRaises(ftplib.error_perm):
            f.login("alice", "wrong")
        f.close()
        s.wait_log(r"login failed for user 'alice'")


if __name__ == "__main__":
    unittest.main()
