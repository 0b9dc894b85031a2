"""Timeouts: a login that never completes, an idle logged-in session, a
data connection that never comes, and a transfer whose client stopped
reading.  All with 2-second settings; each ends with 421 and a close.
(A transfer longer than idle_timeout is in test_protocol.LongTransfer.)"""
import socket
import time

import harness
from harness import ServerTestCase, pasv_connect

T = 2           # every timeout of the server under test, in seconds
SLACK = 2.5     # how late a timeout may fire on a busy machine


class Base(ServerTestCase):
    sanitized_too = False       # also in the sanitizer build's run

    @classmethod
    def setUpClass(cls):
        if not cls.sanitized_too:
            harness.plain_build_only("seconds of waiting for simple paths")
        super().setUpClass()

    def connect(self):
        c = self.server.raw(timeout=T + SLACK + 5)
        self.assertEqual(c.reply()[0], 220)
        return c

    def login(self):
        c = self.connect()
        self.assertEqual(c.login()[0], 230)
        return c

    def assert_421_after(self, c, since, low, high, text=None):
        code, lines = c.reply()
        elapsed = time.time() - since
        self.assertEqual(code, 421, lines)
        if text:
            self.assertIn(text, lines[0])
        self.assertGreaterEqual(elapsed, low, lines)
        self.assertLessEqual(elapsed, high, lines)
        self.assertTrue(c.closed(timeout=2), "connection left open")
        c.close()


class LoginTimeout(Base):
    # The idle timeout is long: what fires here is the login timeout.
    options = {"login_timeout": str(T), "idle_timeout": "30"}

    def test_login_timeout_after_user(self):
        t0 = time.time()
        c = self.connect()
        self.assertEqual(c.cmd("USER anonymous")[0], 331)
        self.assert_421_after(c, t0, T - 0.3, T + SLACK, "login")

    def test_login_timeout_not_extended_by_commands(self):
        # A client may not stay unauthenticated forever by chatting.
        t0 = time.time()
        c = self.connect()
        code = None
        for _ in range(int(T / 0.4) + 10):
            code, lines = c.cmd("NOOP")
            if code != 200:
                break
            time.sleep(0.4)
        elapsed = time.time() - t0
        self.assertEqual(code, 421, lines)
        self.assertIn("login", lines[0])
        self.assertLessEqual(elapsed, T + SLACK)
        self.assertTrue(c.closed(timeout=2))
        c.close()

    def test_failed_login_does_not_extend_it(self):
        t0 = time.time()
        c = self.connect()
        self.assertEqual(c.cmd("USER nosuchuser")[0], 331)
        self.assertEqual(c.cmd("PASS wrong")[0], 530)
        self.assert_421_after(c, t0, T - 0.3, T + SLACK, "login")


class Timeouts(Base):
    options = {"login_timeout": "30", "idle_timeout": str(T),
               "data_timeout": str(T)}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tree.sparse("big.bin", 512 * 1024 * 1024)

    def test_idle_timeout_after_login(self):
        c = self.login()
        self.assertEqual(c.cmd("PWD")[0], 257)
        t0 = time.time()
        self.assert_421_after(c, t0, T - 0.3, T + SLACK, "Timeout")

    def test_commands_keep_session_alive(self):
        c = self.login()
        t0 = time.time()
        for _ in range(3):          # 3 x 0.6 T: longer than T in total
            time.sleep(0.6 * T)
            self.assertEqual(c.cmd("NOOP")[0], 200)
        self.assertGreater(time.time() - t0, T)
        t1 = time.time()
        self.assert_421_after(c, t1, T - 0.3, T + SLACK)

    def assert_425_after(self, c, since, low, high):
        # A data connection that never came fails the command (RFC 959:
        # 425); the session goes on.
        code, lines = c.reply()
        elapsed = time.time() - since
        self.assertEqual(code, 425, lines)
        self.assertGreaterEqual(elapsed, low, lines)
        self.assertLessEqual(elapsed, high, lines)
        self.assertEqual(c.cmd("NOOP")[0], 200)
        c.close()

    def test_data_connection_never_made_pasv(self):
        c = self.login()
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        self.assertEqual(c.cmd("PASV")[0], 227)
        t0 = time.time()
        c.send("RETR README.txt\r\n")
        self.assert_425_after(c, t0, T - 0.3, T + SLACK)

    def test_data_connection_never_made_epsv_list(self):
        c = self.login()
        self.assertEqual(c.cmd("EPSV")[0], 229)
        t0 = time.time()
        c.send("LIST\r\n")
        self.assert_425_after(c, t0, T - 0.3, T + SLACK)

    def test_stalled_transfer(self):
        c = self.login()
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        data = pasv_connect(c)
        data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        mark = self.server.mark()
        t0 = time.time()
        self.assertEqual(c.cmd("RETR big.bin")[0], 150)
        # Never read: the server's buffers fill and sending stalls.
        self.assert_421_after(c, t0, T - 0.3, T + SLACK + 2,
                              "Data connection")
        line = self.server.wait_log(r"cmd=RETR path=/big\.bin reply=\d+ "
                                    r"bytes=\d+ .*status=incomplete",
                                    start=mark)
        sent = int(line.split(" bytes=")[1].split()[0])
        self.assertLess(sent, 512 * 1024 * 1024)
        # The data connection is gone too.
        data.settimeout(5)
        try:
            while data.recv(1 << 20):
                pass
        except ConnectionResetError:
            pass
        data.close()


class SlowReader(Base):
    """A client that keeps reading, slowly, is not stalled: progress is
    what the client acknowledged, not what fits in the send buffer."""
    options = {"data_timeout": str(T)}

    def test_slow_but_steady_reader_not_timed_out(self):
        size = 12 * 1024 * 1024
        self.tree.sparse("steady.bin", size)
        c = self.login()
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        data = pasv_connect(c)
        data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        self.assertEqual(c.cmd("RETR steady.bin")[0], 150)
        t0, total = time.time(), 0
        while True:
            b = data.recv(16 * 1024)
            if not b:
                break
            total += len(b)
            if time.time() - t0 < 2.5 * T:   # slow, for longer than T
                time.sleep(0.05)
        data.close()
        self.assertGreater(time.time() - t0, 2 * T)
        self.assertEqual(total, size)
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.cmd("NOOP")[0], 200)
        c.close()


class ShutdownDuringTransfer(Base):
    """SIGTERM while a client is mid-transfer: the transfer is ended in
    time (shutdown_timeout) with 426, the client is told 421, and the
    master exits 0."""
    options = {"data_timeout": "60", "shutdown_timeout": "3"}
    sanitized_too = True

    def test_sigterm_ends_transfer_with_421(self):
        path = self.tree.file("long.bin", b"")
        with open(path, "wb") as f:
            f.truncate(256 * 1024 * 1024)
        c = self.login()
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        data = pasv_connect(c)
        self.assertEqual(c.cmd("RETR long.bin")[0], 150)
        data.recv(65536)                     # then stop reading
        t0 = time.time()
        self.server.proc.terminate()
        code, lines = c.reply()
        self.assertEqual(code, 426, lines)
        self.assertIn("shutting down", lines[0])
        self.assertEqual(c.reply()[0], 421)
        self.assertGreater(time.time() - t0, 2.5)
        self.assertLess(time.time() - t0, 8)
        self.assertTrue(c.closed(timeout=3))
        self.assertEqual(self.server.proc.wait(15), 0)
        self.assertLess(time.time() - t0, 12)
        self.assertNotIn("still running after the grace period",
                         self.server.log())
        data.close()
        c.close()
