"""The master: connection limits, stopping on SIGTERM, a child
that dies, crash bans, the pre-forked pool, IPv6 listeners, and the
login timeout of a client that says nothing."""
import ftplib
import os
import re
import select
import signal
import socket
import ssl
import time
import unittest

import harness
from harness import (OwnServer, Server, ServerTestCase, pasv_connect,
                     raw_from, recv_all, retr)


class Limits(OwnServer):
    def test_max_clients(self):
        self.start({"max_clients": "2", "max_per_ip": "2"})
        a, b = self.raw(), self.raw()
        self.assertEqual(a.reply()[0], 220)
        self.assertEqual(b.reply()[0], 220)
        self.assertEqual(a.login()[0], 230)     # one logged in, one not
        mark = self.server.mark()
        third = self.raw()
        self.assert_refused(third, "Too many")
        self.server.wait_log(r"client 127\.0\.0\.1: refused: Too many "
                             r"users", start=mark)
        # The first two keep working.
        self.assertEqual(a.cmd("TYPE I")[0], 200)
        self.assertEqual(retr(a, "README.txt"), b"Welcome.\n")
        self.assert_works(b, greeting=False)
        # A place freed is a place taken.
        self.assertEqual(a.cmd("QUIT")[0], 221)
        self.assertTrue(a.closed())
        fourth = harness.wait_for(lambda: self._try_connect(), timeout=5)
        self.assertTrue(fourth, "no place after a client left")
        self.assert_works(fourth, greeting=False)
        self.assert_no_deaths()

    def _try_connect(self):
        c = self.raw()
        code, lines = c.reply()
        if code == 220:
            return c
        c.close()
        return None

    def test_max_per_ip(self):
        self.start({"max_per_ip": "1"})
        a = self.raw()
        self.assertEqual(a.reply()[0], 220)
        self.assertEqual(a.login()[0], 230)
        mark = self.server.mark()
        b = self.raw()
        self.assert_refused(b, "your address")
        self.server.wait_log(r"client 127\.0\.0\.1: refused: Too many "
                             r"connections from your address", start=mark)
        # Another address is served meanwhile...
        other = self.raw(source="127.0.0.2")
        self.assert_works(other)
        # ...and the first session keeps working.
        self.assertEqual(a.cmd("TYPE I")[0], 200)
        self.assertEqual(retr(a, "README.txt"), b"Welcome.\n")
        self.assertEqual(a.cmd("QUIT")[0], 221)
        self.assertTrue(a.closed())
        again = harness.wait_for(lambda: self._try_connect(), timeout=5)
        self.assertTrue(again, "address still counted after its client left")
        self.assert_no_deaths()

    def test_login_timeout_silent_client(self):
        self.start({"login_timeout": "2"})
        t0 = time.time()
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        code, lines = c.reply()          # sends nothing at all
        elapsed = time.time() - t0
        self.assertEqual(code, 421, lines)
        self.assertGreater(elapsed, 1.7)
        self.assertLess(elapsed, 4.5)
        self.assertTrue(c.closed())
        # The place it held is free again.
        self.assert_works(self.raw())


