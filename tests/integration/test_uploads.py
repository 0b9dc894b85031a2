"""Uploads and the other write commands, by a read-write virtual user,
with real clients (ftplib passive and active, curl -T, lftp mirror -R),
bytes compared on disk; atomic uploads under killed clients, ABOR and a
full disk; anonymous uploads that are write-only.
"""
import ftplib
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import harness
from harness import OwnServer

HERE = os.path.dirname(os.path.abspath(__file__))


class Writer(OwnServer):
    """alice (rw) with her root in users/alice of the test tree."""

    extra = None

    def setUp(self):
        super().setUp()
        self.work = harness.workdir("sandftpd-up-")
        self.root, self.other = harness.user_roots(self.tree, "alice",
                                                   "other")
        with open(os.path.join(self.other, "private.txt"), "wb") as f:
            f.write(b"not alice's\n")
        self.db = harness.user_db(self.work, [
            ("alice", self.root, "rw", None)])
        opts = {"user_db": self.db}
        opts.update(self.extra or {})
        self.start(opts)

    def tearDown(self):
        # Every command ran inside the sandbox: no child died of a signal.
        if self.server:
            time.sleep(0.05)
            self.assert_no_deaths()
        super().tearDown()
        shutil.rmtree(self.work, ignore_errors=True)

    def login_raw(self, type_i=False):
        """A raw control connection, logged in as alice (TYPE I if
        type_i)."""
        c = self.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.cmd("USER alice")[0], 331)
        self.assertEqual(c.cmd("PASS %s" % harness.TEST_PASSWORD)[0], 230)
        if type_i:
            self.assertEqual(c.cmd("TYPE I")[0], 200)
        return c

    def ftp(self, encoding="utf-8"):
        f = harness.user_ftp(self.server, "alice", encoding=encoding)
        self.clients.append(f)
        return f

    def path(self, *rel):
        return os.path.join(self.root, *rel)

    def read(self, *rel):
        with open(self.path(*rel), "rb") as f:
            return f.read()

    def leftovers(self, d=None):
        return [n for n in os.listdir(d or self.root)
                if n.startswith(".sandftpd-")]


