"""Accounts: virtual users (user_db, both modes), system users through
PAM (root only), the deny list, refusals that tell nothing, the growing
delay and the per-address ban, authentication that never stalls the
master, and the identity and sandbox of every user session in /proc.
"""
import ftplib
import io
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

import harness
from harness import OwnServer, Server

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def pam_service(lines):
    """Install /etc/pam.d/<a fresh name> with these lines; its name."""
    name = "sandftpd-test-" + uuid.uuid4().hex[:8]
    with open("/etc/pam.d/" + name, "w") as f:
        f.write("\n".join(lines) + "\n")
    return name


def shipped_pam_lines():
    with open(os.path.join(TOP, "etc", "pam.d", "sandftpd")) as f:
        return [l.rstrip("\n") for l in f if not l.startswith("#")]


class Accounts(OwnServer):
    """A server with virtual users alice (rw) and bob (ro) whose roots
    are users/alice and users/bob of the test tree."""

    def setUp(self):
        super().setUp()
        self.work = harness.workdir("sandftpd-acct-")
        self.alice_root, self.bob_root = harness.user_roots(self.tree,
                                                            "alice", "bob")
        with open(os.path.join(self.bob_root, "bob.txt"), "wb") as f:
            f.write(b"bob's\n")
        os.chmod(os.path.join(self.bob_root, "bob.txt"), 0o644)
        # yescrypt, as sandftpd -P makes them.
        self.db = harness.user_db(self.work, [
            ("alice", self.alice_root, "rw", None),
            ("bob", self.bob_root, "ro", None),
        ], quick=False)
        self.pam_files = []

    def tearDown(self):
        super().tearDown()
        for p in self.pam_files:
            os.unlink("/etc/pam.d/" + p)
        shutil.rmtree(self.work, ignore_errors=True)

    def options(self, **more):
        opts = {"user_db": self.db,
                "user_deny_file": os.path.join(TOP, "etc", "user_deny")}
        opts.update(more)
        return opts

    def pam(self, lines):
        name = pam_service(lines)
        self.pam_files.append(name)
        return name

    def timed_login(self, user, password, c=None):
        """(reply code, seconds from PASS to its answer, client)."""
        if c is None:
            c = self.raw()
            self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("USER %s" % user)[0], 331)
        t0 = time.time()
        code = c.cmd("PASS %s" % password)[0]
        return code, time.time() - t0, c

    def refusal_time(self, user, password, tries=2):
        """Seconds from PASS to its 530, the least of a few tries: a
        difference the server makes shows in every try; a moment the
        test machine was busy (the other suite runs beside this one)
        does not."""
        best = None
        for _ in range(tries):
            code, dt, c = self.timed_login(user, password)
            c.close()
            self.assertEqual(code, 530, user)
            best = dt if best is None else min(best, dt)
        return best