class Signals(OwnServer):
    def test_sigterm_with_idle_session(self):
        self.start()
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("PWD")[0], 257)
        pre = self.raw()                   # one not logged in, too
        self.assertEqual(pre.reply()[0], 220)
        t0 = time.time()
        self.server.proc.send_signal(signal.SIGTERM)
        for client in (c, pre):
            code, lines = client.reply()
            self.assertEqual(code, 421, lines)
            self.assertTrue(client.closed())
        try:
            status = self.server.proc.wait(8)
        except Exception:
            self.fail("master still running 8 s after SIGTERM:\n" +
                      self.server.log())
        self.assertEqual(status, 0, self.server.log())
        self.assertLess(time.time() - t0, 8)
        self.server.reader.join(5)
        self.assertIn("SIGTERM: stopping", self.server.log())
        self.assertRegex(self.server.log(), r"info: stopped$")
        # Nothing of it is left behind.
        self.assertFalse(os.path.exists("/proc/%d/status" %
                                        self.server.proc.pid))
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", self.server.port),
                                     timeout=2).close()
        self.assert_no_deaths()

    def test_master_killed(self):
        # If the master dies, its children notice (their socket to it
        # closes): sessions end with 421 and no process is left behind.
        self.start()
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        pre = self.raw()
        self.assertEqual(pre.reply()[0], 220)
        self.assertEqual(c.cmd("PWD")[0], 257)
        # Two idle anonymous children (anon_direct: they greet) and the
        # two sessions' children.
        children = harness.wait_for(
            lambda: len(self.server.children()) >= 4 and
            self.server.children(), 5)
        pids = [p for p, _, _ in children]
        self.server.proc.send_signal(signal.SIGKILL)
        self.server.proc.wait(5)
        for client in (c, pre):
            code, lines = client.reply()
            self.assertEqual(code, 421, lines)
            self.assertTrue(client.closed())

        def survivors():
            return [p for p in pids if (harness.proc_status(p) or
                    {"State": "Z"})["State"][0] != "Z"]
        harness.wait_for(lambda: not survivors(), 5)
        self.assertEqual(survivors(), [])

    def test_sigkill_of_session_child(self):
        if not harness.IS_ROOT:
            # Finding the child means reading the descriptors of a
            # non-dumpable process.
            self.skipTest("needs root to inspect the children")
        self.start()
        other = self.raw()                 # opened before, stays served
        self.assertEqual(other.reply()[0], 220)
        self.assertEqual(other.login()[0], 230)
        victim = self.raw()
        self.assertEqual(victim.reply()[0], 220)
        self.assertEqual(victim.login()[0], 230)
        pid = self.server.session_pid(victim.sock, "sandftpd-anon")
        self.assertNotEqual(pid, self.server.session_pid(other.sock,
                                                         "sandftpd-anon"))
        mark = self.server.mark()
        os.kill(pid, signal.SIGKILL)
        self.server.wait_log(r"session=\d+ client=127\.0\.0\.1 "
                             r"user=anonymous anonymous child %d killed by "
                             r"signal 9" % pid,
                             start=mark)
        self.assertTrue(victim.closed())
        self.assertEqual(other.cmd("TYPE I")[0], 200)
        self.assertEqual(retr(other, "bin/small.bin"),
                         bytes(range(256)) * 16)
        self.assertEqual(other.cmd("PWD")[0], 257)
        # And new sessions are served.
        self.assert_works(self.raw())


class CrashBan(OwnServer):
    def crash(self, source=None):
        c = self.raw(source)
        self.assertEqual(c.reply()[0], 220)
        c.send("XFRG crash\r\n")
        self.assertTrue(c.closed())
        c.close()

    def test_crashing_address_is_banned(self):
        self.start({"crash_limit": "2"}, binary=harness.HOOKS)
        mark = self.server.mark()
        self.crash()
        self.server.wait_log(r"killed by signal 11", start=mark)
        c = self.raw()                  # one crash: still served
        self.assert_works(c)
        c.cmd("QUIT")
        self.crash()
        self.server.wait_log(r"client 127\.0\.0\.1: refused for \d+ "
                             r"seconds after 2 crashed sessions", start=mark)
        banned = self.raw()
        self.assert_refused(banned, "refused")
        self.server.wait_log(r"client 127\.0\.0\.1: refused: Service "
                             r"temporarily refused", start=mark)
        # The ban is for that address only.
        self.assert_works(self.raw(source="127.0.0.2"))

    def test_ban_expires(self):
        self.start({"crash_limit": "1", "crash_ban": "2"},
                   binary=harness.HOOKS)
        mark = self.server.mark()
        self.crash()
        self.server.wait_log(r"refused for 2 seconds", start=mark)
        self.assert_refused(self.raw(), "refused")
        time.sleep(2.5)
        self.assert_works(self.raw())


