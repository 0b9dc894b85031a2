"""The service manager's side, without systemd as PID 1: the notify
stream on a NOTIFY_SOCKET datagram socket the test makes (READY=1,
STATUS=, WATCHDOG=1, RELOADING=1 with MONOTONIC_USEC and READY=1 around
a reload, STOPPING=1), and no child given the manager's variables."""
import os
import shutil
import signal
import socket
import time

import harness
from harness import OwnServer


class Notify(OwnServer):

    def setUp(self):
        super().setUp()
        self.work = harness.workdir("sandftpd-notify-")
        self.path = os.path.join(self.work, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o777)      # the daemon may run as nobody
        self.sock.settimeout(0.5)

    def tearDown(self):
        super().tearDown()
        self.sock.close()
        shutil.rmtree(self.work, ignore_errors=True)

    def next_with(self, key, timeout=15):
        """The next message that sets key; its assignments."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            fields = dict(l.split("=", 1) for l in data.split("\n") if l)
            if key in fields:
                return fields
        self.fail("no %s from the daemon" % key)

    def test_notify_stream(self):
        s = self.start(env={"NOTIFY_SOCKET": self.path,
                            "WATCHDOG_USEC": "400000"})
        ready = self.next_with("READY")
        self.assertEqual(ready["READY"], "1")
        self.assertEqual(int(ready["MAINPID"]), s.master_pid())
        # The watchdog is fed twice a period, and the status is live.
        t0 = time.time()
        self.next_with("WATCHDOG")
        self.next_with("WATCHDOG")
        self.assertLess(time.time() - t0, 2)
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        status = self.next_with("STATUS", timeout=10)["STATUS"]
        self.assertRegex(status, r"^\d+ sessions \(\d+ logged in\), \d+ "
                         r"processes")
        # No child got the manager's variables.
        for pid, comm, st in s.children():
            with open("/proc/%d/environ" % pid, "rb") as f:
                env = f.read()
            self.assertNotIn(b"NOTIFY_SOCKET", env, comm)
            self.assertNotIn(b"WATCHDOG_USEC", env, comm)
        # A reload, framed as the protocol says.
        os.kill(s.master_pid(), signal.SIGHUP)
        rel = self.next_with("RELOADING")
        now_us = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6
        self.assertLess(abs(int(rel["MONOTONIC_USEC"]) - now_us), 5e6)
        self.assertEqual(self.next_with("READY")["READY"], "1")
        c.close()
        os.kill(s.master_pid(), signal.SIGTERM)
        self.assertEqual(self.next_with("STOPPING")["STOPPING"], "1")
        s.proc.wait(20)
        self.assertEqual(s.proc.returncode, 0)

    def test_no_socket_no_messages(self):
        # Without NOTIFY_SOCKET nothing is sent, and serving is the same.
        s = self.start()
        self.assert_works(self.raw())
        with self.assertRaises(socket.timeout):
            self.sock.recv(4096)
