"""What one client may cost: handoff budgets against login/REIN churn,
the failed-login delay that the master (not the child) enforces, IPv6
clients counted by their /64, and the bounds on SIZE, STAT and time
stamps a file system can hold."""
import json
import os
import subprocess
import sys
import time
import unittest

import harness
from harness import OwnServer, Server, ServerTestCase

HERE = os.path.dirname(os.path.abspath(__file__))


def login_rein_cycles(server, limit=40):
    """On one connection: log in, REIN, log in, ... until the server
    ends it (or limit cycles).  Returns (handoffs done, final reply)."""
    c = server.raw()
    assert c.reply()[0] == 220
    handoffs = 0
    try:
        for _ in range(limit):
            code, lines = c.login()
            if code != 230:
                return handoffs, (code, lines)
            handoffs += 1
            code, lines = c.cmd("REIN")
            if code != 220:
                return handoffs, (code, lines)
            handoffs += 1
        return handoffs, None
    finally:
        c.close()


class HandoffBudget(OwnServer):
    """A connection's first login is free; each further handoff (REIN,
    and the login after it) spends the connection's budget (6, one more
    every 5 s) and its address's (40, four a second)."""

    def setUp(self):
        super().setUp()
        self.start({"pool_spare": "4"})

    def test_one_connection_is_bounded(self):
        mark = self.server.mark()
        t0 = time.time()
        handoffs, last = login_rein_cycles(self.server)
        elapsed = time.time() - t0
        # 1 free + 6 from the budget (+ what refilled meanwhile).
        self.assertGreaterEqual(handoffs, 7)
        self.assertLessEqual(handoffs, 7 + int(elapsed / 5) + 1)
        self.assertIsNotNone(last, "40 cycles went through")
        self.assertEqual(last[0], 421, last)
        self.assertIn("Too many logins", last[1][0])
        self.server.wait_log(r"too many logins and REINs; closing it",
                             start=mark)
        logins = [l for l in self.server.lines_since(mark)
                  if "anonymous login" in l]
        self.assertLessEqual(len(logins), 5 + int(elapsed / 5) + 1)

    def test_the_address_is_bounded_too(self):
        # Many connections from one address, each spending its own
        # budget: the address runs out first.
        t0 = time.time()
        total, cut_short = 0, 0
        for _ in range(14):
            handoffs, last = login_rein_cycles(self.server)
            total += handoffs - 1          # the free first login
            if handoffs < 7:
                cut_short += 1
        elapsed = time.time() - t0
        self.assertLessEqual(total, 40 + 4 * elapsed + 4)
        self.assertGreater(cut_short, 0)
        # Another address has its own budget.
        c = self.raw("127.0.0.2")
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("REIN")[0], 220)
        self.assertEqual(c.login()[0], 230)


class FailedLogins(ServerTestCase):
    """The delay after a failed login is the master's: a child cannot
    skip it, and asking again before the answer kills the child."""

    server_binary = None
    options = {"anon_direct": "no"}    # the handoff after a login

    @classmethod
    def setUpClass(cls):
        cls.server_binary = harness.HOOKS
        super().setUpClass()

    def test_refusal_comes_after_a_second(self):
        c = self.server.raw()
        c.reply()
        self.assertEqual(c.cmd("USER nosuchuser")[0], 331)
        t0 = time.time()
        self.assertEqual(c.cmd("PASS wrong")[0], 530)
        self.assertGreaterEqual(time.time() - t0, 0.9)
        c.close()

    def test_login_before_the_answer_is_a_violation(self):
        self.expect_deaths = True
        mark = self.server.mark()
        c = self.server.raw()
        c.reply()
        pid = self.server.session_pid(c.sock, "sandftpd-login")
        c.sock.settimeout(8)
        c.send("XFRG login-twice\r\n")
        self.assertEqual(c.reply(), (None, []))
        c.close()
        self.server.wait_log(r"login child %d\b.*LOGIN before its last one "
                             r"was answered; killing it" % pid, start=mark)
        self.server.wait_log(r"login child %d\b.*killed by signal 9" % pid,
                             start=mark)

    def test_login_as_last_words(self):
        # A child that asks for a login and exits at once: its socket is
        # read after it is gone, and the session goes on.
        c = self.server.raw()
        c.reply()
        c.send("XFRG login-and-exit\r\n")
        code, lines = c.reply()
        self.assertEqual(code, 230, lines)
        self.assertEqual(c.cmd("PWD")[0], 257)
        c.close()