class Pool(OwnServer):
    SPARE = 3

    def idle_counts(self):
        counts = self.server.pool_counts()
        return (counts.get("sandftpd-login", 0),
                counts.get("sandftpd-anon", 0), counts)

    def settled(self):
        login, anon, counts = self.idle_counts()
        return (login, anon) == (self.SPARE, self.SPARE) and \
            len(counts) == 2

    def test_pool_refills(self):
        self.start({"pool_spare": str(self.SPARE), "anon_direct": "no"})
        self.assertTrue(harness.wait_for(self.settled, 10),
                        self.idle_counts())
        first = {p for p, _, _ in self.server.children()}
        # Sessions of every kind: logged in, never logged in, REIN, and
        # several at once.
        held = []
        for i in range(2 * self.SPARE + 1):
            c = self.raw()
            self.assertEqual(c.reply()[0], 220)
            if i % 3 != 2:
                self.assertEqual(c.login()[0], 230)
            held.append(c)
        self.assertEqual(held[0].cmd("REIN")[0], 220)
        self.assertEqual(held[1].cmd("TYPE I")[0], 200)
        self.assertEqual(retr(held[1], "README.txt"), b"Welcome.\n")
        # While they are open, the idle children are there as well.
        busy = harness.wait_for(
            lambda: self.idle_counts()[0] >= self.SPARE + 3 and
            self.idle_counts()[1] >= self.SPARE + 4, 10)
        self.assertTrue(busy, self.idle_counts())
        for c in held:
            c.cmd("QUIT")
            c.closed()
        # All gone: back to exactly pool_spare idle children of each kind,
        # none of those that served, and no zombies.
        self.assertTrue(harness.wait_for(self.settled, 10),
                        self.idle_counts())
        # Exited children are reaped (a moment after their clients see
        # the close, not necessarily before).
        def zombies():
            return [p for p, _, st in self.server.children()
                    if st.get("State", "").startswith("Z")]
        harness.wait_for(lambda: not zombies(), 5)
        self.assertEqual(zombies(), [])
        now = {p for p, _, _ in self.server.children()}
        self.assertLess(len(now & first), 2 * self.SPARE)
        self.assert_works(self.raw())
        self.assert_no_deaths()


