"""FTPS (RFC 4217): explicit (AUTH TLS) and implicit TLS with real
clients that verify the certificate (curl, lftp, Python's ftplib), the
protocol's refusals, the data connection's resumption of the control
connection's session, the plaintext-injection rule, old protocols and
renegotiation refused (openssl s_client), the key kept out of every
session process, and a certificate reload on SIGHUP."""
import ftplib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import harness
import tlsfiles
from harness import OwnServer, Server, ServerTestCase


class ReuseFTP(ftplib.FTP_TLS):
    """ftplib with the data connection resuming the control connection's
    TLS session (as FileZilla, lftp and curl do; plain ftplib does not)."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


def tls_ftp(server, user="anonymous", password="x@example.org", cls=ReuseFTP,
            prot_p=True, ctx=None):
    f = cls(context=ctx or tlsfiles.client_context(), timeout=15)
    f.connect("localhost" if server.host == "127.0.0.1" else server.host,
              server.port)
    f.auth()
    f.login(user, password)
    if prot_p:
        f.prot_p()
    return f


def retr_bytes(f, name):
    out = []
    f.retrbinary("RETR " + name, out.append)
    return b"".join(out)


def curl(*args, timeout=30):
    return subprocess.run(["curl", "-sS", "--max-time", "20"] + list(args),
                          capture_output=True, timeout=timeout)


def s_client(port, *args, data=b"", timeout=20):
    return subprocess.run(["openssl", "s_client", "-connect",
                           "127.0.0.1:%d" % port, "-CAfile",
                           tlsfiles.files()["ca"], "-verify_return_error",
                           "-servername", "localhost", "-ign_eof"] + list(args),
                          input=data, capture_output=True, timeout=timeout)


class TlsAnonymous(ServerTestCase):
    """One server: explicit TLS on its port, implicit TLS on another."""

    @classmethod
    def setUpClass(cls):
        cls.workdir = harness.workdir("sandftpd-tls-")
        cls.implicit = harness.free_port()
        cls.options = dict(tlsfiles.options(cls.workdir))
        cls.options["listen_implicit_tls"] = "127.0.0.1:%d" % cls.implicit
        super().setUpClass()
        cls.ca = tlsfiles.files()["ca"]

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def url(self, path="", scheme="ftp", port=None):
        return "%s://localhost:%d/%s" % (scheme, port or self.server.port,
                                          path)

    # -- real clients --

    def test_curl_download_list_verified(self):
        want = open(os.path.join(self.tree.root, "bin/random.bin"),
                    "rb").read()
        r = curl("--ssl-reqd", "--cacert", self.ca, self.url("bin/random.bin"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, want)
        r = curl("--ssl-reqd", "--cacert", self.ca, self.url("pub/"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"deep", r.stdout)
        self.server.wait_log(r"TLS data connections: TLSv1\.3, .*resumed; "
                             r"files are sent with (kernel|user-space) TLS")

    def test_prot_p_data_connection_not_held_by_the_cork(self):
        # The master corks data sockets (a small file leaves with its
        # FIN); the session uncorks one that carries TLS.  A corked
        # handshake flight waits for a full segment, up to 200 ms: every
        # try would take that long.
        f = tls_ftp(self.server)
        f.voidcmd("TYPE I")
        times = []
        for _ in range(3):
            t = time.monotonic()
            data = retr_bytes(f, "bin/small.bin")
            times.append(time.monotonic() - t)
            self.assertEqual(data, bytes(range(256)) * 16)
        f.quit()
        self.assertLess(min(times), 0.19, times)

    def test_curl_refuses_a_wrong_certificate_authority(self):
        # Verification is real: another CA's view of the server fails.
        other = tlsfiles.files()["rsa2"]
        r = curl("--ssl-reqd", "--cacert", other, self.url("README.txt"))
        self.assertNotEqual(r.returncode, 0)

    def test_curl_implicit(self):
        r = curl("--cacert", self.ca, self.url("README.txt", "ftps",
                                               self.implicit))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"Welcome.\n")

    def test_lftp_ssl_force_verified(self):
        dest = tempfile.mkdtemp(prefix="sandftpd-lftp-")
        try:
            script = ("set ftp:ssl-force true; set ftp:ssl-protect-data "
                      "true; set ssl:ca-file %s; set ssl:verify-certificate "
                      "yes; set net:max-retries 1; set net:timeout 10; "
                      "open -u anonymous,x@example.org ftp://localhost:%d; "
                      "lcd %s; get bin/random.bin; cls -1 pub; bye"
                      % (self.ca, self.server.port, dest))
            r = subprocess.run(["lftp", "-c", script], capture_output=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(dest, "random.bin"), "rb") as f:
                got = f.read()
            want = open(os.path.join(self.tree.root, "bin/random.bin"),
                        "rb").read()
            self.assertEqual(got, want)
            self.assertIn(b"deep", r.stdout)
        finally:
            shutil.rmtree(dest, ignore_errors=True)

    def test_ftplib_prot_p_many_transfers(self):
        f = tls_ftp(self.server)
        try:
            for _ in range(3):
                self.assertEqual(retr_bytes(f, "README.txt"), b"Welcome.\n")
            self.assertIn("pub/deep", f.nlst("pub"))
            f.prot_c()
            self.assertEqual(retr_bytes(f, "README.txt"), b"Welcome.\n")
        finally:
            f.quit()

    def test_data_connection_must_resume_the_session(self):
        # Plain ftplib makes a new TLS session for each data connection:
        # refused, as a third party's connection would be.
        f = tls_ftp(self.server, cls=ftplib.FTP_TLS)
        try:
            with self.assertRaises((ftplib.error_perm, ssl.SSLError,
                                    OSError)) as cm:
                retr_bytes(f, "README.txt")
            if isinstance(cm.exception, ftplib.error_perm):
                reply = str(cm.exception)
            else:
                try:
                    reply = f.getresp()
                except ftplib.error_perm as e:
                    reply = str(e)
            self.assertTrue(reply.startswith("522"), reply)
            self.server.wait_log(r"refused a PROT P data connection that "
                                 r"did not resume")
            # The session goes on.
            self.assertTrue(f.voidcmd("NOOP").startswith("200"))
        finally:
            f.close()

    def test_abor_while_data_handshake_waits(self):
        # A PROT P data connection whose client never starts TLS (or
        # never finishes the handshake): the session still answers NOOP
        # and ABOR on the control connection, as while it waits for the
        # connection itself, not only after data_timeout (120 s here).
        c = self.server.raw()
        c.reply()
        tlsfiles.starttls(c)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("PBSZ 0")[0], 200)
        self.assertEqual(c.cmd("PROT P")[0], 200)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        d = harness.pasv_connect(c)
        try:
            self.assertEqual(c.cmd("RETR README.txt")[0], 150)
            time.sleep(0.3)             # the server waits for a ClientHello
            self.assertEqual(c.cmd("NOOP")[0], 200)
            t0 = time.time()
            self.assertEqual(c.cmd("ABOR")[0], 426)
            self.assertEqual(c.reply()[0], 226)
            self.assertLess(time.time() - t0, 5)
            self.assertEqual(c.cmd("NOOP")[0], 200)
        finally:
            d.close()
            c.close()

    # -- the protocol --

    def test_feat_and_help_name_tls(self):
        c = self.server.raw()
        c.reply()
        code, lines = c.cmd("FEAT")
        self.assertEqual(code, 211)
        for want in (" AUTH TLS", " PBSZ", " PROT"):
            self.assertIn(want, lines)
        code, lines = c.cmd("HELP")
        self.assertIn("AUTH", " ".join(lines))
        c.close()

    def test_refusals(self):
        c = self.server.raw()
        c.reply()
        self.assertEqual(c.cmd("PBSZ 0")[0], 503)      # before AUTH
        self.assertEqual(c.cmd("PROT P")[0], 503)
        self.assertEqual(c.cmd("CCC")[0], 530)      # not before login
        self.assertEqual(c.cmd("AUTH KERBEROS_V4")[0], 504)
        tlsfiles.starttls(c)
        self.assertEqual(c.cmd("AUTH TLS")[0], 503)    # already
        self.assertEqual(c.cmd("PROT P")[0], 503)      # PBSZ first
        code, lines = c.cmd("PBSZ 16384")
        self.assertEqual((code, lines[0]), (200, "200 PBSZ=0"))
        self.assertEqual(c.cmd("PROT S")[0], 536)
        self.assertEqual(c.cmd("PROT Q")[0], 504)
        self.assertEqual(c.cmd("PROT P")[0], 200)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("CCC")[0], 534)
        self.assertEqual(c.cmd("REIN")[0], 502)
        code, lines = c.cmd("FEAT")
        self.assertIn(" PROT", lines)
        self.assertEqual(c.cmd("NOOP")[0], 200)
        c.close()

    def test_auth_ssl_alias(self):
        c = self.server.raw()
        c.reply()
        code, _ = c.cmd("AUTH SSL")
        self.assertEqual(code, 234)
        tlsfiles.wrap(c)
        self.assertEqual(c.login()[0], 230)
        c.close()

    def test_plaintext_after_auth_is_discarded(self):
        # The STARTTLS injection: commands sent in clear behind AUTH TLS
        # must not run inside the TLS session.
        c = self.server.raw()
        c.reply()
        mark = self.server.mark()
        c.send("AUTH TLS\r\nUSER anonymous\r\nPASS x@y\r\n")
        code, _ = c.reply()
        self.assertEqual(code, 234)
        time.sleep(0.1)
        try:
            tlsfiles.wrap(c)
        except (ssl.SSLError, OSError):
            # What was not read yet met the handshake, which failed.
            self.assertTrue(c.closed())
            return
        # Read: dropped.  Nothing of it was executed.
        self.assertEqual(c.cmd("PASS x@y")[0], 503)
        self.assertEqual(c.cmd("PWD")[0], 530)
        self.server.wait_log(r"discarded \d+ bytes sent in clear after "
                             r"AUTH TLS", start=mark)
        c.close()

    def test_old_protocols_and_renegotiation_refused(self):
        for old in ("-tls1", "-tls1_1"):
            r = s_client(self.implicit, old, data=b"QUIT\r\n")
            self.assertNotIn(b"220 ", r.stdout, old)
        r = s_client(self.implicit, "-tls1_2", data=b"QUIT\r\n")
        self.assertIn(b"220 ", r.stdout, r.stderr)
        self.assertIn(b"Protocol  : TLSv1.2", r.stdout)
        self.assertIn(b"ECDHE", r.stdout)
        r = s_client(self.implicit, data=b"QUIT\r\n")
        self.assertIn(b"TLSv1.3", r.stdout)
        self.assertIn(b"Verify return code: 0 (ok)", r.stdout)
        # Renegotiation (TLS 1.2): "R" asks for one; the server answers
        # with the no_renegotiation alert.
        p = subprocess.Popen(["openssl", "s_client", "-connect",
                              "127.0.0.1:%d" % self.implicit, "-tls1_2",
                              "-CAfile", tlsfiles.files()["ca"]],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        time.sleep(1)
        p.stdin.write(b"R\n")
        p.stdin.flush()
        time.sleep(1)
        try:
            p.stdin.write(b"NOOP\r\n")
            p.stdin.flush()
        except BrokenPipeError:
            pass
        out, _ = p.communicate(timeout=20)
        self.assertIn(b"RENEGOTIATING", out)
        self.assertIn(b"no renegotiation", out)
        self.assertNotIn(b"200 NOOP", out)

    def test_no_tls_without_configuration(self):
        s = Server(self.tree).start()
        try:
            c = s.raw()
            c.reply()
            code, lines = c.cmd("FEAT")
            self.assertFalse([l for l in lines if "AUTH" in l or "PROT" in l])
            self.assertEqual(c.cmd("AUTH TLS")[0], 502)
            self.assertEqual(c.cmd("PBSZ 0")[0], 502)
            self.assertEqual(c.cmd("PROT P")[0], 502)
            c.close()
        finally:
            s.stop()


class TlsUsers(OwnServer):
    """Virtual users alice (rw) and bob (ro) next to anonymous access,
    with tls_required set per class."""

    def setUp(self):
        super().setUp()
        self.work = harness.workdir("sandftpd-tlsu-")
        self.alice_root, self.bob_root = harness.user_roots(self.tree,
                                                            "alice", "bob")
        self.db = harness.user_db(self.work, [
            ("alice", self.alice_root, "rw", None),
            ("bob", self.bob_root, "ro", None)])
        self.ca = tlsfiles.files()["ca"]

    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.work, ignore_errors=True)

    def start_tls(self, **more):
        opts = {"user_db": self.db}
        opts.update(tlsfiles.options(self.work))
        opts.update(more)
        return self.start(opts)

    def test_logins_policy_anonymous_stays_clear(self):
        s = self.start_tls(tls_required="logins", anon_tls_required="no")
        # Anonymous in clear: served.
        f = s.ftp()
        self.assertIn("README.txt", f.nlst())
        f.quit()
        # A user in clear: refused before the password is sent.
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        code, lines = c.cmd("USER alice")
        self.assertEqual(code, 530, lines)
        self.assertIn("TLS", lines[0])
        # Over TLS: logged in; data may stay in clear (PROT C).
        f = tls_ftp(s, "alice", harness.TEST_PASSWORD, prot_p=False)
        f.storbinary("STOR clear.txt", __import__("io").BytesIO(b"c\n"))
        f.quit()
        with open(os.path.join(self.alice_root, "clear.txt"), "rb") as fh:
            self.assertEqual(fh.read(), b"c\n")
        self.assert_no_deaths()

    def test_all_policy(self):
        s = self.start_tls(tls_required="all")
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("USER anonymous")[0], 530)
        self.assertEqual(c.cmd("USER alice")[0], 530)
        f = tls_ftp(s, "alice", harness.TEST_PASSWORD, prot_p=False)
        with self.assertRaises(ftplib.error_perm) as cm:
            f.nlst()
        self.assertTrue(str(cm.exception).startswith("521"), cm.exception)
        f.prot_p()
        with self.assertRaises(ftplib.error_perm) as cm:
            f.prot_c()
        self.assertTrue(str(cm.exception).startswith("534"), cm.exception)
        data = os.urandom(2 * 1024 * 1024 + 17)
        f.storbinary("STOR up.bin", __import__("io").BytesIO(data))
        self.assertEqual(retr_bytes(f, "up.bin"), data)
        f.quit()
        with open(os.path.join(self.alice_root, "up.bin"), "rb") as fh:
            self.assertEqual(fh.read(), data)
        self.assert_no_deaths()

    def test_virtual_class_policy(self):
        # Only virtual users must use TLS: the class is the master's
        # decision, made before the password is checked.
        s = self.start_tls(virtual_tls_required="logins")
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("USER alice")[0], 530)
        f = s.ftp()                     # anonymous in clear
        f.quit()
        self.assert_no_deaths()

    @unittest.skipUnless(harness.IS_ROOT, "system users need root")
    def test_system_user_class_policy(self):
        # System users (PAM) must use TLS for login and data; virtual
        # users need not: USER is taken, the master refuses the login in
        # clear by its class, at once.
        if harness.UNPRIV:
            self.skipTest("system users need the server to run as root")
        import test_accounts
        service = test_accounts.pam_service(
            test_accounts.shipped_pam_lines())
        try:
            s = self.start_tls(local_users="yes", pam_service=service,
                               local_tls_required="all",
                               user_deny_file=os.path.join(
                                   test_accounts.TOP, "etc", "user_deny"))
            user = harness.TEST_ACCOUNTS[0]
            c = self.raw()
            self.assertEqual(c.reply()[0], 220)
            self.assertEqual(c.cmd("USER " + user)[0], 331)
            t0 = time.time()
            code, lines = c.cmd("PASS " + harness.TEST_PASSWORD)
            self.assertEqual(code, 530, lines)
            self.assertIn("TLS", lines[0])
            self.assertLess(time.time() - t0, 0.9)     # no failure delay
            s.wait_log(r"login refused for user '%s': not over TLS" % user)
            # A virtual user in clear is fine.
            f = harness.user_ftp(s, "alice")
            f.quit()
            f = tls_ftp(s, user, harness.TEST_PASSWORD, prot_p=False)
            with self.assertRaises(ftplib.error_perm) as cm:
                f.nlst()
            self.assertTrue(str(cm.exception).startswith("521"))
            f.prot_p()
            home = os.path.expanduser("~" + user)
            name = "up-tls-%d.txt" % os.getpid()
            f.storbinary("STOR " + name, __import__("io").BytesIO(b"t\n"))
            f.quit()
            path = os.path.join(home, name)
            try:
                self.assertEqual(os.stat(path).st_uid,
                                 harness.account_ids(user)[0])
            finally:
                os.unlink(path)
            self.assert_no_deaths()
        finally:
            os.unlink("/etc/pam.d/" + service)

    def test_curl_upload_and_list(self):
        s = self.start_tls()
        data = os.urandom(1024 * 1024 + 3)
        src = os.path.join(self.work, "src.bin")
        with open(src, "wb") as fh:
            fh.write(data)
        url = "ftp://localhost:%d/" % s.port
        r = curl("--ssl-reqd", "--cacert", self.ca, "-u",
                 "alice:" + harness.TEST_PASSWORD, "-T", src, url + "c.bin")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.alice_root, "c.bin"), "rb") as fh:
            self.assertEqual(fh.read(), data)
        r = curl("--ssl-reqd", "--cacert", self.ca, "-u",
                 "alice:" + harness.TEST_PASSWORD, url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"c.bin", r.stdout)
        # bob may read, not write.
        r = curl("--ssl-reqd", "--cacert", self.ca, "-u",
                 "bob:" + harness.TEST_PASSWORD, "-T", src, url + "no.bin")
        self.assertNotEqual(r.returncode, 0)
        self.assertFalse(os.path.exists(os.path.join(self.bob_root,
                                                     "no.bin")))
        self.assert_no_deaths()

    def test_upload_cut_without_close_notify_is_not_kept(self):
        # A TLS upload whose data connection just ends (no close_notify)
        # may have been cut by someone on the path: not a whole file.
        s = self.start_tls()
        f = tls_ftp(s, "alice", harness.TEST_PASSWORD)
        conn = f.transfercmd("STOR cut.bin")
        conn.sendall(os.urandom(100000))
        raw = socket.socket(fileno=os.dup(conn.fileno()))
        conn.close()                    # no unwrap: no close_notify
        raw.shutdown(socket.SHUT_RDWR)
        raw.close()
        try:
            resp = f.getresp()
        except ftplib.error_temp as e:
            resp = str(e)
        self.assertTrue(resp.startswith("426"), resp)
        f.quit()
        self.assertFalse(os.path.exists(os.path.join(self.alice_root,
                                                     "cut.bin")))

    def test_refused_data_connection_changes_no_file(self):
        # A PROT P data connection is this session's only once its
        # handshake resumed the control connection's session.  One that
        # is refused (plain ftplib makes a new session: 522) must leave
        # the files as they were: a REST + STOR does not cut the file at
        # the offset, an APPE of a new name makes no file.
        s = self.start_tls()
        f = tls_ftp(s, "alice", harness.TEST_PASSWORD)
        f.storbinary("STOR r.bin", __import__("io").BytesIO(b"A" * 1000))
        f.quit()
        path = os.path.join(self.alice_root, "r.bin")
        self.assertEqual(os.path.getsize(path), 1000)

        def refused(f, cmd, rest=None):
            with self.assertRaises((ftplib.error_perm, ssl.SSLError,
                                    OSError)) as cm:
                f.storbinary(cmd, __import__("io").BytesIO(b"B" * 10),
                             rest=rest)
            if isinstance(cm.exception, ftplib.error_perm):
                return str(cm.exception)
            try:
                return f.getresp()
            except (ftplib.error_perm, ftplib.error_temp) as e:
                return str(e)

        f = tls_ftp(s, "alice", harness.TEST_PASSWORD, cls=ftplib.FTP_TLS)
        try:
            f.voidcmd("TYPE I")
            reply = refused(f, "STOR r.bin", rest=100)
            self.assertTrue(reply.startswith("522"), reply)
            with open(path, "rb") as fh:
                self.assertEqual(fh.read(), b"A" * 1000)
            reply = refused(f, "APPE new.bin")
            self.assertTrue(reply.startswith("522"), reply)
            self.assertFalse(os.path.exists(os.path.join(self.alice_root,
                                                         "new.bin")))
            self.assertTrue(f.voidcmd("NOOP").startswith("200"))
        finally:
            f.close()
        self.assert_no_deaths()

    def test_file_cut_while_sent_gets_451(self):
        # PROT P sends a file through OpenSSL, not sendfile: a file cut
        # meanwhile ends with 451 there too, not 226.  Rate-limited, so
        # the cut comes while it is sent.
        rate = 1 << 20
        big = os.urandom(4 * rate)
        path = self.tree.file("big.bin", big)
        s = self.start_tls(anon_max_rate=str(rate))
        f = tls_ftp(s)
        f.voidcmd("TYPE I")
        conn = f.transfercmd("RETR big.bin")
        got = conn.recv(65536)
        self.assertTrue(got)
        os.truncate(path, rate // 2)
        try:
            while True:
                b = conn.recv(65536)
                if not b:
                    break
                got += b
        except (OSError, ssl.SSLError):
            pass                        # reset: the data is not whole
        conn.close()
        with self.assertRaises(ftplib.error_temp) as e:
            f.voidresp()
        self.assertTrue(str(e.exception).startswith("451"), e.exception)
        self.assertLessEqual(len(got), rate // 2)
        self.assertEqual(got, big[:len(got)])
        f.voidcmd("NOOP")
        f.quit()
        self.assert_no_deaths()

    def test_lftp_upload_verified(self):
        s = self.start_tls(tls_required="all")
        data = os.urandom(700 * 1024 + 5)
        src = os.path.join(self.work, "l.bin")
        with open(src, "wb") as fh:
            fh.write(data)
        script = ("set ftp:ssl-force true; set ftp:ssl-protect-data true; "
                  "set ssl:ca-file %s; set ssl:verify-certificate yes; "
                  "set net:max-retries 1; set net:timeout 10; "
                  "open -u alice,%s ftp://localhost:%d; put %s -o l.bin; "
                  "bye" % (self.ca, harness.TEST_PASSWORD, s.port, src))
        r = subprocess.run(["lftp", "-c", script], capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.alice_root, "l.bin"), "rb") as fh:
            self.assertEqual(fh.read(), data)
        self.assert_no_deaths()

    def test_relay_ends_when_its_client_stops_reading(self):
        # A client that sends commands over TLS and never reads a reply:
        # the session's child gives up after idle_timeout (its replies
        # cannot go out); the relay in front of it, holding replies that
        # cannot go out either, must end too, not wait for ever.
        s = self.start_tls(idle_timeout="2")
        c = s.raw()
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.reply()
        tlsfiles.starttls(c)
        self.assertEqual(c.login("alice", harness.TEST_PASSWORD)[0], 230)
        relay = s.session_pid(c.sock, "sandftpd-login")
        c.sock.settimeout(5)
        try:
            c.send("HELP\r\n" * 20000)
        except (socket.timeout, ssl.SSLError, OSError):
            pass                # it stopped taking commands: enough
        deadline = time.time() + 20
        while time.time() < deadline and running(relay):
            time.sleep(0.1)
        self.assertFalse(running(relay),
                         "the relay still waits on a client that reads "
                         "nothing")
        c.sock.close()

    def test_relay_that_outlives_its_session_is_stopped(self):
        # Hostile code in a relay (XFRG relay-stays: it does not exit
        # when the session's child is gone) would hold a process that
        # no session counts for ever; the master stops it a few seconds
        # after the session ended.
        opts = {"user_db": self.db}
        opts.update(tlsfiles.options(self.work))
        s = self.start(opts, binary=harness.HOOKS)
        c = s.raw()
        c.reply()
        tlsfiles.starttls(c)
        self.assertEqual(c.cmd("XFRG relay-stays")[0], 200)
        self.assertEqual(c.login("alice", harness.TEST_PASSWORD)[0], 230)
        relay = s.session_pid(c.sock, "sandftpd-login")
        mark = s.mark()
        self.assertEqual(c.cmd("QUIT")[0], 221)
        time.sleep(2)
        self.assertTrue(running(relay), "the forged relay did not stay")
        deadline = time.time() + 15
        while time.time() < deadline and running(relay):
            time.sleep(0.1)
        self.assertFalse(running(relay), "the relay outlived its session")
        s.wait_log(r"login child %d still relaying 5 s after its "
                   r"session ended; stopped" % relay, start=mark)
        c.sock.close()

    def test_ecdsa_certificate(self):
        s = self.start(dict(tlsfiles.options(self.work, "ec")))
        r = curl("--ssl-reqd", "--cacert", self.ca,
                 "ftp://localhost:%d/README.txt" % s.port)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"Welcome.\n")
        self.assert_no_deaths()

    def test_chain_and_client_certificates(self):
        f = tlsfiles.files()
        opts = dict(tlsfiles.options(self.work))
        opts["tls_cert"] = f["chain"]
        opts["tls_client_ca"] = f["ca"]
        opts["tls_client_cert_required"] = "yes"
        if harness.UNPRIV:
            pass
        s = self.start(opts)
        url = "ftp://localhost:%d/README.txt" % s.port
        r = curl("--ssl-reqd", "--cacert", self.ca, url)
        self.assertNotEqual(r.returncode, 0)    # no client certificate
        r = curl("--ssl-reqd", "--cacert", self.ca, "--cert", f["client"],
                 "--key", f["client_key"], url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"Welcome.\n")
        self.assert_no_deaths()

    def test_key_file_readable_by_all_is_refused(self):
        opts = dict(tlsfiles.options(self.work))
        os.chmod(opts["tls_key"], 0o644)
        s = Server(self.tree, opts)
        s.start(wait=False)
        s.proc.wait(15)
        self.assertNotEqual(s.proc.returncode, 0)
        s.reader.join(5)
        self.assertIn("readable by every user", s.log())
        s.stop()

    def test_tls_required_without_certificate_is_refused(self):
        r = harness.run_daemon(["-F", "-o", "listen=127.0.0.1:%d" %
                                harness.free_port(), "-o",
                                "tls_required=logins", "-o",
                                "anon_root=" + self.tree.root])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("tls_cert", r.stderr)


def running(pid):
    """pid is a process that has not ended (not gone, not a zombie)."""
    st = harness.proc_status(pid)
    return st is not None and not st.get("State", "").startswith("Z")


def key_secret(path):
    """Bytes of the private key that appear in any process holding it:
    the first 24 bytes of its first prime, as OpenSSL stores it."""
    out = subprocess.run(["openssl", "pkey", "-in", path, "-text",
                          "-noout"], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"prime1:\s*\n((?:\s+[0-9a-f:]+\n)+)", out)
    if m is None:
        m = re.search(r"priv:\s*\n((?:\s+[0-9a-f:]+\n)+)", out)
    hexs = re.sub(r"[^0-9a-f]", "", m.group(1))
    if hexs.startswith("00"):
        hexs = hexs[2:]
    raw = bytes.fromhex(hexs)
    # BIGNUMs are little-endian words on x86-64: look for both orders.
    return raw[:24], raw[::-1][:24]


def memory_holds(pid, needles):
    """True if any readable mapping of pid contains one of the byte
    strings (read through /proc/PID/mem, as root, in pieces).  Mappings
    of more than 4 GiB are a sanitizer's shadow reservation, not data."""
    piece, overlap = 16 << 20, 64
    with open("/proc/%d/maps" % pid) as f:
        maps = f.read().splitlines()
    with open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            addr, perms = line.split()[:2]
            if "r" not in perms or "[vvar]" in line or "[vsyscall]" in line:
                continue
            lo, hi = (int(x, 16) for x in addr.split("-"))
            if hi - lo > 4 << 30:
                continue
            at = lo
            while at < hi:
                try:
                    mem.seek(at)
                    chunk = mem.read(min(piece + overlap, hi - at))
                except OSError:
                    break
                if any(n in chunk for n in needles):
                    return True
                at += piece
    return False


