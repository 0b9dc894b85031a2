"""Per-session limits.

anon_max_rate and local_max_rate: the rate a client measures over a
transfer of about five seconds is the limit, within 5 %, for an
anonymous binary RETR (sendfile), a virtual user's STOR and TYPE A
RETR; the bytes arrive intact; STAT, NOOP and ABOR are answered at once
while the transfer waits for its tokens; a class without a limit runs
at loopback speed; a SIGHUP puts a new limit in force for new sessions
only.  The limit also makes room to change a file while it is sent: a
RETR (binary, TYPE A) of a file cut meanwhile gets 451, a TYPE A RETR
of a growing file stops at its size at the open.

max_data_sockets_per_minute: over it, PASV/EPSV and an active-mode
transfer get 425 "Too many data connections", the session goes on and
gets data connections again once its budget refills; a passive listener
offered again costs nothing.
"""
import os
import re
import shutil
import signal
import socket
import threading
import time

import harness
from harness import OwnServer, pasv_from_own_address, recv_all
from test_reload import write_config

RATE = 1 << 20          # 1 MiB/s
SECONDS = 5             # each measured transfer takes about this long
TOLERANCE = 0.05
BIG = RATE * SECONDS


def text_lines(size):
    """Text with LF line ends, about size bytes (TYPE A doubles none)."""
    line = b"a line of a text file, converted on the way out\n"
    return line * (size // len(line))


class Limited(OwnServer):
    """A server with an anonymous tree and a virtual user, alice (rw),
    whose root is users/alice."""

    limits = None

    def setUp(self):
        super().setUp()
        self.work = harness.workdir("sandftpd-rate-")
        self.big = os.urandom(BIG)
        self.tree.file("big.bin", self.big)
        self.root, = harness.user_roots(self.tree, "alice")
        self.text = text_lines(BIG * 10 // 11)     # ~5 s once converted
        for name, data in (("big.bin", self.big), ("text.txt", self.text)):
            path = os.path.join(self.root, name)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o644)
        db = harness.user_db(self.work, [("alice", self.root, "rw", None)])
        # upload_fsync = no: the time measured is the limit's, not the
        # disk's.
        opts = {"user_db": db, "upload_fsync": "no"}
        opts.update(self.limits or {})
        self.start(opts)

    def tearDown(self):
        if self.server:
            time.sleep(0.05)
            self.assert_no_deaths()
        super().tearDown()
        shutil.rmtree(self.work, ignore_errors=True)

    def session(self, user=None, type_="I"):
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        if user:
            self.assertEqual(c.login(user, harness.TEST_PASSWORD)[0], 230)
        else:
            self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE " + type_)[0], 200)
        return c

    def timed_retr(self, c, name, during=None):
        """RETR name; (bytes, seconds from the 150 to the end of the
        data).  during(c, t0) runs on the control connection while the
        data comes."""
        data = pasv_from_own_address(c)
        code, lines = c.cmd("RETR " + name)
        self.assertEqual(code, 150, lines)
        t0 = time.monotonic()
        got, end = [], []

        def read():
            got.append(recv_all(data))
            end.append(time.monotonic())

        reader = threading.Thread(target=read)
        reader.start()
        if during:
            during(c, t0)
        reader.join(4 * SECONDS)
        self.assertFalse(reader.is_alive(), "the download did not end")
        code, lines = c.reply()
        self.assertEqual(code, 226, lines)
        return got[0], end[0] - t0

    def timed_stor(self, c, name, payload):
        """STOR name; seconds from the 150 to the 226."""
        data = pasv_from_own_address(c)
        # A deep send buffer: the kernel keeps the server fed while this
        # process waits for a CPU on a loaded machine (the server's
        # bucket holds a quarter of a second; time it idles beyond that
        # is lost to the measurement, not to the limit).
        data.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        code, lines = c.cmd("STOR " + name)
        self.assertEqual(code, 150, lines)
        t0 = time.monotonic()
        data.sendall(payload)
        data.close()
        code, lines = c.reply()
        self.assertEqual(code, 226, lines)
        return time.monotonic() - t0

    def assert_rate(self, nbytes, seconds, limit=RATE):
        rate = nbytes / seconds
        print("\n    %d bytes in %.3f s: %.4f of the limit"
              % (nbytes, seconds, rate / limit), end=" ", flush=True)
        self.assertLess(abs(rate / limit - 1), TOLERANCE,
                        "%.0f bytes/s, the limit is %d" % (rate, limit))

    def abor_half_a_second_in(self, c, name):
        """ABOR half a second into a limited RETR of name: 426 and 226
        within a second, far less than the file came, the session goes
        on."""
        data = pasv_from_own_address(c)
        self.assertEqual(c.cmd("RETR " + name)[0], 150)
        t0 = time.monotonic()
        data.settimeout(5)
        head = data.recv(65536)
        self.assertTrue(head)
        time.sleep(max(0, 0.5 - (time.monotonic() - t0)))
        t = time.monotonic()
        c.send("ABOR\r\n")
        self.assertEqual(c.reply()[0], 426)
        self.assertEqual(c.reply()[0], 226)
        self.assertLess(time.monotonic() - t, 1.0)
        rest = b""
        try:
            rest = recv_all(data)
        except OSError:
            pass
        self.assertLess(len(head) + len(rest), 2 * RATE)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def cut_while_sent(self, c, name, path, keep):
        """RETR name; once bytes come, the file (path) is cut to keep
        bytes: the reply is 451, not 226 (the client got less than the
        file it was promised; the data connection is reset, so that its
        end does not look like the file's), and the session goes on.
        What came, at most keep bytes (a reset may lose the tail)."""
        data = pasv_from_own_address(c)
        code, lines = c.cmd("RETR " + name)
        self.assertEqual(code, 150, lines)
        data.settimeout(10)
        got = data.recv(65536)
        self.assertTrue(got)
        os.truncate(path, keep)
        try:
            while True:
                b = data.recv(65536)
                if not b:
                    break
                got += b
        except ConnectionResetError:
            pass
        data.close()
        code, lines = c.reply()
        self.assertEqual(code, 451, lines)
        self.assertIn("shrank", lines[0])
        self.assertEqual(c.cmd("NOOP")[0], 200)
        return got

    def assert_fast(self, nbytes, seconds, limit=RATE):
        # Unlimited: loopback moves 5 MiB in well under a second, even
        # with the sanitizers.
        self.assertGreater(nbytes / seconds, 4 * limit,
                           "%d bytes took %.2f s" % (nbytes, seconds))


def control_answered(test, c, t0, at=1.5):
    """At `at` seconds into a transfer: NOOP and STAT are answered
    promptly, and STAT's count is what the limit allows by then (give or
    take what a loaded machine delays)."""
    time.sleep(max(0, t0 + at - time.monotonic()))
    t = time.monotonic()
    code, lines = c.cmd("NOOP")
    test.assertEqual(code, 200, lines)
    code, lines = c.cmd("STAT")
    answered = time.monotonic() - t
    test.assertEqual(code, 213, lines)
    test.assertLess(answered, 1.0, "NOOP and STAT waited for the transfer")
    sent = int(re.search(r": (\d+) of \d+ bytes sent", lines[0]).group(1))
    elapsed = time.monotonic() - t0
    # Unlimited, all of it would have gone by now; limited, the limit's
    # share of the time (the bucket starts empty).
    test.assertGreater(sent, RATE * elapsed / 2, lines)
    test.assertLess(sent, RATE * (elapsed + 0.5), lines)


class AnonymousLimited(Limited):
    """anon_max_rate = 1 MiB/s; system and virtual users unlimited."""

    limits = {"anon_max_rate": str(RATE)}

    def test_retr_binary_at_the_limit(self):
        harness.one_run_only("5 s of waiting; ABOR covers the limited "
                             "loop")
        c = self.session()
        got, took = self.timed_retr(
            c, "big.bin", lambda c, t0: control_answered(self, c, t0))
        self.assertEqual(got, self.big)
        self.assert_rate(len(got), took)

    def test_abor_while_waiting_for_tokens(self):
        self.abor_half_a_second_in(self.session(), "big.bin")

    def test_file_cut_while_sent_gets_451(self):
        c = self.session()
        got = self.cut_while_sent(c, "big.bin",
                                  os.path.join(self.tree.root, "big.bin"),
                                  RATE // 2)
        self.assertEqual(got, self.big[:len(got)])
        self.assertLessEqual(len(got), RATE // 2)

    def test_abor_queued_behind_an_unlimited_ascii_retr(self):
        """ABOR sent with the RETR (queued before the transfer starts):
        a TYPE A transfer looks for it before each chunk, as a binary
        one does, even when it never waits (unlimited, the data fits in
        the sockets' buffers): 426 and 226, not the whole file."""
        path = os.path.join(self.root, "small.txt")
        with open(path, "wb") as f:
            f.write(text_lines(16 * 1024))
        os.chmod(path, 0o644)
        c = self.session("alice", type_="A")
        data = pasv_from_own_address(c)
        c.send("RETR small.txt\r\nABOR\r\n")
        self.assertEqual(c.reply()[0], 150)
        code, lines = c.reply()
        self.assertEqual(code, 426, lines)
        self.assertEqual(c.reply()[0], 226)
        try:
            recv_all(data)
        except OSError:
            pass
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_users_unlimited(self):
        c = self.session("alice")
        got, took = self.timed_retr(c, "big.bin")
        self.assertEqual(got, self.big)
        self.assert_fast(len(got), took)
        took = self.timed_stor(c, "up.bin", self.big)
        self.assert_fast(len(self.big), took)
        with open(os.path.join(self.root, "up.bin"), "rb") as f:
            self.assertEqual(f.read(), self.big)


class UsersLimited(Limited):
    """local_max_rate = 1 MiB/s (virtual users here); anonymous
    unlimited."""

    limits = {"local_max_rate": str(RATE)}

    def test_stor_at_the_limit(self):
        harness.one_run_only("5 s of waiting; ABOR covers the limited "
                             "loop")
        c = self.session("alice")
        took = self.timed_stor(c, "up.bin", self.big)
        self.assert_rate(len(self.big), took)
        with open(os.path.join(self.root, "up.bin"), "rb") as f:
            self.assertEqual(f.read(), self.big)

    def test_retr_ascii_at_the_limit(self):
        harness.one_run_only("5 s of waiting; ABOR covers the limited "
                             "loop")
        c = self.session("alice", type_="A")
        got, took = self.timed_retr(c, "text.txt")
        self.assertEqual(got, self.text.replace(b"\n", b"\r\n"))
        self.assert_rate(len(got), took)

    def user_text(self, name, data):
        path = os.path.join(self.root, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        return path

    def test_abor_during_ascii_retr(self):
        self.abor_half_a_second_in(self.session("alice", type_="A"),
                                   "text.txt")

    def test_ascii_retr_stops_at_the_size_at_open(self):
        # Half a second's worth; what is appended meanwhile is not sent.
        text = text_lines(RATE // 2)
        path = self.user_text("grows.txt", text)
        c = self.session("alice", type_="A")
        data = pasv_from_own_address(c)
        self.assertEqual(c.cmd("RETR grows.txt")[0], 150)
        data.settimeout(10)
        got = data.recv(65536)
        self.assertTrue(got)
        with open(path, "ab") as f:
            f.write(b"appended after the open\n" * 40000)
        got += recv_all(data)
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(got, text.replace(b"\n", b"\r\n"))

    def test_ascii_file_cut_while_sent_gets_451(self):
        text = text_lines(2 * RATE)
        path = self.user_text("cut.txt", text)
        c = self.session("alice", type_="A")
        got = self.cut_while_sent(c, "cut.txt", path, RATE // 4)
        crlf = text[:RATE // 4].replace(b"\n", b"\r\n")
        self.assertEqual(got, crlf[:len(got)])
        self.assertLessEqual(len(got), len(crlf))

    def test_anonymous_unlimited(self):
        c = self.session()
        got, took = self.timed_retr(c, "big.bin")
        self.assertEqual(got, self.big)
        self.assert_fast(len(got), took)


class ReloadedLimit(OwnServer):
    """A SIGHUP that sets anon_max_rate: new sessions get it, a running
    one keeps what it started with."""

    def test_new_sessions_only(self):
        one = os.urandom(RATE)
        self.tree.file("one.bin", one)
        s = self.start()
        running = self.raw()
        self.assertEqual(running.reply()[0], 220)
        self.assertEqual(running.login()[0], 230)
        self.assertEqual(running.cmd("TYPE I")[0], 200)
        write_config(s, anon_max_rate=str(RATE))
        mark = s.mark()
        os.kill(s.master_pid(), signal.SIGHUP)
        s.wait_log(r"SIGHUP: configuration reloaded from", start=mark)
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        for client, limited in ((c, True), (running, False)):
            t0 = time.monotonic()
            self.assertEqual(harness.retr(client, "one.bin"), one)
            took = time.monotonic() - t0
            if limited:     # a second's worth
                self.assertGreater(took, 0.8)
            else:
                self.assertLess(took, 0.6)
        self.assert_no_deaths()


def epsv_port(c):
    code, lines = c.cmd("EPSV")
    if code != 229:
        return code, lines
    return code, int(re.search(r"\|\|\|(\d+)\|", lines[0]).group(1))


class DataSocketCap(OwnServer):
    """max_data_sockets_per_minute = 30: 30 at once, then one every 2 s."""

    PER_MINUTE = 30

    def session(self):
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        return c

    def retr(self, c, port):
        data = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.assertEqual(c.cmd("RETR README.txt")[0], 150)
        got = recv_all(data)
        self.assertEqual(c.reply()[0], 226)
        return got

    def test_refused_over_the_cap_then_served_again(self):
        s = self.start({"max_data_sockets_per_minute":
                        str(self.PER_MINUTE)})
        c = self.session()
        # One listener, offered again for many transfers: one socket of
        # the budget (a session fetching small files spends no more).
        code, port = epsv_port(c)
        self.assertEqual(code, 229)
        for _ in range(2 * self.PER_MINUTE):
            self.assertEqual(epsv_port(c), (229, port))
            self.assertEqual(self.retr(c, port), b"Welcome.\n")
        # Every EPSV after a PORT needs a new listener: the budget runs
        # out (within what refills meanwhile).
        refused = None
        for i in range(self.PER_MINUTE + 5):
            self.assertEqual(c.cmd("PORT 127,0,0,1,4,1")[0], 200)
            code, lines = epsv_port(c)
            if code != 229:
                refused = i
                break
        self.assertIsNotNone(refused, "never refused")
        self.assertGreaterEqual(refused, self.PER_MINUTE - 2)
        self.assertLessEqual(refused, self.PER_MINUTE + 1)
        self.assertEqual(code, 425, lines)
        self.assertIn("Too many data connections", lines[0])
        # Active mode too: the master makes no connection.
        self.assertEqual(c.cmd("PORT 127,0,0,1,4,1")[0], 200)
        code, lines = c.cmd("RETR README.txt")
        self.assertEqual(code, 425, lines)
        self.assertIn("Too many data connections", lines[0])
        # The session stays usable meanwhile.
        self.assertEqual(c.cmd("NOOP")[0], 200)
        self.assertEqual(c.cmd("PWD")[0], 257)
        self.assertEqual(c.cmd("SIZE README.txt")[0], 213)
        # One log line for the run of refusals (waited for, bounded: it
        # can reach the log reader after the replies above).
        harness.wait_for(lambda: "data connections refused" in s.log())
        self.assertEqual(len(re.findall(
            r"data connections refused: more than 30 a minute", s.log())),
            1, s.log())
        # A token every 2 s: data connections again.
        time.sleep(60 / self.PER_MINUTE + 0.2)
        code, port = epsv_port(c)
        self.assertEqual(code, 229)
        self.assertEqual(self.retr(c, port), b"Welcome.\n")
        self.assert_no_deaths()

    def test_other_sessions_unaffected(self):
        s = self.start({"max_data_sockets_per_minute": "2"})
        c = self.session()
        for _ in range(2):
            self.assertEqual(c.cmd("PORT 127,0,0,1,4,1")[0], 200)
            self.assertEqual(epsv_port(c)[0], 229)
        self.assertEqual(c.cmd("PORT 127,0,0,1,4,1")[0], 200)
        self.assertEqual(epsv_port(c)[0], 425)
        other = self.session()
        code, port = epsv_port(other)
        self.assertEqual(code, 229)
        self.assertEqual(self.retr(other, port), b"Welcome.\n")
        self.assertEqual(c.cmd("NOOP")[0], 200)
        self.assert_no_deaths()