class DirectPool(OwnServer):
    """An anonymous-only server in clear (anon_direct): its anonymous
    children greet, and the one that greeted serves the session after
    the login: one process per session, no pre-login children."""

    SPARE = 3

    def settled(self):
        return self.server.pool_counts() == {"sandftpd-anon": self.SPARE}

    def test_one_process_per_session(self):
        self.start({"pool_spare": str(self.SPARE)})
        self.assertTrue(harness.wait_for(self.settled, 10),
                        self.server.pool_counts())
        mark = self.server.mark()
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        greeter = self.server.session_pid(c.sock, "sandftpd-anon")
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(self.server.session_pid(c.sock), greeter)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        self.assertEqual(retr(c, "bin/small.bin"), bytes(range(256)) * 16)
        self.assertEqual(self.server.session_pid(c.sock), greeter)
        # Only what refills the pool was started: one child per session.
        self.assertNotIn("sandftpd-login", self.server.pool_counts())
        # REIN: the connection goes on to a fresh greeting child, which
        # serves the next login in place too.
        self.assertEqual(c.cmd("REIN")[0], 220)
        again = self.server.session_pid(c.sock, "sandftpd-anon")
        self.assertNotEqual(again, greeter)
        self.assertEqual(c.cmd("PWD")[0], 530)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(self.server.session_pid(c.sock), again)
        # A name that is not anonymous is refused as on any server.
        d = self.raw()
        self.assertEqual(d.reply()[0], 220)
        self.assertEqual(d.login("alice", "secret")[0], 530)
        self.assertEqual(d.cmd("PWD")[0], 530)
        self.assertEqual(d.login()[0], 230)
        self.assertEqual(d.cmd("PWD")[0], 257)
        def since():
            with self.server.lock:
                return "\n".join(self.server.lines[mark:])
        harness.wait_for(lambda: since().count("anonymous login") >= 3, 10)
        self.assertEqual(since().count("anonymous login"), 3)
        for x in (c, d):
            x.cmd("QUIT")
            x.closed()
        self.assertTrue(harness.wait_for(self.settled, 10),
                        self.server.pool_counts())
        self.assert_no_deaths()

    def test_pool_grows_with_a_burst_and_shrinks_after(self):
        # Sessions opened as fast as they come for 2 s: the greeting pool
        # grows with the accept rate (a tenth of a second's accepts; 40/s
        # is 4 children, one more than pool_spare)...
        harness.one_run_only("a rate the sanitizer build may not reach")
        self.start({"pool_spare": str(self.SPARE)})
        self.assertTrue(harness.wait_for(self.settled, 10),
                        self.server.pool_counts())
        def anon():
            return self.server.pool_counts().get("sandftpd-anon", 0)
        peak, n, end = 0, 0, time.time() + 2
        while time.time() < end:
            c = self.raw()
            self.assertEqual(c.reply()[0], 220)
            c.close()
            n += 1
            if n % 10 == 0:
                peak = max(peak, anon())
        self.assertGreater(n, 80, "too slow a burst to test with")
        self.assertGreater(max(peak, anon()), self.SPARE,
                           self.server.pool_counts())
        # ...and once the burst is over for 5 s, the children it grew by
        # are retired: back to exactly pool_spare idle ones.
        self.assertTrue(harness.wait_for(self.settled, 20),
                        self.server.pool_counts())
        self.assert_works(self.raw())
        self.assert_no_deaths()

    def test_not_with_accounts(self):
        # Where accounts exist, pre-login children greet.
        db = harness.user_db(self.server_dir(), [
            ("alice", self.tree.root, "ro", None)])
        self.start({"pool_spare": "2", "user_db": db})
        self.assertTrue(harness.wait_for(
            lambda: self.server.pool_counts().get("sandftpd-login") == 2,
            10), self.server.pool_counts())
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        self.server.session_pid(c.sock, "sandftpd-login")
        self.assertEqual(c.login()[0], 230)
        self.server.session_pid(c.sock, "sandftpd-anon")
        c.close()

    def server_dir(self):
        d = harness.workdir("sandftpd-direct-")
        self.addCleanup(__import__("shutil").rmtree, d, True)
        return d