@unittest.skipUnless(harness.IS_ROOT, "reads other processes' memory")
class TlsKeyIsolation(OwnServer):
    """The private key in no session process: not in its memory, maps or
    open files, and not readable from inside its sandbox."""

    def setUp(self):
        super().setUp()
        self.work = harness.workdir("sandftpd-tlsk-")
        self.db = harness.user_db(self.work, [
            ("alice", harness.user_roots(self.tree, "alice")[0], "rw",
             None)])

    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.work, ignore_errors=True)

    def test_key_only_in_the_master(self):
        opts = dict(tlsfiles.options(self.work))
        opts["user_db"] = self.db
        s = self.start(opts)
        key = opts["tls_key"]
        needles = key_secret(key)
        # Every kind of session process: pre-login (idle and after AUTH
        # TLS), the relay after a TLS login, anonymous and user sessions
        # over TLS, with a PROT P transfer done.
        pre = self.raw()
        pre.reply()
        tlsfiles.starttls(pre)
        anon = tls_ftp(s)
        self.assertEqual(retr_bytes(anon, "README.txt"), b"Welcome.\n")
        user = tls_ftp(s, "alice", harness.TEST_PASSWORD)
        user.storbinary("STOR k.txt", __import__("io").BytesIO(b"k\n"))
        kinds = {}
        for pid, comm, st in s.children():
            if st.get("State", "").startswith("Z"):
                continue
            kinds.setdefault(comm, []).append(pid)
            with open("/proc/%d/maps" % pid) as f:
                self.assertNotIn(key, f.read())
            for fd in os.listdir("/proc/%d/fd" % pid):
                try:
                    target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
                except OSError:
                    continue
                self.assertNotEqual(target, key, (pid, comm))
            self.assertFalse(memory_holds(pid, needles),
                             "the key is in %s %d" % (comm, pid))
        for comm in ("sandftpd-login", "sandftpd-anon", "sandftpd-user"):
            self.assertIn(comm, kinds)
        # The test can tell: the master does hold it.
        self.assertTrue(memory_holds(s.master_pid(), needles))
        for f in (anon, user):
            f.quit()
        pre.close()


