"""SIGHUP reloads the configuration file: a good one is in force for new
sessions while running sessions go on untouched; a bad one (a syntax
error, a root that does not exist) is refused with file:line: key, and
the running configuration stays.  SIGTERM stops gracefully: running
transfers may finish up to shutdown_timeout, then the remaining clients
get 421 and the daemon exits 0."""
import os
import re
import signal
import socket
import time

import harness
from harness import OwnServer, pasv_connect


def write_config(server, **changes):
    """Rewrite the running server's file with these option changes."""
    server.options.update(changes)
    for k in [k for k, v in server.options.items() if v is None]:
        del server.options[k]
    path = os.path.join(server.workdir, "sandftpd.conf")
    with open(path + ".new", "w") as f:
        for k, v in server.options.items():
            f.write("%s = %s\n" % (k, v))
    os.chmod(path + ".new", 0o644)
    os.rename(path + ".new", path)
    return path


class Reload(OwnServer):

    def reload(self, s, expect):
        mark = s.mark()
        os.kill(s.master_pid(), signal.SIGHUP)
        return s.wait_log(expect, start=mark), mark

    def greeting(self, s):
        c = self.raw()
        code, lines = c.reply()
        self.assertEqual(code, 220)
        return "\n".join(lines)

    def test_good_configuration_for_new_sessions_only(self):
        s = self.start({"banner": "Before the reload"})
        running = self.raw()
        self.assertEqual(running.reply()[0], 220)
        self.assertEqual(running.login()[0], 230)
        self.assertEqual(running.cmd("TYPE I")[0], 200)
        self.assertEqual(harness.retr(running, "README.txt"), b"Welcome.\n")
        # A new root and greeting, and a key that needs a restart.
        other = harness.Tree()
        other.file("README.txt", b"The other tree.\n")
        try:
            write_config(s, banner="After the reload", anon_root=other.root,
                         pool_spare="3")
            self.reload(s, r"SIGHUP: configuration reloaded from")
            # Only the key that changed is said to need a restart.
            restart = [l for l in s.log().splitlines()
                       if "takes effect only at a restart" in l]
            self.assertEqual(len(restart), 1, restart)
            self.assertIn("SIGHUP: pool_spare: changed", restart[0])
            # New sessions: the new greeting and root (idle children
            # started before are replaced).
            self.assertTrue(harness.wait_for(
                lambda: "After the reload" in self.greeting(s), 10))
            c = self.raw()
            c.reply()
            self.assertEqual(c.login()[0], 230)
            self.assertEqual(c.cmd("TYPE I")[0], 200)
            self.assertEqual(harness.retr(c, "README.txt"),
                             b"The other tree.\n")
            # The running session is untouched: same root, still served.
            self.assertEqual(running.cmd("TYPE I")[0], 200)
            self.assertEqual(harness.retr(running, "README.txt"),
                             b"Welcome.\n")
            self.assertEqual(running.cmd("NOOP")[0], 200)
            self.assert_no_deaths()
        finally:
            other.cleanup()

    def test_bad_configuration_keeps_the_running_one(self):
        s = self.start({"banner": "Running"})
        running = self.raw()
        self.assertEqual(running.reply()[0], 220)
        self.assertEqual(running.login()[0], 230)
        path = write_config(s, banner="Never seen", max_clients="lots")
        line = list(s.options).index("max_clients") + 1
        got, mark = self.reload(s, r"SIGHUP: 1 configuration error; the "
                                   r"running configuration stays")
        self.assertRegex("\n".join(s.lines_since(mark)),
                         r"SIGHUP: %s:%d: max_clients: " %
                         (re.escape(path), line))
        self.assertIn("Running", self.greeting(s))
        # A root that does not exist: named, and refused as a whole.
        write_config(s, banner="Never seen", max_clients=None,
                     anon_root="/nonexistent/sandftpd-root")
        got, mark = self.reload(s, r"SIGHUP: .*anon_root: "
                                   r"/nonexistent/sandftpd-root: ")
        self.assertIn("the running configuration stays", got)
        self.assertIn("Running", self.greeting(s))
        self.assertEqual(running.cmd("TYPE I")[0], 200)
        self.assertEqual(harness.retr(running, "README.txt"), b"Welcome.\n")
        # Fixed: the next SIGHUP takes it.
        write_config(s, banner="Fixed", anon_root=self.tree.root)
        self.reload(s, r"SIGHUP: configuration reloaded")
        self.assertTrue(harness.wait_for(
            lambda: "Fixed" in self.greeting(s), 10))


class GracefulStop(OwnServer):

    SIZE = 256 << 20

    def big_tree(self):
        # More than the sockets' buffers hold: the transfer waits for the
        # client to read (sparse, so it costs no disk).
        path = self.tree.file("big.bin")
        os.truncate(path, self.SIZE)

    def slow_download(self, s):
        c = self.raw()
        c.reply()
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        data = pasv_connect(c)
        self.assertEqual(c.cmd("RETR big.bin")[0], 150)
        return c, data

    def test_transfer_finishes_within_shutdown_timeout(self):
        self.big_tree()
        s = self.start({"shutdown_timeout": "20"})
        c, data = self.slow_download(s)
        idle = self.raw()
        self.assertEqual(idle.reply()[0], 220)
        self.assertEqual(idle.login()[0], 230)
        first = data.recv(65536)
        os.kill(s.master_pid(), signal.SIGTERM)
        s.wait_log(r"SIGTERM: stopping")
        # No new connection is taken.
        harness.wait_for(lambda: not port_open(s.port), 5)
        self.assertFalse(port_open(s.port))
        # The idle session is told at once.
        code, lines = idle.reply()
        self.assertEqual(code, 421, lines)
        # The transfer runs to its end: every byte, then 226 and 421.
        total = len(first)
        while True:
            b = data.recv(1 << 20)
            if not b:
                break
            total += len(b)
        self.assertEqual(total, self.SIZE)
        code, lines = c.reply()
        self.assertEqual(code, 226, lines)
        self.assertEqual(c.reply()[0], 421)
        s.proc.wait(20)
        self.assertEqual(s.proc.returncode, 0)

    def test_transfer_cut_at_shutdown_timeout(self):
        self.big_tree()
        s = self.start({"shutdown_timeout": "1"})
        c, data = self.slow_download(s)
        data.recv(4096)
        t0 = time.time()
        os.kill(s.master_pid(), signal.SIGTERM)
        # Nobody reads: the transfer cannot finish; at the deadline the
        # client is told 426 and 421, and the daemon exits 0.
        code, lines = c.reply()
        self.assertEqual(code, 426, lines)
        self.assertEqual(c.reply()[0], 421)
        s.proc.wait(20)
        self.assertLess(time.time() - t0, 10)
        self.assertEqual(s.proc.returncode, 0)
        data.close()


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