class WriteCommands(Writer):

    def test_stor_passive_and_active(self):
        data = os.urandom(2 * 1024 * 1024 + 17)
        f = self.ftp()
        self.assertTrue(f.storbinary("STOR p.bin", io.BytesIO(data))
                        .startswith("226"))
        f.set_pasv(False)
        self.assertTrue(f.storbinary("STOR a.bin", io.BytesIO(data))
                        .startswith("226"))
        self.assertEqual(self.read("p.bin"), data)
        self.assertEqual(self.read("a.bin"), data)
        uid, gid = harness.account_ids()
        for name in ("p.bin", "a.bin"):
            st = os.stat(self.path(name))
            self.assertEqual((st.st_uid, st.st_gid), (uid, gid))
            self.assertEqual(st.st_mode & 0o777, 0o644)
        self.assertEqual(self.leftovers(), [])
        self.assert_no_deaths()

    def test_overwrite_keeps_mode(self):
        f = self.ftp()
        f.storbinary("STOR x", io.BytesIO(b"one"))
        os.chmod(self.path("x"), 0o640)
        f.storbinary("STOR x", io.BytesIO(b"two, longer"))
        self.assertEqual(self.read("x"), b"two, longer")
        self.assertEqual(os.stat(self.path("x")).st_mode & 0o777, 0o640)

    def test_umask_key_and_site_umask(self):
        f = self.ftp()
        self.assertIn("022", f.sendcmd("SITE UMASK"))
        f.sendcmd("SITE UMASK 077")
        f.storbinary("STOR private", io.BytesIO(b"p"))
        f.sendcmd("MKD pdir")
        self.assertEqual(os.stat(self.path("private")).st_mode & 0o777,
                         0o600)
        self.assertEqual(os.stat(self.path("pdir")).st_mode & 0o777, 0o700)
        with self.assertRaises(ftplib.error_perm):
            f.sendcmd("SITE UMASK 999")

    def test_ascii_upload_converts_crlf(self):
        f = self.ftp()
        f.storlines("STOR t.txt", io.BytesIO(b"one\ntwo\n\nthree\n"))
        self.assertEqual(self.read("t.txt"), b"one\ntwo\n\nthree\n")
        # A bare CR, and a CRLF cut across reads, as a client sends them.
        f.sendcmd("TYPE A")
        with f.transfercmd("STOR raw.txt") as conn:
            conn.sendall(b"a\r")
            time.sleep(0.1)
            conn.sendall(b"\nb\rc\r\n")
        f.voidresp()
        self.assertEqual(self.read("raw.txt"), b"a\nb\rc\n")

    def test_ascii_upload_held_cr_before_a_full_read(self):
        # A CR at the end of one read is held; when the next read is a
        # whole buffer that does not start with LF, the CR and all of it
        # come out: one byte more than was read (the conversion buffer
        # was one byte short; the sanitizer build aborted here).  The
        # child is stopped while the second part queues, so that it
        # comes in one full read.
        f = self.ftp()
        f.sendcmd("TYPE A")
        pid = self.server.session_pid(f.sock)
        big = b"X" * (4 << 20)
        with f.transfercmd("STOR cr.txt") as conn:
            conn.sendall(big)           # the receive window grows
            conn.sendall(b"ab\r")
            time.sleep(0.5)             # read: the CR is held
            os.kill(pid, signal.SIGSTOP)
            try:
                conn.sendall(big)
                time.sleep(0.2)
            finally:
                os.kill(pid, signal.SIGCONT)
        f.voidresp()
        self.assertEqual(self.read("cr.txt"), big + b"ab\r" + big)

    def test_rest_stor_resumes(self):
        f = self.ftp()
        f.storbinary("STOR r.bin", io.BytesIO(b"0123456789"))
        f.storbinary("STOR r.bin", io.BytesIO(b"ABCDEFGH"), rest=4)
        self.assertEqual(self.read("r.bin"), b"0123ABCDEFGH")
        with self.assertRaises(ftplib.error_perm) as e:
            f.storbinary("STOR r.bin", io.BytesIO(b"x"), rest=100)
        self.assertTrue(str(e.exception).startswith("554"))
        self.assertEqual(self.read("r.bin"), b"0123ABCDEFGH")
        # In TYPE A a marker counts CRLF lines as sent, not the file's
        # bytes: refused, the file as it was; the next STOR starts anew.
        f.storbinary("STOR t.txt", io.BytesIO(b"a\nb\n"))
        f.sendcmd("TYPE A")
        with self.assertRaises(ftplib.error_perm) as e:
            f.transfercmd("STOR t.txt", rest=3)
        self.assertTrue(str(e.exception).startswith("554"), str(e.exception))
        self.assertEqual(self.read("t.txt"), b"a\nb\n")
        f.storlines("STOR t.txt", io.BytesIO(b"c\r\n"))
        self.assertEqual(self.read("t.txt"), b"c\n")

    def test_appe(self):
        f = self.ftp()
        f.storbinary("APPE log.txt", io.BytesIO(b"first\n"))
        f.storbinary("APPE log.txt", io.BytesIO(b"second\n"))
        self.assertEqual(self.read("log.txt"), b"first\nsecond\n")

    def stou(self, c, arg, data_bytes):
        data = harness.pasv_from_own_address(c)
        code, lines = c.cmd(("STOU " + arg).strip())
        self.assertEqual(code, 150, lines)
        # RFC 1123 4.1.2.9: the preliminary reply names the file.
        name = re.match(r"150 FILE: (\S+)$", lines[0]).group(1)
        data.sendall(data_bytes)
        data.close()
        code, lines = c.reply()
        self.assertEqual(code, 226, lines)
        self.assertIn("stored as %s" % name, lines[0])
        return name

    def test_stou(self):
        c = self.login_raw(type_i=True)
        first = self.stou(c, "", b"one")
        second = self.stou(c, "", b"two")
        self.assertNotEqual(first, second)
        with open(self.path("name"), "wb") as fh:
            fh.write(b"taken")
        self.assertEqual(self.stou(c, "name", b"three"), "name.1")
        self.assertEqual(self.read(first), b"one")
        self.assertEqual(self.read(second), b"two")
        self.assertEqual(self.read("name"), b"taken")
        self.assertEqual(self.read("name.1"), b"three")

    def test_mkd_rmd_dele(self):
        f = self.ftp()
        self.assertEqual(f.sendcmd('MKD a "b"'), '257 "/a ""b""" created.')
        self.assertTrue(os.path.isdir(self.path('a "b"')))
        f.cwd('a "b"')
        self.assertEqual(f.sendcmd("XMKD sub"), '257 "/a ""b""/sub" '
                         'created.')
        f.storbinary("STOR sub/f", io.BytesIO(b"f"))
        with self.assertRaises(ftplib.error_perm) as e:
            f.sendcmd("RMD sub")
        self.assertIn("not empty", str(e.exception))
        self.assertTrue(f.sendcmd("DELE sub/f").startswith("250"))
        self.assertTrue(f.sendcmd("XRMD sub").startswith("250"))
        with self.assertRaises(ftplib.error_perm):
            f.sendcmd("DELE nothing-here")
        with self.assertRaises(ftplib.error_perm):
            f.sendcmd("RMD /")
        self.assertEqual(os.listdir(self.path('a "b"')), [])

    def test_rename(self):
        f = self.ftp()
        f.storbinary("STOR old", io.BytesIO(b"content"))
        f.sendcmd("MKD d")
        self.assertTrue(f.sendcmd("RNFR old").startswith("350"))
        self.assertTrue(f.sendcmd("RNTO d/new").startswith("250"))
        self.assertEqual(self.read("d", "new"), b"content")
        self.assertFalse(os.path.exists(self.path("old")))
        # RNTO without RNFR, and with a command between them: 503.
        with self.assertRaises(ftplib.error_perm) as e:
            f.sendcmd("RNTO x")
        self.assertTrue(str(e.exception).startswith("503"))
        f.sendcmd("RNFR d/new")
        f.sendcmd("NOOP")
        with self.assertRaises(ftplib.error_perm) as e:
            f.sendcmd("RNTO x")
        self.assertTrue(str(e.exception).startswith("503"))
        self.assertTrue(os.path.exists(self.path("d", "new")))
        with self.assertRaises(ftplib.error_perm) as e:
            f.sendcmd("RNFR missing")
        self.assertTrue(str(e.exception).startswith("550"))

    def test_mlsx_perm_shows_what_a_writer_may_do(self):
        # RFC 3659 §7.5.5: a writer's own file may be appended, deleted,
        # renamed, read and written; its own directory entered, listed,
        # filled, removed and renamed.
        if not harness.privileged():
            # The daemon runs as nobody, whose uid is the overflow id a
            # child cannot tell from an unmapped owner: it goes by the
            # "other" bits only (rights.h).
            self.skipTest("owner not known to an unprivileged daemon")
        f = self.ftp()
        f.storbinary("STOR mine.txt", io.BytesIO(b"m"))
        f.sendcmd("MKD sub")
        facts = {n: fx for n, fx in f.mlsd(facts=["perm"])}
        self.assertEqual(facts["mine.txt"]["perm"], "adfrw")
        self.assertEqual(facts["sub"]["perm"], "cdeflmp")
        self.assertIn("perm=adfrw;", f.sendcmd("MLST mine.txt"))
        f.sendcmd("SITE CHMOD 444 mine.txt")
        self.assertIn("perm=dfr;", f.sendcmd("MLST mine.txt"))

    def test_mfmt_and_site_chmod(self):
        f = self.ftp()
        f.storbinary("STOR m", io.BytesIO(b"m"))
        self.assertEqual(f.sendcmd("MFMT 20200229123456 m"),
                         "213 Modify=20200229123456; /m")
        self.assertEqual(int(os.stat(self.path("m")).st_mtime), 1582979696)
        self.assertEqual(f.sendcmd("MDTM m"), "213 20200229123456")
        self.assertEqual(f.sendcmd("MDTM 20010203040506 m")[:3], "213")
        self.assertEqual(f.sendcmd("MDTM m"), "213 20010203040506")
        for bad in ("MFMT 20210229000000 m", "MFMT 2020 m",
                    "MFMT 20201301000000 m", "MFMT 20200101000000"):
            with self.subTest(bad=bad):
                with self.assertRaises(ftplib.error_perm) as e:
                    f.sendcmd(bad)
                self.assertTrue(str(e.exception).startswith("501"))
        self.assertTrue(f.sendcmd("SITE CHMOD 640 m").startswith("200"))
        self.assertEqual(os.stat(self.path("m")).st_mode & 0o7777, 0o640)
        for bad in ("SITE CHMOD 4755 m", "SITE CHMOD abc m",
                    "SITE CHMOD 644"):
            with self.subTest(bad=bad):
                with self.assertRaises(ftplib.error_perm) as e:
                    f.sendcmd(bad)
                self.assertTrue(str(e.exception).startswith("501"))
        self.assertEqual(os.stat(self.path("m")).st_mode & 0o7777, 0o640)

    def test_names_are_bytes(self):
        """GBK and Shift-JIS names, not UTF-8, stored and listed as sent."""
        f = self.ftp(encoding="latin-1")
        names = ["\u00b2\u00e2\u00ca\u00d4.txt",     # GBK bytes b2e2cad4
                 "\u0083e\u0083X\u0083g",            # Shift-JIS "テスト"
                 "caf\u00e9 x"]
        for n in names:
            f.storbinary("STOR " + n, io.BytesIO(n.encode("latin-1")))
        on_disk = sorted(os.listdir(os.fsencode(self.root)))
        self.assertEqual(on_disk, sorted(n.encode("latin-1") for n in names))
        for n in names:
            with open(os.path.join(os.fsencode(self.root),
                                   n.encode("latin-1")), "rb") as fh:
                self.assertEqual(fh.read(), n.encode("latin-1"))
        self.assertEqual(sorted(f.nlst()), sorted(names))
        f.sendcmd("MKD " + names[0] + ".d")
        self.assertTrue(os.path.isdir(os.path.join(
            os.fsencode(self.root), names[0].encode("latin-1") + b".d")))
        # Byte 0xff is Telnet's IAC: a client sends it doubled (RFC 959,
        # RFC 2640), it lands once, and the reply doubles it again.
        c = self.login_raw()
        c.sock.sendall(b"MKD y\xff\xffz\r\n")
        self.assertEqual(c.file.readline(), b'257 "/y\xff\xffz" created.\r\n')
        self.assertTrue(os.path.isdir(os.path.join(os.fsencode(self.root),
                                                   b"y\xffz")))

    def test_outside_the_root(self):
        """../, absolute paths and a symbolic link out all stay inside."""
        os.symlink(self.other, self.path("link-out"))
        os.symlink("/etc", self.path("abs-out"))
        f = self.ftp()
        for name in ("../other/evil", "/../other/evil", "../../evil",
                     "link-out/evil"):
            with self.subTest(name=name):
                try:
                    f.storbinary("STOR " + name, io.BytesIO(b"evil"))
                except ftplib.error_perm:
                    pass
        self.assertEqual(sorted(os.listdir(self.other)), ["private.txt"])
        self.assertFalse(os.path.exists(os.path.join(self.tree.root,
                                                     "users", "evil")))
        self.assertFalse(os.path.exists(os.path.join(self.tree.root,
                                                     "evil")))
        for name in ("../other/private.txt", "link-out/private.txt",
                     "abs-out/passwd", "/etc/passwd"):
            with self.subTest(read=name):
                with self.assertRaises(ftplib.error_perm):
                    f.retrbinary("RETR " + name, lambda b: None)
        for cmd in ("DELE ../other/private.txt", "RNFR ../other/private.txt",
                    "SITE CHMOD 777 ../other/private.txt",
                    "DELE link-out/private.txt"):
            with self.subTest(cmd=cmd):
                with self.assertRaises(ftplib.error_perm):
                    f.sendcmd(cmd)
        self.assertTrue(os.path.exists(os.path.join(self.other,
                                                    "private.txt")))
        self.assertEqual(os.stat(os.path.join(self.other, "private.txt"))
                         .st_mode & 0o777, 0o644)

    def test_curl_upload(self):
        src = os.path.join(self.work, "curl.bin")
        data = os.urandom(777777)
        with open(src, "wb") as fh:
            fh.write(data)
        url = "ftp://alice:%s@127.0.0.1:%d/curl.bin" % (
            harness.TEST_PASSWORD, self.server.port)
        subprocess.run(["curl", "-sS", "--max-time", "30", "-T", src, url],
                       check=True, timeout=40)
        self.assertEqual(self.read("curl.bin"), data)
        subprocess.run(["curl", "-sS", "--max-time", "30", "-P", "-", "-T",
                        src, url.replace("curl.bin", "curl-active.bin")],
                       check=True, timeout=40)
        self.assertEqual(self.read("curl-active.bin"), data)

    @unittest.skipUnless(shutil.which("lftp"), "lftp not installed")
    def test_lftp_mirror_reverse_with_utf8_names(self):
        src = os.path.join(self.work, "src")
        files = {
            "新文件夹/テスト.txt": "こんにちは\n".encode(),
            "Ünïcödé/ça va.bin": os.urandom(65536),
            "plain/deep/x.txt": b"x\n",
            "top.txt": b"top\n",
        }
        for rel, data in files.items():
            p = os.path.join(src, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as fh:
                fh.write(data)
        script = ("set cmd:fail-exit yes; set net:max-retries 1; "
                  "set net:timeout 10; open -u alice,%s -p %d 127.0.0.1; "
                  "mirror -R --no-perms %s /up; bye" % (
                      harness.TEST_PASSWORD, self.server.port, src))
        out = subprocess.run(["lftp", "-c", script], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        for rel, data in files.items():
            with self.subTest(rel=rel):
                self.assertEqual(self.read("up", *rel.split("/")), data)
        self.assertEqual(self.leftovers(self.path("up")), [])


class ClientReplays(Writer):
    """What real clients send, replayed byte for byte."""

    def test_windows_ftp_exe_ascii_upload_through_port(self):
        """Windows' ftp.exe: active mode (PORT), TYPE A (its default),
        XPWD/XMKD, a text file with CRLF line ends."""
        c = self.login_raw()
        self.assertEqual(c.cmd("XPWD")[0], 257)
        self.assertEqual(c.cmd("XMKD docs")[0], 257)
        self.assertEqual(c.cmd("CWD docs")[0], 250)
        self.assertEqual(c.cmd("TYPE A")[0], 200)
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        port = lsock.getsockname()[1]
        self.assertEqual(c.cmd("PORT 127,0,0,1,%d,%d" %
                               (port >> 8, port & 255))[0], 200)
        c.send("STOR notes.txt\r\n")
        conn, _ = lsock.accept()
        self.assertEqual(c.reply()[0], 150)
        conn.sendall(b"line one\r\nline two\r\n\r\nlast\r\n")
        conn.close()
        lsock.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(self.read("docs", "notes.txt"),
                         b"line one\nline two\n\nlast\n")
        self.assertEqual(c.cmd("QUIT")[0], 221)

    def test_gui_client_upload_into_a_chinese_directory(self):
        """FileZilla's order: OPTS UTF8 ON, MKD and CWD of a UTF-8 name,
        TYPE I, PASV, STOR, then MFMT to keep the local time."""
        c = self.login_raw()
        self.assertEqual(c.cmd("OPTS UTF8 ON")[0], 200)
        self.assertEqual(c.cmd("FEAT")[0], 211)
        self.assertEqual(c.cmd("MKD /新文件夹")[0], 257)
        self.assertEqual(c.cmd("CWD /新文件夹")[0], 250)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        data = harness.pasv_from_own_address(c)
        self.assertEqual(c.cmd("STOR 报告.pdf")[0], 150)
        blob = os.urandom(100000)
        data.sendall(blob)
        data.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.cmd("MFMT 20240102030405 报告.pdf")[0], 213)
        p = self.path("新文件夹", "报告.pdf")
        self.assertEqual(self.read("新文件夹", "报告.pdf"), blob)
        self.assertEqual(int(os.stat(p).st_mtime), 1704164645)
        code, lines = c.cmd("MLST 报告.pdf")
        self.assertEqual(code, 250)
        self.assertIn("size=100000;", lines[1])
        self.assertIn("modify=20240102030405", lines[1])


class Listings(Writer):
    extra = {"hide_ids": "no"}

    def test_owner_names(self):
        f = self.ftp()
        f.storbinary("STOR mine", io.BytesIO(b"m"))
        lines = []
        f.retrlines("LIST mine", lines.append)
        self.assertRegex(lines[0], r"^-rw-r--r-- +1 %s +\S+ +1 " %
                         re.escape(harness.account()))


class HiddenIds(Writer):
    extra = {"hide_ids": "yes"}

    def test_ftp_ftp(self):
        f = self.ftp()
        f.storbinary("STOR mine", io.BytesIO(b"m"))
        f.sendcmd("MKD d")
        lines = []
        f.retrlines("LIST", lines.append)
        self.assertEqual(len(lines), 2)
        for l in lines:
            self.assertRegex(l, r"^[-d]\S{9} +\d+ ftp +ftp +\d+ ")


class AtomicUploads(Writer):
    """What was there survives every upload that does not finish."""

    def start_upload(self, name, first):
        """A raw session that sent `first` bytes of a STOR of name and is
        still sending; (control client, data socket)."""
        c = self.login_raw(type_i=True)
        data = harness.pasv_from_own_address(c)
        code, lines = c.cmd("STOR %s" % name)
        self.assertEqual(code, 150, lines)
        data.sendall(first)
        harness.wait_for(lambda: len(self.leftovers()) == 1)
        return c, data

    def keep_old(self):
        with open(self.path("f.bin"), "wb") as fh:
            fh.write(b"old contents\n")
        uid, gid = harness.account_ids()
        if harness.IS_ROOT:
            os.chown(self.path("f.bin"), uid, gid)

    def assert_old_intact(self):
        harness.wait_for(lambda: self.leftovers() == [])
        self.assertEqual(self.read("f.bin"), b"old contents\n")
        self.assertEqual(self.leftovers(), [])

    def test_killed_client_leaves_the_old_file(self):
        self.keep_old()
        code = (
            "import ftplib, sys, time\n"
            "f = ftplib.FTP(timeout=10)\n"
            "f.connect('127.0.0.1', %d)\n"
            "f.login('alice', %r)\n"
            "f.voidcmd('TYPE I')\n"
            "conn = f.transfercmd('STOR f.bin')\n"
            "conn.sendall(b'N' * 300000)\n"
            "print('sent', flush=True)\n"
            "time.sleep(60)\n" % (self.server.port, harness.TEST_PASSWORD))
        p = subprocess.Popen([sys.executable, "-c", code],
                             stdout=subprocess.PIPE, text=True)
        self.assertEqual(p.stdout.readline().strip(), "sent")
        harness.wait_for(lambda: len(self.leftovers()) == 1)
        p.kill()
        p.wait()
        self.assert_old_intact()
        # Seen as the control connection's end, or the data's.
        self.server.wait_log(r"STOR /f\.bin: \d+ bytes \((client gone|"
                             r"session ended|incomplete); discarded\)")

    def test_client_closes_control_then_data(self):
        self.keep_old()
        c, data = self.start_upload("f.bin", b"partial" * 1000)
        c.close()
        time.sleep(0.2)
        data.close()
        self.assert_old_intact()

    def test_quit_during_the_upload_completes_it(self):
        # RFC 959: QUIT during a transfer waits for its end.  A client
        # that says QUIT, closes its side of the control connection and
        # then ends the data gets its file, 226 and 221.
        self.keep_old()
        c, data = self.start_upload("f.bin", b"whole" * 1000)
        c.send("QUIT\r\n")
        c.sock.shutdown(socket.SHUT_WR)
        time.sleep(0.2)
        data.sendall(b"end")
        data.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.reply()[0], 221)
        self.assertEqual(self.read("f.bin"), b"whole" * 1000 + b"end")
        self.assertEqual(self.leftovers(), [])

    def test_abor_leaves_the_old_file(self):
        self.keep_old()
        c, data = self.start_upload("f.bin", b"partial" * 1000)
        c.send("ABOR\r\n")
        self.assertEqual(c.reply()[0], 426)
        self.assertEqual(c.reply()[0], 226)
        data.close()
        self.assert_old_intact()
        # The session goes on.
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_data_reset_leaves_the_old_file(self):
        self.keep_old()
        c, data = self.start_upload("f.bin", b"partial" * 1000)
        data.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        b"\x01\x00\x00\x00\x00\x00\x00\x00")
        data.close()            # RST
        self.assertEqual(c.reply()[0], 426)
        self.assert_old_intact()

    def test_concurrent_uploads_of_one_name(self):
        blobs = [bytes([i]) * (1024 * 1024 + i) for i in range(4)]

        def put(blob):
            f = harness.user_ftp(self.server, "alice")
            f.storbinary("STOR same.bin", io.BytesIO(blob), blocksize=8192)
            f.quit()
        threads = [threading.Thread(target=put, args=(b,)) for b in blobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertIn(self.read("same.bin"), blobs)
        self.assertEqual(self.leftovers(), [])

    def test_upload_in_progress_is_out_of_reach(self):
        # While one session uploads, its temporary file is in the
        # directory; another session neither sees nor touches it.
        up = self.ftp()
        up.voidcmd("TYPE I")
        conn = up.transfercmd("STOR big.bin")
        conn.sendall(b"p" * 65536)
        deadline = time.time() + 10
        while not self.leftovers() and time.time() < deadline:
            time.sleep(0.05)
        temp = self.leftovers()
        self.assertEqual(len(temp), 1, temp)
        temp = temp[0]
        f = self.ftp()
        self.assertNotIn(temp, [n for n, _ in f.mlsd()])
        lines = []
        f.retrlines("LIST -a", lines.append)
        self.assertFalse([l for l in lines if temp in l], lines)
        with self.assertRaises(ftplib.error_perm):   # matches nothing
            f.nlst(".sandftpd-*")
        for cmd in ("RETR", "APPE", "STOR", "SIZE", "MLST", "DELE", "RNFR",
                    "SITE CHMOD 644"):
            with self.subTest(cmd=cmd):
                line = "%s %s" % (cmd, temp)
                with self.assertRaises(ftplib.error_perm) as e:
                    if cmd == "RETR":
                        f.retrbinary(line, lambda b: None)
                    elif cmd in ("APPE", "STOR"):
                        f.storbinary(line, io.BytesIO(b"x"))
                    else:
                        f.sendcmd(line)
                self.assertTrue(str(e.exception).startswith("550"),
                                "%s: %s" % (line, e.exception))
        f.storbinary("STOR mine.txt", io.BytesIO(b"m"))
        f.sendcmd("RNFR mine.txt")
        with self.assertRaises(ftplib.error_perm) as e:
            f.sendcmd("RNTO " + temp)
        self.assertTrue(str(e.exception).startswith("550"), str(e.exception))
        conn.sendall(b"q" * 1000)
        conn.close()
        up.voidresp()
        self.assertEqual(self.read("big.bin"), b"p" * 65536 + b"q" * 1000)
        self.assertEqual(self.leftovers(), [])


class NonAtomicUploads(Writer):
    extra = {"atomic_uploads": "no", "upload_fsync": "no"}

    def test_stor_writes_in_place_and_a_failure_removes_it(self):
        f = self.ftp()
        f.storbinary("STOR in-place", io.BytesIO(b"whole"))
        self.assertEqual(self.read("in-place"), b"whole")
        c = self.login_raw()
        data = harness.pasv_from_own_address(c)
        self.assertEqual(c.cmd("STOR fresh")[0], 150)
        data.sendall(b"half")
        harness.wait_for(lambda: os.path.exists(self.path("fresh")))
        c.send("ABOR\r\n")
        self.assertEqual(c.reply()[0], 426)
        data.close()
        harness.wait_for(lambda: not os.path.exists(self.path("fresh")))




@unittest.skipUnless(shutil.which("strace") and harness.IS_ROOT,
                     "needs strace, and root to trace a session child")
class FlushedDirectory(Writer):
    """upload_fsync: the directory is flushed after the rename (or after
    a new file is made in place) and before the 226.  No test can cut
    the power: strace shows the calls and their order, made by the
    sandboxed session child itself."""

    CALLS = "openat,fsync,fdatasync,renameat,renameat2,sendto"

    def traced(self, c, work):
        """Run work() with strace attached to c's session child; the
        trace's lines."""
        pid = self.server.session_pid(c.sock, "sandftpd-user")
        out = os.path.join(self.work, "trace")
        tracer = subprocess.Popen(
            ["strace", "-s", "64", "-e", "trace=" + self.CALLS,
             "-o", out, "-p", str(pid)], stderr=subprocess.PIPE, text=True)
        try:
            said = tracer.stderr.readline()
            self.assertIn("attached", said)
            work()
        finally:
            tracer.send_signal(signal.SIGINT)
            tracer.wait(10)
        with open(out) as fh:
            return fh.read().splitlines()

    def assert_flushed_before_226(self, lines, name_call):
        """name_call: the index of the call that made the new name."""
        fd = None
        for i, l in enumerate(lines[name_call:], name_call):
            # Not the O_PATH descriptor (fsync refuses it): one that
            # reads the directory.
            m = re.match(r'openat\(\d+, "\.", ([A-Z_|]+)\) += (\d+)$', l)
            flags = m.group(1).split("|") if m else []
            if "O_DIRECTORY" in flags and "O_PATH" not in flags:
                fd = m.group(2)
                break
        self.assertIsNotNone(fd, "no directory opened after the new "
                             "name:\n" + "\n".join(lines))
        done = [j for j, l in enumerate(lines)
                if j > i and re.match(r"fsync\(%s\) += 0$" % fd, l)]
        self.assertTrue(done, "\n".join(lines))
        ok = [j for j, l in enumerate(lines) if '"226 ' in l]
        self.assertTrue(ok, "\n".join(lines))
        self.assertLess(done[0], ok[-1], "\n".join(lines))

    def test_rename_and_new_file_are_flushed(self):
        c = self.login_raw(type_i=True)

        def put(cmd):
            def work():
                data = harness.pasv_from_own_address(c)
                self.assertEqual(c.cmd(cmd)[0], 150)
                data.sendall(b"flushed\n")
                data.close()
                self.assertEqual(c.reply()[0], 226)
            return work
        # Atomic STOR: fsync of the temporary, the rename, the directory.
        lines = self.traced(c, put("STOR f.bin"))
        renames = [i for i, l in enumerate(lines)
                   if re.match(r'renameat2?\(\d+, "\.sandftpd-[0-9a-f]+'
                               r'\.part", \d+, "f\.bin".*\) = 0$', l)]
        self.assertTrue(renames, "\n".join(lines))
        file_syncs = [i for i, l in enumerate(lines)
                      if re.match(r"fsync\(\d+\) += 0$", l)]
        self.assertLess(file_syncs[0], renames[0], "\n".join(lines))
        self.assert_flushed_before_226(lines, renames[0])
        # APPE of a new name: the file is made in place.
        lines = self.traced(c, put("APPE new.bin"))
        made = [i for i, l in enumerate(lines)
                if re.match(r'openat\(\d+, "new\.bin", O_WRONLY\|'
                            r'O_CREAT\|.*O_APPEND.*\) += \d+$', l)]
        self.assertTrue(made, "\n".join(lines))
        self.assert_flushed_before_226(lines, made[0])
        self.assertEqual(self.read("f.bin"), b"flushed\n")
        self.assertEqual(self.read("new.bin"), b"flushed\n")
        self.assert_no_deaths()


class NoDataConnectionBase(Writer):
    """A write command whose data connection never comes (nobody
    connects to the passive port within data_timeout, or ABOR while the
    server waits for it) leaves the tree as it was: a REST + STOR does
    not cut the file, an APPE of a new name makes none, a STOR in place
    (atomic_uploads = no) does not empty the old file."""

    extra = {"data_timeout": "1"}
    old = b"0123456789"

    def keep_old(self, name):
        with open(self.path(name), "wb") as fh:
            fh.write(self.old)
        uid, gid = harness.account_ids()
        if harness.IS_ROOT:
            os.chown(self.path(name), uid, gid)

    def timed_out(self, *cmds):
        """cmds after an EPSV nobody connects to: the last one gets no
        data connection (425, and the session goes on)."""
        c = self.login_raw(type_i=True)
        self.assertEqual(c.cmd("EPSV")[0], 229)
        for cmd in cmds[:-1]:
            self.assertEqual(c.cmd(cmd)[0], 350)
        code, lines = c.cmd(cmds[-1])
        self.assertEqual(code, 425, lines)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def aborted(self, *cmds):
        """The same, ended by ABOR while the server waits: 426, 226, and
        the session goes on."""
        c = self.login_raw(type_i=True)
        self.assertEqual(c.cmd("EPSV")[0], 229)
        for cmd in cmds[:-1]:
            self.assertEqual(c.cmd(cmd)[0], 350)
        c.send(cmds[-1] + "\r\n")
        time.sleep(0.2)
        c.send("ABOR\r\n")
        self.assertEqual(c.reply()[0], 426)
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def assert_old(self, name):
        self.assertEqual(os.path.getsize(self.path(name)), len(self.old))
        self.assertEqual(self.read(name), self.old)


class NoDataConnection(NoDataConnectionBase):

    def test_rest_stor_timeout_keeps_the_file(self):
        self.keep_old("r.bin")
        self.timed_out("REST 4", "STOR r.bin")
        self.assert_old("r.bin")

    def test_rest_stor_abor_keeps_the_file(self):
        self.keep_old("r.bin")
        self.aborted("REST 4", "STOR r.bin")
        self.assert_old("r.bin")

    def test_appe_of_a_new_name_timeout_makes_no_file(self):
        self.timed_out("APPE new.bin")
        self.assertFalse(os.path.exists(self.path("new.bin")))

    def test_appe_of_a_new_name_abor_makes_no_file(self):
        self.aborted("APPE new.bin")
        self.assertFalse(os.path.exists(self.path("new.bin")))
        # With a data connection it still makes the file.
        f = self.ftp()
        f.storbinary("APPE new.bin", io.BytesIO(b"made"))
        self.assertEqual(self.read("new.bin"), b"made")


class NoDataConnectionInPlace(NoDataConnectionBase):
    extra = {"data_timeout": "1", "atomic_uploads": "no"}

    def test_stor_in_place_abor_keeps_the_file(self):
        self.keep_old("p.bin")
        self.aborted("STOR p.bin")
        self.assert_old("p.bin")
        self.assertEqual(self.leftovers(), [])


class FileSizeLimit(Writer):
    """The daemon runs with a finite RLIMIT_FSIZE (64 KiB), which the
    children that write inherit: an upload past it is refused (552), the
    session lives on, no temporary is left."""

    LIMIT = 64 * 1024

    def start(self, options=None, binary=None, **kw):
        return super().start(options, binary, fsize=self.LIMIT, **kw)

    def test_upload_past_the_limit_gets_552(self):
        f = self.ftp()
        try:
            f.storbinary("STOR big.bin", io.BytesIO(b"b" * (4 * self.LIMIT)))
            self.fail("an upload past RLIMIT_FSIZE succeeded")
        except ftplib.error_perm as e:
            text = str(e)
        except OSError:         # the server stopped reading
            with self.assertRaises(ftplib.error_perm) as e:
                f.getresp()
            text = str(e.exception)
        self.assertTrue(text.startswith("552"), text)
        self.assertIn("File too large", text)
        self.assertEqual(f.sendcmd("NOOP")[:3], "200")
        harness.wait_for(lambda: self.leftovers() == [])
        self.assertEqual(self.leftovers(), [])
        self.assertFalse(os.path.exists(self.path("big.bin")))
        # Below the limit, the same session still stores.
        f.storbinary("STOR small.bin", io.BytesIO(b"s" * 1000))
        self.assertEqual(self.read("small.bin"), b"s" * 1000)
        self.assert_no_deaths()

    def test_master_lives_on_when_its_log_reaches_the_limit(self):
        # The master's own files meet the limit too: its xferlog line is
        # refused (EFBIG); the master, and every session, goes on.
        self.server.stop()
        logs = harness.workdir("sandftpd-logs-")
        self.addCleanup(shutil.rmtree, logs, True)
        xferlog = os.path.join(logs, "xfer.log")
        with open(xferlog, "wb") as fh:
            fh.write(b"#" * (self.LIMIT - 20) + b"\n")
        if harness.IS_ROOT and harness.UNPRIV:     # the master's files
            os.chown(logs, harness.NOBODY, harness.NOBODY)
            os.chown(xferlog, harness.NOBODY, harness.NOBODY)
        self.start({"user_db": self.db, "xferlog_file": xferlog})
        f = self.ftp()
        for i in range(3):
            f.storbinary("STOR x%d" % i, io.BytesIO(b"x"))
        self.assertLessEqual(os.path.getsize(xferlog), self.LIMIT)
        self.assertIsNone(self.server.proc.poll(), "the master died")
        self.assertEqual(f.sendcmd("NOOP")[:3], "200")
        g = self.ftp()
        self.assertEqual(g.pwd(), "/")


@unittest.skipUnless(harness.IS_ROOT, "mounting a tmpfs needs root")
class FullDisk(Writer):
    """A 1 MiB tmpfs as alice's root."""

    def setUp(self):
        self.mnt = None
        super().setUp()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755",
                        "tmpfs", self.root], check=True)
        self.mnt = self.root
        harness.owned_dir(self.root)

    def tearDown(self):
        super().tearDown()
        if self.mnt:
            subprocess.run(["umount", "-l", self.mnt])

    def stor_expect_full(self, f, cmd, data):
        """The upload fails on a full disk: the reply (the server may
        reset the data connection first, as it stops reading)."""
        try:
            f.storbinary(cmd, io.BytesIO(data))
        except ftplib.error_temp as e:
            return str(e)
        except OSError:
            with self.assertRaises(ftplib.error_temp) as e:
                f.getresp()
            return str(e.exception)
        self.fail("%s succeeded on a full disk" % cmd)

    def test_full_disk_gives_452_and_keeps_nothing(self):
        f = self.ftp()
        text = self.stor_expect_full(f, "STOR big.bin", os.urandom(3 << 20))
        self.assertTrue(text.startswith("452"), text)
        self.assertIn("nothing was stored", text)
        self.assertEqual(os.listdir(self.root), [])
        # Room again for a small one: the session still works.
        f.storbinary("STOR small.bin", io.BytesIO(b"s" * 1000))
        self.assertEqual(self.read("small.bin"), b"s" * 1000)

    def test_full_disk_on_resume_keeps_what_was_written(self):
        f = self.ftp()
        f.storbinary("STOR r.bin", io.BytesIO(b"r" * 1000))
        text = self.stor_expect_full(f, "APPE r.bin", b"a" * (3 << 20))
        self.assertTrue(text.startswith("452"), text)
        m = re.search(r"the (\d+) bytes written were kept", text)
        self.assertTrue(m, text)
        size = os.path.getsize(self.path("r.bin"))
        self.assertEqual(size, 1000 + int(m.group(1)))
        self.assertEqual(self.read("r.bin")[:1000], b"r" * 1000)
        self.assertEqual(set(self.read("r.bin")[1000:]), {ord("a")})