class TlsReload(OwnServer):
    """SIGHUP: a new certificate for new sessions; running ones go on."""

    def setUp(self):
        super().setUp()
        self.work = harness.workdir("sandftpd-tlsr-")

    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.work, ignore_errors=True)

    def served_cert(self, s):
        ctx = tlsfiles.client_context()
        c = s.raw()
        c.reply()
        tlsfiles.starttls(c, ctx)
        der = c.sock.getpeercert(binary_form=True)
        c.close()
        return der

    def test_sighup_new_certificate(self):
        opts = dict(tlsfiles.options(self.work))
        s = self.start(opts)
        before = self.served_cert(s)
        running = tls_ftp(s)
        f = tlsfiles.files()
        shutil.copy(f["rsa2"], opts["tls_cert"])
        shutil.copy(f["rsa2_key"], opts["tls_key"])
        mark = s.mark()
        os.kill(s.master_pid(), signal.SIGHUP)
        s.wait_log(r"new TLS certificate and key loaded", start=mark)
        want = ssl.PEM_cert_to_DER_cert(open(f["rsa2"]).read())
        got = harness.wait_for(lambda: self.served_cert(s) == want, 10)
        self.assertTrue(got)
        self.assertNotEqual(before, want)
        # The running session: still served, data connections resume.
        self.assertEqual(retr_bytes(running, "README.txt"), b"Welcome.\n")
        running.quit()
        # A broken pair: the running certificate stays.
        with open(opts["tls_key"], "w") as fh:
            fh.write("not a key\n")
        mark = s.mark()
        os.kill(s.master_pid(), signal.SIGHUP)
        s.wait_log(r"TLS not reloaded, the running certificate stays",
                   start=mark)
        self.assertEqual(self.served_cert(s), want)
        self.assert_no_deaths()

    def test_running_session_keeps_tls_data_reuse(self):
        # A session started with tls_data_reuse = no may go on making
        # data connections that do not resume (plain ftplib) after a
        # reload turned it on: it keeps the configuration it started
        # with, and is not killed (nor counted as a crash) for it.
        import test_reload
        opts = dict(tlsfiles.options(self.work))
        opts["tls_data_reuse"] = "no"
        s = self.start(opts)
        f = tls_ftp(s, cls=ftplib.FTP_TLS)
        try:
            self.assertEqual(retr_bytes(f, "README.txt"), b"Welcome.\n")
            test_reload.write_config(s, tls_data_reuse="yes")
            mark = s.mark()
            os.kill(s.master_pid(), signal.SIGHUP)
            s.wait_log(r"SIGHUP: configuration reloaded", start=mark)
            self.assertEqual(retr_bytes(f, "README.txt"), b"Welcome.\n")
            f.quit()
        finally:
            f.close()
        self.assertNotIn("TLS_SIGN after login", s.log())
        # New sessions get the new setting.
        f = tls_ftp(s, cls=ftplib.FTP_TLS)
        try:
            with self.assertRaises((ftplib.error_perm, ssl.SSLError,
                                    OSError)):
                retr_bytes(f, "README.txt")
        finally:
            f.close()
        self.assert_no_deaths()