class SessionBinary(OwnServer):
    """Children that do no TLS run the static session binary the master
    finds beside itself (<binary>-session); FTPS children and the
    authentication process run the master's own binary.  A session
    binary others may write, or of another build, stops the start with
    its path named; where there is none, every child runs the master's
    binary."""

    def exe(self, pid):
        return os.readlink("/proc/%d/exe" % pid)

    def exes(self):
        """{comm: set of executables} of the live children."""
        out = {}
        for pid, comm, st in self.server.children():
            if not st.get("State", "").startswith("Z"):
                try:
                    out.setdefault(comm, set()).add(self.exe(pid))
                except OSError:     # gone meanwhile
                    pass
        return out

    def libraries(self, pid):
        """The shared objects mapped into pid."""
        with open("/proc/%d/maps" % pid) as f:
            return sorted({l.split()[-1] for l in f
                           if ".so" in l.split()[-1]})

    def copies(self, session=True):
        """A directory with a copy of the binaries; the main one's path."""
        d = harness.workdir("sandftpd-bin-")
        self.addCleanup(__import__("shutil").rmtree, d, True)
        main = os.path.join(d, "sandftpd")
        harness.copy_binary(harness.BINARY, main)
        if not session:
            os.unlink(main + "-session")
        return main

    def test_children_run_the_session_binary(self):
        db = harness.user_db(harness.workdir("sandftpd-sb-"), [
            ("alice", self.tree.root, "ro", None)])
        self.start({"pool_spare": "2", "user_db": db})
        master = self.exe(self.server.master_pid())
        session = master + "-session"
        self.assertTrue(os.path.exists(session), session)
        self.assertTrue(harness.wait_for(
            lambda: self.server.pool_counts().get("sandftpd-login") == 2,
            10), self.server.pool_counts())
        a, u = self.raw(), self.raw()
        for c in (a, u):
            self.assertEqual(c.reply()[0], 220)
        self.assertEqual(a.login()[0], 230)
        self.assertEqual(u.login("alice", harness.TEST_PASSWORD)[0], 230)
        anon = self.server.session_pid(a.sock, "sandftpd-anon")
        user = self.server.session_pid(u.sock, "sandftpd-user")
        for c in (a, u):
            self.assertEqual(c.cmd("TYPE I")[0], 200)
            self.assertEqual(retr(c, "bin/small.bin"),
                             bytes(range(256)) * 16)
        exes = self.exes()
        self.assertEqual(exes.get("sandftpd-login"), {session}, exes)
        self.assertEqual(self.exe(anon), session)
        self.assertEqual(self.exe(user), session)
        if not harness.SANITIZED:
            # Static: no loader, no shared object in a session.
            for pid in (anon, user):
                self.assertEqual(self.libraries(pid), [])
        self.assert_no_deaths()

    def test_tls_children_run_the_master_binary(self):
        import tlsfiles
        work = harness.workdir("sandftpd-sb-")
        self.addCleanup(__import__("shutil").rmtree, work, True)
        self.start(dict(tlsfiles.options(work), pool_spare="2"))
        master = self.exe(self.server.master_pid())
        self.assertTrue(harness.wait_for(
            lambda: self.server.pool_counts().get("sandftpd-login") == 2,
            10), self.server.pool_counts())
        self.assertEqual(self.exes().get("sandftpd-login"), {master})
        # An FTPS session: its relay (the pre-login child that made the
        # TLS session) and its session child (which sends the data
        # connections' TLS) run the master's binary ...
        ctx = ssl.create_default_context(cafile=tlsfiles.files()["ca"])
        t = ftplib.FTP_TLS(context=ctx, timeout=10)
        self.addCleanup(t.close)
        t.connect("localhost", self.server.port)
        t.login()
        t.prot_p()
        self.assertEqual(self.exe(self.server.session_pid(
            t.sock, "sandftpd-login")), master)
        self.assertIn(master, self.exes().get("sandftpd-anon", ()))
        self.assertEqual(t.voidcmd("PWD")[:3], "257")
        # ... and a session in clear on the same server the static one.
        c = self.raw()
        self.assert_works(c)
        self.assertEqual(self.exe(self.server.session_pid(
            c.sock, "sandftpd-anon")), master + "-session")

    def test_without_a_session_binary(self):
        main = self.copies(session=False)
        self.start({"pool_spare": "2"}, binary=main)
        master = self.exe(self.server.master_pid())
        self.server.wait_log(r"-session: No such file or directory; every "
                             r"child runs this binary")
        c = self.raw()
        self.assert_works(c)
        self.assertEqual(self.exe(self.server.session_pid(
            c.sock, "sandftpd-anon")), master)
        self.assertEqual(set().union(*self.exes().values()), {master})

    def failed_start(self, main, pattern):
        s = Server(self.tree, {"pool_spare": "2"}, binary=main)
        self.server = s.start(wait=False)
        self.assertNotEqual(s.proc.wait(15), 0)
        s.wait_log(pattern)
        self.assertNotIn("ready: serving", s.log())

    def test_writable_session_binary_refused(self):
        main = self.copies()
        os.chmod(main + "-session", 0o775)
        self.failed_start(main, r"/sandftpd-session: not a regular file of "
                          r"root or of uid \d+, writable by its owner only")

    def test_session_binary_of_another_user_refused(self):
        if not harness.IS_ROOT or harness.UNPRIV:
            # The unprivileged run's copy is root's, which is allowed.
            self.skipTest("a root master, a binary of another user")
        main = self.copies()
        os.chown(main + "-session", harness.NOBODY, harness.NOBODY)
        self.failed_start(main, r"/sandftpd-session: not a regular file of "
                          r"root or of uid 0")

    def test_session_binary_of_another_build(self):
        # The same binary, its CHILD_ARG's checksum changed in one digit
        # (every copy of the string: a sanitizer build has one per file).
        main = self.copies()
        with open(main + "-session", "rb") as f:
            data = f.read()
        arg = re.search(rb"--child=(\d+)\0", data)
        self.assertTrue(arg, "no --child=SUM in the session binary")
        other = b"%d" % ((int(arg.group(1)[:1]) + 1) % 10)
        changed = data.replace(arg.group(0), b"--child=" + other +
                               arg.group(1)[1:] + b"\0")
        self.assertEqual(changed.count(b"--child=" + other), data.count(
            arg.group(0)))
        with open(main + "-session", "wb") as f:
            f.write(changed)
        self.failed_start(main, r"failed while starting: exited with "
                          r"status 2; it said: \"nothing: is sandftpd-session "
                          r"\(beside sandftpd\) of this build\?\"")