class Bounds(ServerTestCase):
    """What one command may cost the child."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = cls.tree
        for name, size in (("big-text.txt", 9 << 20),
                           ("small-text.txt", 7 << 20)):
            t.sparse(name, size)
        cls.many = t.dir("many")
        for i in range(3000):
            open(os.path.join(cls.many, "entry-%04d-%s" % (i, "x" * 40)),
                 "w").close()

    def test_ascii_size_reads_at_most_8_mib(self):
        f = self.server.ftp()
        f.voidcmd("TYPE A")
        self.assertEqual(f.size("small-text.txt"), 7 << 20)
        with self.assertRaises(harness.ftplib.error_perm) as e:
            f.size("big-text.txt")
        self.assertIn("TYPE I", str(e.exception))
        f.voidcmd("TYPE I")
        self.assertEqual(f.size("big-text.txt"), 9 << 20)
        f.quit()

    def test_stat_of_a_large_directory(self):
        # About 190 KiB of reply, sent in pieces: all of it arrives, in
        # order, as one well-formed multi-line reply.
        c = self.server.raw()
        c.reply()
        self.assertEqual(c.login()[0], 230)
        code, lines = c.cmd("STAT many")
        self.assertEqual(code, 212)
        self.assertTrue(lines[-1].startswith("212 "), lines[-1])
        names = [l.split()[-1] for l in lines[1:-1]]
        self.assertEqual(names, sorted(os.listdir(self.many)))
        self.assertEqual(c.cmd("NOOP")[0], 200)
        c.close()


@unittest.skipUnless(harness.IS_ROOT, "mounting a tmpfs needs root")
class TimeStamps(ServerTestCase):
    """Times tmpfs keeps and gmtime_r cannot turn into a date (2^62 s),
    and years beyond 9999 or before 0: every listing and MDTM answers,
    no child dies (ServerTestCase checks)."""

    ODD = {"far-future": 2 ** 62, "year-36812": 2 ** 40,
           "before-year-0": -(2 ** 40), "normal": 1700000000}

    @classmethod
    def setUpClass(cls):
        cls.tree = harness.standard_tree()
        cls.mnt = cls.tree.dir("tmpfs")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=1m",
                        "sandftpd-test", cls.mnt], check=True)
        for name, t in cls.ODD.items():
            path = os.path.join(cls.mnt, name)
            with open(path, "wb") as f:
                f.write(b"x")
            os.chmod(path, 0o644)
            os.utime(path, ns=(t * 10 ** 9, t * 10 ** 9))
        assert os.stat(os.path.join(cls.mnt, "far-future")).st_mtime \
            >= 2 ** 62
        cls.server = Server(cls.tree).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        subprocess.run(["umount", cls.mnt])
        cls.tree.cleanup()

    def test_listings_and_mdtm(self):
        f = self.server.ftp()
        lines = []
        f.retrlines("LIST tmpfs", lines.append)
        by_name = {l.split()[-1]: l for l in lines}
        self.assertIn(" Dec 31  9999 ", by_name["far-future"])
        self.assertIn(" Dec 31  9999 ", by_name["year-36812"])
        self.assertIn(" Jan  1     0 ", by_name["before-year-0"])
        self.assertIn(" Nov 14  2023 ", by_name["normal"])
        facts = dict(f.mlsd("tmpfs"))
        for name in ("far-future", "year-36812", "before-year-0"):
            self.assertNotIn("modify", facts[name], name)
            with self.assertRaises(harness.ftplib.error_perm):
                f.sendcmd("MDTM tmpfs/" + name)
        self.assertEqual(facts["normal"]["modify"], "20231114221320")
        self.assertEqual(f.sendcmd("MDTM tmpfs/normal"),
                         "213 20231114221320")
        resp = f.sendcmd("STAT tmpfs")
        self.assertIn("9999", resp)
        for name in self.ODD:
            resp = f.sendcmd("MLST tmpfs/" + name)
            self.assertTrue(resp.startswith("250"), resp)
        f.quit()


def netns_available():
    if not harness.IS_ROOT:
        return False
    return subprocess.run(["ip", "netns", "list"],
                          capture_output=True).returncode == 0


@unittest.skipUnless(netns_available(), "needs root and ip netns")
class IPv6Prefix(OwnServer):
    """max_per_ip counts an IPv6 client by its /64 (ipv6_limit_prefix).
    The addresses exist only in a network namespace the test makes."""

    NS = "sandftpd-test-%d" % os.getpid()
    ADDRS = ("2001:db8:0:1::1", "2001:db8:0:1::2", "2001:db8:0:1::3",
             "2001:db8:0:2::1")

    @classmethod
    def setUpClass(cls):
        subprocess.run(["ip", "netns", "add", cls.NS], check=True)
        run = lambda *a: subprocess.run(["ip", "-n", cls.NS] + list(a),
                                        check=True)
        run("link", "set", "lo", "up")
        for a in cls.ADDRS:
            run("addr", "add", a + "/64", "dev", "lo", "nodad")

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["ip", "netns", "del", cls.NS])

    def start_in_netns(self, prefix):
        self.server = Server(self.tree, {
            "max_per_ip": "2", "ipv6_limit_prefix": str(prefix)},
            netns=self.NS)
        self.server.options["listen"] = "[%s]:%d" % (self.ADDRS[0],
                                                     self.server.port)
        self.server.start()

    def greetings(self, sources):
        """Connect from each source address in turn, holding every
        connection open; the first reply line each got."""
        script = os.path.join(HERE, "netns_client.py")
        out = subprocess.run(
            ["ip", "netns", "exec", self.NS, sys.executable, script,
             "2001:db8:0:1::1", str(self.server.port)] + list(sources),
            capture_output=True, text=True, timeout=30, check=True)
        return json.loads(out.stdout)

    def test_a_64_is_one_client(self):
        self.start_in_netns(64)
        got = self.greetings(["2001:db8:0:1::2", "2001:db8:0:1::3",
                              "2001:db8:0:1::3", "2001:db8:0:2::1"])
        self.assertTrue(got[0].startswith("220"), got)
        self.assertTrue(got[1].startswith("220"), got)
        self.assertTrue(got[2].startswith("421 Too many connections"), got)
        self.assertTrue(got[3].startswith("220"), got)   # another /64

    def test_prefix_128_counts_each_address(self):
        self.start_in_netns(128)
        got = self.greetings(["2001:db8:0:1::2", "2001:db8:0:1::3",
                              "2001:db8:0:1::3", "2001:db8:0:1::3"])
        self.assertEqual([g[:3] for g in got], ["220", "220", "220", "421"])


if __name__ == "__main__":
    unittest.main()