class VirtualUsers(Accounts):

    def test_login_and_identity(self):
        s = self.start(self.options())
        f = harness.user_ftp(s, "alice")
        self.assertEqual(f.pwd(), "/")
        pid = s.session_pid(f.sock, "sandftpd-user")
        st = harness.proc_status(pid)
        uid, gid = harness.account_ids()
        self.assertEqual(st["Uid"].split()[0], str(uid))
        self.assertEqual(st["CapEff"], "0000000000000000")
        self.assertEqual(st["NoNewPrivs"], "1")
        self.assertEqual(st["Seccomp"], "2")
        s.wait_log(r"virtual user 'alice' logged in \(session \d+, uid %d, "
                   r"read-write\)" % uid)
        s.wait_log(r"user session sandbox: seccomp read-write session")
        # The root is the user's: the tree above it is out of sight.
        self.assertEqual(f.nlst(), [])
        with self.assertRaises(ftplib.error_perm):
            f.retrbinary("RETR ../bob/bob.txt", lambda b: None)
        f.quit()
        self.assert_no_deaths()

    def test_read_only_user(self):
        s = self.start(self.options())
        f = harness.user_ftp(s, "bob")
        got = []
        f.retrbinary("RETR bob.txt", got.append)
        self.assertEqual(b"".join(got), b"bob's\n")
        for cmd in ("DELE bob.txt", "MKD new", "RMD x", "RNFR bob.txt",
                    "SITE CHMOD 600 bob.txt", "MFMT 20200101000000 bob.txt",
                    "SITE UMASK 077"):
            with self.subTest(cmd=cmd):
                self.assertEqual(f.sendcmd("NOOP")[:3], "200")
                with self.assertRaises(ftplib.error_perm) as e:
                    f.sendcmd(cmd)
                self.assertTrue(str(e.exception).startswith("550"),
                                str(e.exception))
        with self.assertRaises(ftplib.error_perm) as e:
            f.storbinary("STOR new.txt", io.BytesIO(b"x"))
        self.assertTrue(str(e.exception).startswith("550"))
        self.assertEqual(sorted(os.listdir(self.bob_root)), ["bob.txt"])
        feat = f.sendcmd("FEAT")
        self.assertNotIn("MFMT", feat)
        help_text = f.sendcmd("HELP")
        for word in ("STOR", "DELE", "MKD", "RNFR", "MFMT"):
            self.assertNotRegex(help_text, r"\b%s\b" % word)
        self.assertIn("SITE commands: HELP", f.sendcmd("SITE HELP"))
        f.quit()
        s.wait_log(r"user session sandbox: seccomp read-only session")

    def test_writer_feat_and_help(self):
        s = self.start(self.options())
        f = harness.user_ftp(s, "alice")
        self.assertIn("MFMT", f.sendcmd("FEAT"))
        help_text = f.sendcmd("HELP")
        for word in ("STOR", "STOU", "APPE", "DELE", "MKD", "RMD", "RNFR",
                     "RNTO", "MFMT"):
            self.assertRegex(help_text, r"\b%s\b" % word)
        self.assertIn("CHMOD UMASK HELP", f.sendcmd("SITE HELP"))
        f.quit()

    def test_refusals_look_alike(self):
        """Wrong password, unknown name, anonymous when it is off: the
        same reply after the same delay; only the log says why."""
        s = self.start(self.options(anonymous="no"))
        seen = []
        for user, pw in (("alice", "wrong"), ("nosuchuser", "x"),
                         ("anonymous", "a@b"), ("root", "x")):
            with self.subTest(user=user):
                dt = self.refusal_time(user, pw)
                self.assertGreaterEqual(dt, 0.95)
                self.assertLess(dt, 1.6)
                seen.append(dt)
        self.assertLess(max(seen) - min(seen), 0.4, seen)
        s.wait_log(r"client 127\.0\.0\.1: login failed for user 'alice': "
                   r"wrong password")
        s.wait_log(r"login failed for user 'nosuchuser': no such user")
        s.wait_log(r"login failed for user 'anonymous': anonymous logins "
                   r"are off")

    def test_delay_grows_and_the_connection_ends(self):
        s = self.start(self.options(max_login_failures="3"))
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        times = []
        for i in range(2):
            code, dt, c = self.timed_login("alice", "wrong%d" % i, c)
            self.assertEqual(code, 530)
            times.append(dt)
        self.assertGreaterEqual(times[0], 0.95)
        self.assertGreaterEqual(times[1], 1.9)
        code, dt, c = self.timed_login("alice", "wrong", c)
        self.assertEqual(code, 530)
        self.assertGreaterEqual(dt, 3.9)
        self.assertEqual(c.reply()[0], 421)
        self.assertTrue(c.closed())
        # A good password on a fresh connection still works.
        f = harness.user_ftp(s, "alice")
        f.quit()

    def test_address_ban(self):
        s = self.start(self.options(login_fail_limit="3",
                                    login_fail_ban="4"))
        # Open before the ban, logged in only after it starts.
        early = self.raw()
        self.assertEqual(early.reply()[0], 220)
        clients = []
        for i in range(3):
            c = self.raw()
            self.assertEqual(c.reply()[0], 220)
            clients.append(c)
        threads = [threading.Thread(target=self.timed_login,
                                    args=("alice", "bad", c))
                   for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        s.wait_log(r"client 127\.0\.0\.1: refused for 4 seconds after 3 "
                   r"failed logins")
        self.assert_refused(self.raw(), "temporarily refused")
        # The ban holds on connections opened before it too: even the
        # right password is refused, and the connection ends.
        code, dt, early = self.timed_login("alice", harness.TEST_PASSWORD,
                                           early)
        self.assertEqual(code, 530)
        self.assertEqual(early.reply()[0], 421)
        self.assertTrue(early.closed())
        s.wait_log(r"login refused for user 'alice': the address is banned")
        # Another address is not affected.
        c = self.raw("127.0.0.2")
        self.assertEqual(c.reply()[0], 220)
        time.sleep(4.2)
        f = harness.user_ftp(s, "alice")
        f.quit()

    def test_user_db_reloaded_on_change_and_sighup(self):
        s = self.start(self.options())
        with self.assertRaises(ftplib.error_perm):
            harness.user_ftp(s, "carol")
        carol = harness.owned_dir(os.path.join(self.tree.root, "users",
                                               "carol"))
        with open(self.db, "a") as f:
            f.write("this line is broken\n")
            f.write("carol:%s:%s:%s:rw\n" % (harness.password_hash(),
                                             harness.account(), carol))
        time.sleep(1.1)
        harness.user_ftp(s, "carol").quit()
        s.wait_log(r"%s:4: expected NAME:HASH:ACCOUNT:ROOT:rw\|ro \(five "
                   r"fields\); line skipped" % re.escape(self.db))
        # Removed, then SIGHUP: gone at once.
        with open(self.db) as f:
            lines = [l for l in f if not l.startswith("carol:")]
        with open(self.db + ".new", "w") as f:
            f.writelines(lines)
        os.chmod(self.db + ".new", 0o644)
        os.rename(self.db + ".new", self.db)
        mark = s.mark()
        s.proc.send_signal(__import__("signal").SIGHUP)
        s.wait_log(r"user_db: .*: 2 entries", start=mark)
        with self.assertRaises(ftplib.error_perm):
            harness.user_ftp(s, "carol")
        harness.user_ftp(s, "alice").quit()

    def test_missing_root_refuses_that_login(self):
        gone = os.path.join(self.tree.root, "users", "gone")
        with open(self.db, "a") as f:
            f.write("dora:%s:%s:%s:rw\n" % (harness.password_hash(),
                                            harness.account(), gone))
        s = self.start(self.options())
        with self.assertRaises(ftplib.error_perm):
            harness.user_ftp(s, "dora")
        s.wait_log(r"login failed for user 'dora': the root directory")
        harness.user_ftp(s, "alice").quit()

    def test_name_with_control_characters_never_reaches_pam(self):
        s = self.start(self.options())
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        c.sock.sendall(b"USER al\x01ice\r\n")
        self.assertEqual(c.reply()[0], 331)
        self.assertEqual(c.cmd("PASS %s" % harness.TEST_PASSWORD)[0], 530)
        s.wait_log(r"login failed for user '.*': the name is empty or "
                   r"holds control characters")

    def test_root_that_is_the_whole_file_system_is_refused(self):
        # Not only "/" by name: any path that opens the top directory.
        with open(self.db, "a") as f:
            for name, root in (("slash", "/"), ("dot", "/."),
                               ("double", "//")):
                f.write("%s:%s:%s:%s:ro\n" % (name, harness.password_hash(),
                                              harness.account(), root))
        s = self.start(self.options())
        for name in ("slash", "dot", "double"):
            with self.subTest(user=name):
                with self.assertRaises(ftplib.error_perm):
                    harness.user_ftp(s, name)
                s.wait_log(r"login failed for user '%s': the user's root is "
                           r"/" % name)
        harness.user_ftp(s, "alice").quit()

    def test_sha512_crypt_hash(self):
        """Hashes made elsewhere (openssl passwd -6: sha512-crypt) work;
        an MD5 one ($1$) is refused with its line."""
        sha = subprocess.run(["openssl", "passwd", "-6", "sha-pass"],
                             capture_output=True, text=True, check=True,
                             timeout=10).stdout.strip()
        md5 = subprocess.run(["openssl", "passwd", "-1", "md5-pass"],
                             capture_output=True, text=True, check=True,
                             timeout=10).stdout.strip()
        self.assertTrue(sha.startswith("$6$"))
        with open(self.db, "a") as f:
            f.write("erin:%s:%s:%s:ro\n" % (sha, harness.account(),
                                            self.bob_root))
            f.write("fred:%s:%s:%s:ro\n" % (md5, harness.account(),
                                            self.bob_root))
        s = self.start(self.options())
        harness.user_ftp(s, "erin", "sha-pass").quit()
        with self.assertRaises(ftplib.error_perm):
            harness.user_ftp(s, "erin", "wrong")
        with self.assertRaises(ftplib.error_perm):
            harness.user_ftp(s, "fred", "md5-pass")
        s.wait_log(r"%s:5: the hash must be yescrypt" % re.escape(self.db))

    def test_hash_tool(self):
        h = harness.password_hash("another one")
        self.assertRegex(h, r"^\$y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]+\$"
                         r"[./A-Za-z0-9]{43}$")
        self.assertNotEqual(h, harness.password_hash())
        out = subprocess.run([harness.BINARY, "-P"], input="\n",
                             capture_output=True, text=True, timeout=10,
                             start_new_session=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("empty password", out.stderr)


@unittest.skipUnless(harness.IS_ROOT, "needs root: PAM, test accounts")
class SystemUsers(Accounts):
    """local_users through PAM: the shipped PAM file, under a test
    service name; the test accounts of run.py."""

    def setUp(self):
        super().setUp()
        if harness.UNPRIV:
            self.skipTest("system users need the server to run as root")
        self.user = harness.TEST_ACCOUNTS[0]
        self.home = os.path.expanduser("~" + self.user)
        os.chmod(self.home, 0o700)      # entered as its owner
        for name in os.listdir(self.home):
            if name.startswith("up-"):
                os.unlink(os.path.join(self.home, name))

    def sys_options(self, service=None, **more):
        return self.options(local_users="yes",
                            pam_service=service or
                            self.pam(shipped_pam_lines()), **more)

    def test_login_upload_identity(self):
        s = self.start(self.sys_options())
        f = harness.user_ftp(s, self.user)
        self.assertEqual(f.pwd(), "/")
        data = os.urandom(300000)
        f.storbinary("STOR up-1.bin", io.BytesIO(data))
        path = os.path.join(self.home, "up-1.bin")
        with open(path, "rb") as fh:
            self.assertEqual(fh.read(), data)
        st = os.stat(path)
        uid, gid = harness.account_ids(self.user)
        self.assertEqual((st.st_uid, st.st_gid), (uid, gid))
        self.assertEqual(st.st_mode & 0o777, 0o644)
        lines = []
        f.retrlines("LIST up-1.bin", lines.append)
        self.assertRegex(lines[0], r"^-rw-r--r-- +1 %s +\S+ +300000 " %
                         re.escape(self.user))
        pid = s.session_pid(f.sock, "sandftpd-user")
        st = harness.proc_status(pid)
        self.assertEqual(st["Uid"].split(), [str(uid)] * 4)
        self.assertEqual(st["Gid"].split(), [str(gid)] * 4)
        # The account's supplementary groups, as a login would have them.
        extra = __import__("grp").getgrnam(harness.TEST_GROUP).gr_gid
        self.assertEqual(sorted(int(g) for g in st["Groups"].split()),
                         sorted({gid, extra}))
        self.assertEqual(st["CapEff"], "0000000000000000")
        self.assertEqual(st["CapBnd"], "0000000000000000")
        self.assertEqual(st["NoNewPrivs"], "1")
        self.assertEqual(st["Seccomp"], "2")
        # The PAM session stays open as long as the FTP session.
        self.assertTrue(any(harness.proc_status(p).get("Name") ==
                            "sandftpd-auth" for p in s.pids()[1:]))
        f.quit()
        harness.wait_for(lambda: not any(
            (harness.proc_status(p) or {}).get("Name") == "sandftpd-auth"
            for p in s.pids()[1:]))
        s.wait_log(r"system user '%s' logged in" % self.user)
        self.assert_no_deaths()

    def auth_processes(self, s):
        return [p for p in s.pids()[1:]
                if (harness.proc_status(p) or {}).get("Name") ==
                "sandftpd-auth"]

    def test_rein_ends_the_pam_session(self):
        # Each login holds a PAM session in an authentication process;
        # REIN logs the user out, so it ends there, and the session's
        # end leaves no process behind, however many logins it had.
        s = self.start(self.sys_options())
        for _ in range(3):
            c = self.raw()
            self.assertEqual(c.reply()[0], 220)
            code, lines = c.login(self.user, harness.TEST_PASSWORD)
            self.assertEqual(code, 230, lines)
            self.assertEqual(len(self.auth_processes(s)), 1)
            self.assertEqual(c.cmd("REIN")[0], 220)
            self.assertTrue(harness.wait_for(
                lambda: not self.auth_processes(s), timeout=5),
                "REIN left the PAM session open")
            code, lines = c.login(self.user, harness.TEST_PASSWORD)
            self.assertEqual(code, 230, lines)
            self.assertEqual(c.cmd("QUIT")[0], 221)
            self.assertTrue(c.closed())
        self.assertTrue(harness.wait_for(
            lambda: not self.auth_processes(s), timeout=5),
            "authentication processes left after their sessions ended")
        self.assert_no_deaths()

    def test_deny_list_and_root_look_like_a_wrong_password(self):
        s = self.start(self.sys_options())
        times = {}
        for user, pw in ((self.user, "wrong"), ("root", "x"),
                         ("daemon", "x"), ("no-such-user", "x")):
            times[user] = self.refusal_time(user, pw)
        self.assertLess(max(times.values()) - min(times.values()), 0.4,
                        times)
        s.wait_log(r"login failed for user 'root': the name is in "
                   r"user_deny_file")
        s.wait_log(r"login failed for user '%s': PAM authentication" %
                   self.user)

    def test_locked_and_expired_accounts(self):
        s = self.start(self.sys_options())
        try:
            subprocess.run(["usermod", "-L", self.user], check=True)
            code, dt, c = self.timed_login(self.user, harness.TEST_PASSWORD)
            self.assertEqual(code, 530)
            c.close()
            subprocess.run(["usermod", "-U", self.user], check=True)
            subprocess.run(["chage", "-E", "0", self.user], check=True)
            code, dt, c = self.timed_login(self.user, harness.TEST_PASSWORD)
            self.assertEqual(code, 530)
            c.close()
            s.wait_log(r"login failed for user '%s': PAM account" %
                       self.user)
        finally:
            subprocess.run(["usermod", "-U", "-e", "", self.user])
        harness.user_ftp(s, self.user).quit()

    def test_stalled_pam_does_not_stall_others(self):
        stall = self.pam(["auth required pam_exec.so quiet /bin/sleep 30",
                          "account required pam_permit.so",
                          "session required pam_permit.so"])
        s = self.start(self.sys_options(stall, auth_timeout="3"))
        slow = self.raw()
        self.assertEqual(slow.reply()[0], 220)
        self.assertEqual(slow.cmd("USER %s" % self.user)[0], 331)
        slow.send("PASS %s\r\n" % harness.TEST_PASSWORD)
        time.sleep(0.3)         # its PAM conversation now sleeps
        t0 = time.time()
        fast = self.raw()
        self.assertEqual(fast.reply()[0], 220)
        self.assertEqual(fast.login()[0], 230)
        self.assertEqual(fast.cmd("TYPE I")[0], 200)
        self.assertEqual(harness.retr(fast, "README.txt"), b"Welcome.\n")
        self.assertLess(time.time() - t0, 1.0)
        # The stalled one is refused once auth_timeout is over.
        slow.sock.settimeout(10)
        self.assertEqual(slow.reply()[0], 530)
        s.wait_log(r"authentication process \d+ for user '%s' gave no "
                   r"verdict in 3 s; killing it" % self.user)

    def test_crashing_pam_refuses_that_login_only(self):
        script = os.path.join(self.work, "crash.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nkill -SEGV $PPID\nsleep 5\n")
        os.chmod(script, 0o755)
        crash = self.pam(["auth required pam_exec.so quiet %s" % script,
                          "account required pam_permit.so",
                          "session required pam_permit.so"])
        s = self.start(self.sys_options(crash))
        code, dt, c = self.timed_login(self.user, harness.TEST_PASSWORD)
        self.assertEqual(code, 530)
        s.wait_log(r"authentication process \d+: the authentication "
                   r"process died of signal 11")
        harness.user_ftp(s, "alice").quit()
        f = s.ftp()
        f.quit()


@unittest.skipUnless(shutil.which("fail2ban-regex"), "fail2ban not installed")
class Fail2ban(Accounts):
    """The shipped filter matches what the server really logs."""

    def test_filter_matches_failures(self):
        s = self.start(self.options(login_fail_limit="2",
                                    login_fail_ban="60"))
        for user in ("alice", "nosuchuser"):
            code, dt, c = self.timed_login(user, "wrong")
            self.assertEqual(code, 530)
            c.close()
        s.wait_log(r"refused for 60 seconds after 2 failed logins")
        log = os.path.join(self.work, "sandftpd.log")
        with open(log, "w") as f:
            f.write(s.log() + "\n")
        filt = os.path.join(TOP, "etc", "fail2ban", "filter.d",
                            "sandftpd.conf")
        out = subprocess.run(["fail2ban-regex", "--print-all-matched", log,
                              filt], capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        m = re.search(r"Failregex: (\d+) total", out.stdout)
        self.assertTrue(m, out.stdout)
        self.assertEqual(int(m.group(1)), 2, out.stdout)
        self.assertIn("127.0.0.1", out.stdout)
        # Successful logins never match.
        ok = os.path.join(self.work, "ok.log")
        with open(ok, "w") as f:
            f.write("\n".join(l for l in s.lines if "failed" not in l) +
                    "\n")
        out = subprocess.run(["fail2ban-regex", ok, filt],
                             capture_output=True, text=True, timeout=60)
        self.assertRegex(out.stdout, r"Failregex: 0 total")