class AnonymousUploads(OwnServer):
    """anon_upload_dir: new files there, nothing else."""

    listable = "no"

    def setUp(self):
        super().setUp()
        self.incoming = os.path.join(self.tree.root, "incoming")
        os.makedirs(self.incoming)
        # Writable by the anonymous sessions' uid.
        harness.owned_dir(self.incoming, "sandftpd" if harness.privileged()
                          else None)
        self.start({"anon_upload_dir": "/incoming",
                    "anon_upload_listable": self.listable})

    def test_write_only(self):
        f = self.server.ftp()
        f.storbinary("STOR incoming/drop.bin", io.BytesIO(b"dropped"))
        p = os.path.join(self.incoming, "drop.bin")
        with open(p, "rb") as fh:
            self.assertEqual(fh.read(), b"dropped")
        self.assertEqual(os.stat(p).st_mode & 0o777, 0o200)
        f.cwd("incoming")
        f.storbinary("STOR second.bin", io.BytesIO(b"2"))
        for cmd, code in (("RETR drop.bin", "550"), ("DELE drop.bin", "550"),
                          ("RNFR drop.bin", "550"), ("MKD sub", "550"),
                          ("SITE CHMOD 644 drop.bin", "550"),
                          ("APPE drop.bin", "550"), ("LIST", "550"),
                          ("NLST", "550"), ("MLSD", "550")):
            with self.subTest(cmd=cmd):
                with self.assertRaises(ftplib.error_perm) as e:
                    if cmd.split()[0] in ("RETR", "APPE", "LIST", "NLST",
                                          "MLSD"):
                        f.retrbinary(cmd, lambda b: None)
                    else:
                        f.sendcmd(cmd)
                self.assertTrue(str(e.exception).startswith(code),
                                "%s: %s" % (cmd, e.exception))
        # Nor through a name or a wildcard in it, from in or outside.
        for cwd, cmd in (("/incoming", "LIST *"), ("/incoming", "NLST *.bin"),
                         ("/incoming", "LIST -a .*"), ("/", "NLST incoming/*"),
                         ("/", "LIST incoming/drop.bin"),
                         ("/", "LIST incoming/*.bin")):
            with self.subTest(cmd=cmd):
                f.cwd(cwd)
                lines = []
                with self.assertRaises(ftplib.error_perm) as e:
                    f.retrlines(cmd, lines.append)
                self.assertTrue(str(e.exception).startswith("550"),
                                "%s: %s" % (cmd, e.exception))
                self.assertEqual(lines, [])
        with self.assertRaises(ftplib.error_perm) as e:
            f.sendcmd("STAT incoming/*")
        self.assertTrue(str(e.exception).startswith("550"), str(e.exception))
        f.cwd("/incoming")
        # No overwrite: the same name again is refused, the file stays.
        with self.assertRaises(ftplib.error_perm) as e:
            f.storbinary("STOR drop.bin", io.BytesIO(b"replaced"))
        self.assertTrue(str(e.exception).startswith("553"))
        with open(p, "rb") as fh:
            self.assertEqual(fh.read(), b"dropped")
        # Nowhere else.
        f.cwd("/")
        with self.assertRaises(ftplib.error_perm):
            f.storbinary("STOR pub/elsewhere", io.BytesIO(b"x"))
        self.assertFalse(os.path.exists(os.path.join(self.tree.root, "pub",
                                                     "elsewhere")))
        with self.assertRaises(ftplib.error_perm):
            f.storbinary("STOR README.txt", io.BytesIO(b"x"))
        with open(os.path.join(self.tree.root, "README.txt"), "rb") as fh:
            self.assertEqual(fh.read(), b"Welcome.\n")
        self.assertEqual(sorted(os.listdir(self.incoming)),
                         ["drop.bin", "second.bin"])
        self.server.wait_log(r"anonymous session sandbox: seccomp "
                             r"anonymous upload")
        self.assert_no_deaths()

    def test_drop_box_the_session_cannot_read(self):
        """A write-only upload directory (0333) cannot be opened to be
        flushed: the uploads still succeed, and the log says so once."""
        if self.listable == "yes":
            self.skipTest("the same in AnonymousUploads")
        os.chmod(self.incoming, 0o333)
        f = self.server.ftp()
        for name in ("one.bin", "two.bin"):
            self.assertTrue(f.storbinary("STOR incoming/" + name,
                                         io.BytesIO(b"dropped"))
                            .startswith("226"))
        os.chmod(self.incoming, 0o755)
        self.assertEqual(sorted(os.listdir(self.incoming)),
                         ["one.bin", "two.bin"])
        f.quit()
        line = r"upload_fsync: a directory was not flushed"
        self.server.wait_log(line)
        self.assertEqual(len(re.findall(line, self.server.log())), 1)
        self.assert_no_deaths()


class AnonymousUploadsListable(AnonymousUploads):
    listable = "yes"

    def test_write_only(self):
        f = self.server.ftp()
        f.storbinary("STOR incoming/seen.bin", io.BytesIO(b"s"))
        self.assertEqual(f.nlst("incoming"), ["incoming/seen.bin"])
        self.assertEqual(f.nlst("incoming/*.bin"), ["incoming/seen.bin"])
        with self.assertRaises(ftplib.error_perm):
            f.retrbinary("RETR incoming/seen.bin", lambda b: None)