class IdleMemory(OwnServer):
    """A session that has waited a second for a command gives back its
    scratch memory (daemon/session/idlemem.c): the listing and ASCII
    buffers, its stack below the command loop, the heap's free memory;
    and serves on as before."""

    def private_dirty_kb(self, pid):
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Private_Dirty:"):
                    return int(line.split()[1])
        raise AssertionError("no Private_Dirty for %d" % pid)

    def listing(self, c, path):
        data = pasv_connect(c)
        code, lines = c.cmd("LIST " + path)
        self.assertEqual(code, 150, lines)
        got = recv_all(data)
        self.assertEqual(c.reply()[0], 226)
        return got

    def test_idle_session_gives_memory_back(self):
        harness.plain_build_only("memory figures of the plain build")
        for i in range(3000):
            self.tree.file("many/entry-with-a-longish-name-%05d" % i, b"")
        text = b"".join(b"line %06d of a text file\n" % i
                        for i in range(12000))
        self.tree.file("text/big.txt", text)
        self.start({"pool_spare": "1"})
        c = self.raw()
        self.assert_works(c)
        pid = self.server.session_pid(c.sock, "sandftpd-anon")
        first = self.listing(c, "many")
        self.assertEqual(first.count(b"\r\n"), 3000)
        self.assertEqual(c.cmd("TYPE A")[0], 200)
        self.assertEqual(retr(c, "text/big.txt"),
                         text.replace(b"\n", b"\r\n"))
        busy = self.private_dirty_kb(pid)
        # After IDLEMEM_AFTER_MS (1 s) without a command: the 64 kB
        # listing buffer and the 64 + 128 kB of the ASCII conversion go.
        idle = harness.wait_for(
            lambda: self.private_dirty_kb(pid) <= busy - 200 and
            self.private_dirty_kb(pid), timeout=6)
        self.assertTrue(idle, "Private_Dirty %d kB busy, %d kB after "
                        "idling" % (busy, self.private_dirty_kb(pid)))
        # It serves on, from the same process, with the same answers.
        self.assertEqual(self.listing(c, "many"), first)
        self.assertEqual(retr(c, "text/big.txt"),
                         text.replace(b"\n", b"\r\n"))
        self.assertEqual(c.cmd("NOOP")[0], 200)
        self.assertEqual(self.server.session_pid(c.sock, "sandftpd-anon"),
                         pid)
        self.assert_no_deaths()


class Burst(OwnServer):
    def test_burst_larger_than_pool(self):
        # pool_spare 1, 25 clients at once: the master waits for children
        # instead of refusing, and every client is served.
        self.start({"pool_spare": "1"})
        clients = [self.raw() for _ in range(25)]
        self.assertEqual([c.reply()[0] for c in clients], [220] * 25)
        for c in clients:
            c.send("USER anonymous\r\nPASS x\r\nPWD\r\n")
        for c in clients:
            self.assertEqual([c.reply()[0] for _ in range(3)],
                             [331, 230, 257])
        # The 230 reaches the client before the log reader thread has
        # read the child's log line, so wait for the count (bounded).
        harness.wait_for(
            lambda: self.server.log().count("anonymous login") >= 25, 10)
        self.assertEqual(self.server.log().count("anonymous login"), 25)
        self.assertNotIn("refused", self.server.log())
        self.assert_no_deaths()


@unittest.skipUnless(harness.ipv6_available(), "no IPv6 loopback")
class IPv6(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tree = harness.standard_tree()
        cls.server = Server(cls.tree, ipv6=True).start()

    def test_login_and_passive_transfer(self):
        self.server.wait_log(r"listening on \[::1\]:%d" % self.server.port)
        f = ftplib.FTP(timeout=10)
        f.connect("::1", self.server.port)
        self.assertTrue(f.login().startswith("230"))
        self.assertEqual(f.sock.family, socket.AF_INET6)
        self.assertTrue(f.sendcmd("EPSV").startswith("229"))
        with self.assertRaises(ftplib.Error) as e:
            f.sendcmd("PASV")        # IPv4 only
        self.assertTrue(str(e.exception).startswith("425"))
        want = open(os.path.join(self.tree.root, "bin/random.bin"),
                    "rb").read()
        got = []
        f.retrbinary("RETR bin/random.bin", got.append)   # EPSV on IPv6
        self.assertEqual(b"".join(got), want)
        self.assertEqual(f.nlst("text"), ["text/dos.txt", "text/unix.txt"])
        f.quit()
        self.server.wait_log(r"client ::1: anonymous login")

    def test_epsv_data_from_ipv6_peer(self):
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        code, lines = c.cmd("EPSV 1")
        self.assertEqual(code, 522, lines)      # we speak protocol 2
        data = pasv_connect(c)
        self.assertEqual(data.family, socket.AF_INET6)
        self.assertEqual(c.cmd("RETR README.txt")[0], 150)
        self.assertEqual(recv_all(data), b"Welcome.\n")
        self.assertEqual(c.reply()[0], 226)
        c.close()


def open_files_limit(pid):
    """The soft and hard RLIMIT_NOFILE of a process."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return int(soft), int(hard)


class DescriptorLimit(OwnServer):
    """The master raises its soft descriptor limit to what max_clients
    needs, up to the hard limit, and says when the hard one is short."""

    def test_soft_limit_raised_to_what_max_clients_needs(self):
        s = self.start({"max_clients": "1000", "pool_spare": "2"},
                       nofile=(256, 8192))
        want = 3 * 1000 + 8 * 2 + 256
        self.assertEqual(open_files_limit(s.master_pid()), (want, 8192))
        s.wait_log(r"RLIMIT_NOFILE: raised to %d" % want)
        self.assert_works(self.raw())

    def test_short_hard_limit_is_said(self):
        s = self.start({"max_clients": "1000"}, nofile=(256, 1024))
        self.assertEqual(open_files_limit(s.master_pid()), (1024, 1024))
        s.wait_log(r"RLIMIT_NOFILE is 1024: fewer than max_clients = 1000 "
                   r"needs")


class DescriptorExhaustion(OwnServer):
    """When the master runs out of descriptors it pauses accepting, and
    resumes by itself once sessions end: a waiting client is served."""

    def test_accept_resumes_after_emfile(self):
        self.start({"pool_spare": "1", "login_timeout": "60"}, nofile=28)
        held, pending = [], None
        for _ in range(40):
            c = self.raw()
            if not select.select([c.sock], [], [], 1.5)[0]:
                pending = c          # accepted by the kernel, not by us
                break
            self.assertEqual(c.reply()[0], 220)
            held.append(c)
        self.assertIsNotNone(pending, "never ran out of descriptors")
        # Whichever needed a descriptor first (accept, or a child's
        # socketpair) ran out and said so.
        self.server.wait_log(r"Too many open files")
        for c in held[:4]:           # four sessions end: four fds free
            self.assertEqual(c.cmd("QUIT")[0], 221)
            c.close()
        self.assertTrue(select.select([pending.sock], [], [], 8)[0],
                        "the waiting client was never served")
        self.assertEqual(pending.reply()[0], 220)
        self.assertEqual(pending.login()[0], 230)
        self.assert_no_deaths()
