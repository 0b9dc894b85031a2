"""RFC 959/1123/2389/2428/3659/7151 behaviour of the command set, driven
with ftplib and by hand, inside the real sandbox."""
import ftplib
import hashlib
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
import unittest

import harness
from harness import ServerTestCase, pasv_connect, recv_all


class PreLogin(ServerTestCase):
    def test_greeting_and_syst(self):
        c = self.server.raw()
        code, lines = c.reply()
        self.assertEqual(code, 220)
        self.assertEqual(c.cmd("SYST"), (215, ["215 UNIX Type: L8"]))
        c.close()

    def test_only_allowlist_before_login(self):
        c = self.server.raw()
        c.reply()
        for cmd in ["PWD", "CWD /", "LIST", "RETR README.txt", "PASV",
                    "EPSV", "PORT 127,0,0,1,4,1", "STAT", "SIZE README.txt",
                    "MDTM README.txt", "TYPE I", "MLSD", "NLST", "REST 1",
                    "STOR x", "DELE x", "MKD x", "ABOR", "REIN", "ACCT x",
                    "SMNT x", "CDUP", "XPWD"]:
            code, lines = c.cmd(cmd)
            self.assertEqual(code, 530, (cmd, lines))
        # The allowlist answers.
        self.assertEqual(c.cmd("NOOP")[0], 200)
        self.assertEqual(c.cmd("FEAT")[0], 211)
        self.assertEqual(c.cmd("HELP")[0], 214)
        self.assertEqual(c.cmd("OPTS UTF8 ON")[0], 200)
        self.assertEqual(c.cmd("HOST example.org")[0], 220)
        self.assertEqual(c.cmd("AUTH TLS")[0], 502)
        self.assertEqual(c.cmd("PBSZ 0")[0], 502)
        self.assertEqual(c.cmd("PROT P")[0], 502)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertTrue(c.closed())

    def test_pass_without_user(self):
        c = self.server.raw()
        c.reply()
        self.assertEqual(c.cmd("PASS x")[0], 503)
        c.close()

    def test_wrong_user_refused_then_anonymous_ok(self):
        c = self.server.raw()
        c.reply()
        self.assertEqual(c.cmd("USER root")[0], 331)
        self.assertEqual(c.cmd("PASS hunter2")[0], 530)
        self.assertEqual(c.cmd("USER ANONYMOUS")[0], 331)
        self.assertEqual(c.cmd("PASS me@example.org")[0], 230)
        self.assertEqual(c.cmd("PWD")[0], 257)
        c.close()
        self.server.wait_log(r"login failed for user 'root'")

    def test_three_failures_disconnect(self):
        c = self.server.raw()
        c.reply()
        for i in range(2):
            c.cmd("USER bob")
            self.assertEqual(c.cmd("PASS x")[0], 530)
        c.cmd("USER bob")
        code, lines = c.cmd("PASS x")
        self.assertEqual(code, 530)
        self.assertEqual(c.reply()[0], 421)
        self.assertTrue(c.closed())

    def test_host_rules(self):
        c = self.server.raw()
        c.reply()
        self.assertEqual(c.cmd("HOST")[0], 501)
        self.assertEqual(c.cmd("HOST bad host!")[0], 501)
        self.assertEqual(c.cmd("HOST [::1]")[0], 220)
        c.cmd("USER anonymous")
        self.assertEqual(c.cmd("HOST example.org")[0], 503)
        c.close()

    def test_host_must_be_a_name_or_literal(self):
        for bad in ["[not an ip]", "[]", "a..b", "-bad-", "x" * 64 + ".org",
                    "bad_name.org", "[::1"]:
            c = self.server.raw()
            c.reply()
            self.assertEqual(c.cmd("HOST " + bad)[0], 501, bad)
            c.close()
        for good in ["ftp.example.org", "ftp.example.org.", "localhost",
                     "[192.0.2.1]", "[2001:db8::1]", "a-b.c"]:
            c = self.server.raw()
            c.reply()
            self.assertEqual(c.cmd("HOST " + good)[0], 220, good)
            c.close()

    def test_ftp_user_is_anonymous(self):
        f = self.server.ftp(login=False)
        self.assertTrue(f.login("ftp", "x").startswith("230"))
        f.quit()


class LineReader(ServerTestCase):
    def login(self):
        c = self.server.raw()
        c.reply()
        c.cmd("USER anonymous")
        c.cmd("PASS x")
        return c

    def test_bare_lf_and_case(self):
        c = self.server.raw()
        c.reply()
        c.send("user anonymous\n")
        self.assertEqual(c.reply()[0], 331)
        c.send("pass x\n")
        self.assertEqual(c.reply()[0], 230)
        c.send("pWd\n")
        self.assertEqual(c.reply()[0], 257)
        c.close()

    def test_telnet_iac_ignored(self):
        c = self.login()
        c.send(b"\xff\xf4\xff\xf2NOOP\r\n")      # IP, DM
        self.assertEqual(c.reply()[0], 200)
        c.send(b"\xff\xfb\x01\xff\xfd\x03SYST\r\n")  # WILL ECHO, DO SGA
        self.assertEqual(c.reply()[0], 215)
        c.close()

    def test_overlong_line_rejected_whole(self):
        c = self.login()
        c.send(b"RETR " + b"A" * 6000 + b"\r\nPWD\r\n")
        self.assertEqual(c.reply()[0], 500)
        self.assertEqual(c.reply()[0], 257)     # the session survives
        c.send(b"NOOP" + b" " * 20000 + b"\r\n")
        self.assertEqual(c.reply()[0], 500)
        self.assertEqual(c.cmd("NOOP")[0], 200)
        c.close()

    def test_two_overlong_lines_in_one_read(self):
        # The first overlong line ends in the same read that holds all of
        # a second one: each gets its own 500, in order.
        c = self.login()
        c.send(b"A" * 4100)
        time.sleep(0.3)
        c.send(b"\n" + b"B" * 4100 + b"\nNOOP\r\n")
        self.assertEqual(c.reply()[0], 500)
        self.assertEqual(c.reply()[0], 500)
        self.assertEqual(c.reply()[0], 200)
        c.close()

    def test_pipelined_commands_across_login(self):
        c = self.server.raw()
        c.reply()
        c.send("USER anonymous\r\nPASS x\r\nPWD\r\nCWD pub\r\nPWD\r\n")
        self.assertEqual(c.reply()[0], 331)
        self.assertEqual(c.reply()[0], 230)
        self.assertEqual(c.reply(), (257, ['257 "/" is the current '
                                           'directory.']))
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.reply()[1][0][:12], '257 "/pub" i')
        c.close()

    def test_unknown_and_malformed(self):
        c = self.login()
        self.assertEqual(c.cmd("FOOBAR")[0], 500)
        self.assertEqual(c.cmd("12345")[0], 500)
        self.assertEqual(c.cmd("")[0], 500)
        self.assertEqual(c.cmd("SMNT /x")[0], 502)
        self.assertEqual(c.cmd("LPSV")[0], 502)
        c.send(b"NOOP\x00x\r\n")
        self.assertEqual(c.reply()[0], 501)
        c.close()


class LoggedIn(ServerTestCase):
    """Each test starts with an anonymous ftplib session, self.f."""

    def setUp(self):
        super().setUp()
        self.f = self.server.ftp()

    def tearDown(self):
        try:
            self.f.quit()
        except (ftplib.Error, OSError, EOFError):
            pass
        super().tearDown()


class Commands(LoggedIn):

    def test_feat_exact(self):
        resp = self.f.sendcmd("FEAT")
        lines = resp.split("\n")
        self.assertEqual(lines[0], "211-Features:")
        self.assertEqual(lines[-1], "211 End")
        feats = sorted(l.strip() for l in lines[1:-1])
        self.assertEqual(feats, sorted([
            "EPRT", "EPSV", "HOST", "MDTM",
            "MLST type*;size*;modify*;perm*;unix.mode*;",
            "REST STREAM", "SIZE", "TVFS", "UTF8"]))
        for l in lines[1:-1]:
            self.assertTrue(l.startswith(" "), l)

    def test_help(self):
        resp = self.f.sendcmd("HELP")
        self.assertTrue(resp.startswith("214-"))
        self.assertTrue(resp.split("\n")[-1].startswith("214 "))
        self.assertIn("RETR", resp)
        for absent in ("SMNT", "AUTH", "PBSZ", "PROT"):   # not offered
            self.assertNotIn(absent, resp)
        self.assertTrue(self.f.sendcmd("HELP retr").startswith("214 "))
        with self.assertRaises(ftplib.error_perm) as e:
            self.f.sendcmd("HELP SMNT")
        self.assertTrue(str(e.exception).startswith("502"))

    def test_pwd_cwd_cdup(self):
        self.assertEqual(self.f.pwd(), "/")
        self.assertTrue(self.f.cwd("pub/deep").startswith("250"))
        self.assertEqual(self.f.pwd(), "/pub/deep")
        self.assertTrue(self.f.sendcmd("CDUP").startswith("200"))
        self.assertEqual(self.f.pwd(), "/pub")
        self.assertTrue(self.f.sendcmd("XCWD deep/a").startswith("250"))
        self.assertTrue(self.f.sendcmd("XCUP").startswith("200"))
        self.assertTrue(self.f.sendcmd("XPWD").startswith('257 "/pub/deep"'))
        self.f.cwd("/")
        self.f.cwd("..")        # the root's parent is the root
        self.assertEqual(self.f.pwd(), "/")
        with self.assertRaises(ftplib.error_perm):
            self.f.cwd("README.txt")
        with self.assertRaises(ftplib.error_perm):
            self.f.cwd("nonexistent")

    def test_utf8_names(self):
        self.f.cwd("pub/新文件夹")
        self.assertEqual(self.f.pwd(), "/pub/新文件夹")
        self.assertEqual(self.f.nlst(), ["テスト.txt"])
        data = []
        self.f.retrbinary("RETR テスト.txt", data.append)
        self.assertEqual(b"".join(data), "こんにちは\n".encode())

    def test_type_mode_stru(self):
        s = self.f.sendcmd
        self.assertTrue(s("TYPE A").startswith("200"))
        self.assertTrue(s("TYPE I").startswith("200"))
        self.assertTrue(s("TYPE L 8").startswith("200"))
        self.assertTrue(s("TYPE A N").startswith("200"))
        for bad, code in [("TYPE E", "504"), ("TYPE A T", "504"),
                          ("TYPE L 7", "504"), ("TYPE X", "501"),
                          ("MODE B", "504"), ("MODE C", "504"),
                          ("MODE Q", "501"), ("STRU R", "504"),
                          ("STRU P", "504"), ("STRU Z", "501")]:
            with self.assertRaises(ftplib.Error) as e:
                s(bad)
            self.assertTrue(str(e.exception).startswith(code), bad)
        self.assertTrue(s("MODE S").startswith("200"))
        self.assertTrue(s("STRU F").startswith("200"))
        self.assertTrue(s("ALLO 1000").startswith("202"))
        self.assertTrue(s("ACCT x").startswith("202"))
        self.assertTrue(s("NOOP").startswith("200"))

    def test_size_mdtm(self):
        self.f.voidcmd("TYPE I")
        self.assertEqual(self.f.size("text/unix.txt"), 29)
        self.f.voidcmd("TYPE A")
        self.assertEqual(self.f.size("text/unix.txt"), 32)  # 3 LF -> CRLF
        self.assertEqual(self.f.size("text/dos.txt"), 20)   # already CRLF
        self.f.voidcmd("TYPE I")
        self.assertEqual(self.f.sendcmd("MDTM old.txt"),
                         "213 20000101000000")
        with self.assertRaises(ftplib.error_perm):
            self.f.size("pub")
        with self.assertRaises(ftplib.error_perm):
            self.f.sendcmd("MDTM nonexistent")
        with self.assertRaises(ftplib.error_perm) as e:
            self.f.sendcmd("MDTM 20200101000000 README.txt")
        self.assertTrue(str(e.exception).startswith("550"))

    def test_retr_binary_and_ascii(self):
        want = open(os.path.join(self.tree.root, "bin/random.bin"),
                    "rb").read()
        got = []
        self.f.retrbinary("RETR bin/random.bin", got.append)
        self.assertEqual(b"".join(got), want)
        self.f.voidcmd("TYPE A")
        sock = self.f.transfercmd("RETR text/unix.txt")
        data = recv_all(sock)
        self.f.voidresp()
        self.assertEqual(data, b"line one\r\nline two\r\nline three\r\n")
        sock = self.f.transfercmd("RETR text/dos.txt")
        self.assertEqual(recv_all(sock), b"line one\r\nline two\r\n")
        self.f.voidresp()

    def test_rest_resumes(self):
        want = open(os.path.join(self.tree.root, "bin/random.bin"),
                    "rb").read()
        got = []
        self.f.retrbinary("RETR bin/random.bin", got.append, rest=123457)
        self.assertEqual(b"".join(got), want[123457:])
        with self.assertRaises(ftplib.error_perm) as e:
            self.f.retrbinary("RETR bin/random.bin", got.append,
                              rest=len(want) + 1)
        self.assertTrue(str(e.exception).startswith("554"))
        with self.assertRaises(ftplib.error_perm):
            self.f.sendcmd("REST -1")

    def test_retr_errors(self):
        with self.assertRaises(ftplib.error_temp) as e:
            self.f.sendcmd("RETR README.txt")       # no PASV/PORT
        self.assertTrue(str(e.exception).startswith("425"))
        for name in ["nonexistent", "pub", "../../etc/passwd"]:
            with self.assertRaises(ftplib.error_perm):
                self.f.retrbinary("RETR " + name, lambda b: None)
        self.assertEqual(self.f.pwd(), "/")

    def test_list_format(self):
        lines = []
        self.f.retrlines("LIST", lines.append)
        names = [l.split()[-1] for l in lines]
        self.assertEqual(names, sorted(names))
        self.assertIn("README.txt", names)
        self.assertNotIn(".hidden", names)
        # Owner and group are names, as ls -l prints them.
        rx = re.compile(r"^[-dlcbps][-rwxsStT]{9} +\d+ +[^\s\d]\S* +"
                        r"[^\s\d]\S* +\d+ "
                        r"[A-Z][a-z]{2} [ \d]\d (\d\d:\d\d| \d{4}) .+$")
        for l in lines:
            self.assertRegex(l, rx)
        old = [l for l in lines if l.endswith(" old.txt")][0]
        self.assertIn("Jan  1  2000 old.txt", old)
        lines = []
        self.f.retrlines("LIST -la", lines.append)
        names = [l.split()[-1] for l in lines]
        self.assertIn(".hidden", names)
        self.assertIn(".", names)
        lines = []
        self.f.retrlines("LIST -l text", lines.append)
        self.assertEqual([l.split()[-1] for l in lines],
                         ["dos.txt", "unix.txt"])
        lines = []
        self.f.retrlines("LIST README.txt", lines.append)
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].endswith(" README.txt"))
        with self.assertRaises(ftplib.error_perm):
            self.f.retrlines("LIST nonexistent", lines.append)

    def test_nlst_and_wildcards(self):
        self.assertEqual(self.f.nlst(), ["README.txt", "bin", "empty",
                                         "old.txt", "pub", "text"])
        self.assertEqual(self.f.nlst("text"), ["text/dos.txt",
                                               "text/unix.txt"])
        self.assertEqual(self.f.nlst("text/*.txt"), ["text/dos.txt",
                                                     "text/unix.txt"])
        self.assertEqual(self.f.nlst("*.txt"), ["README.txt", "old.txt"])
        self.assertEqual(self.f.nlst("[Ro]*"), ["README.txt", "old.txt"])
        self.assertEqual(self.f.nlst("empty"), [])
        with self.assertRaises(ftplib.error_perm):
            self.f.nlst("*.nomatch")
        lines = []
        self.f.retrlines("LIST bin/*.bin", lines.append)
        self.assertEqual([l.split()[-1] for l in lines],
                         ["random.bin", "small.bin"])

    def test_mlsd_mlst(self):
        entries = dict(self.f.mlsd())
        self.assertEqual(entries["."]["type"], "cdir")
        self.assertEqual(entries["README.txt"]["type"], "file")
        self.assertEqual(entries["README.txt"]["size"], "9")
        self.assertEqual(entries["README.txt"]["perm"], "r")
        self.assertEqual(entries["README.txt"]["unix.mode"], "0644")
        self.assertEqual(entries["pub"]["type"], "dir")
        self.assertEqual(entries["pub"]["perm"], "el")
        self.assertEqual(entries["old.txt"]["modify"], "20000101000000")
        self.assertIn(".hidden", entries)
        resp = self.f.sendcmd("MLST old.txt").split("\r\n") \
            if "\r\n" in self.f.sendcmd("MLST old.txt") else \
            self.f.sendcmd("MLST old.txt").split("\n")
        self.assertTrue(resp[0].startswith("250-"))
        self.assertEqual(resp[1], " type=file;size=4;modify=20000101000000;"
                         "perm=r;unix.mode=0644; /old.txt")
        self.assertTrue(resp[2].startswith("250 "))
        self.assertTrue(self.f.sendcmd("OPTS MLST size;type;bogus;")
                        .startswith("200 MLST OPTS type;size;"))
        resp = self.f.sendcmd("MLST old.txt").split("\n")
        self.assertEqual(resp[1], " type=file;size=4; /old.txt")
        with self.assertRaises(ftplib.error_perm) as e:
            list(self.f.mlsd("README.txt"))
        self.assertTrue(str(e.exception).startswith("501"))

    def test_stat(self):
        resp = self.f.sendcmd("STAT").split("\n")
        self.assertTrue(resp[0].startswith("211-"))
        self.assertTrue(resp[-1].startswith("211 "))
        resp = self.f.sendcmd("STAT text").split("\n")
        self.assertTrue(resp[0].startswith("212-"))     # a directory
        self.assertEqual(len(resp), 4)
        self.assertTrue(resp[1].startswith(" -rw-r--r--"))
        self.assertTrue(resp[-1].startswith("212 "))
        resp = self.f.sendcmd("STAT README.txt").split("\n")
        self.assertTrue(resp[0].startswith("213-"))     # a file
        self.assertEqual(len(resp), 3)
        with self.assertRaises(ftplib.error_temp) as e:
            self.f.sendcmd("STAT nonexistent")
        self.assertTrue(str(e.exception).startswith("450"))

    def test_write_commands_refused(self):
        for cmd in ["DELE README.txt", "MKD x", "XMKD x", "RMD empty",
                    "XRMD empty", "RNFR README.txt",
                    "SITE CHMOD 777 README.txt"]:
            with self.assertRaises(ftplib.error_perm) as e:
                self.f.sendcmd(cmd)
            self.assertTrue(str(e.exception).startswith("550"), cmd)
        with self.assertRaises(ftplib.error_perm) as e:
            self.f.sendcmd("RNTO x")
        self.assertTrue(str(e.exception).startswith("503"))
        for cmd in ["STOR x", "APPE x", "STOU"]:
            with self.assertRaises(ftplib.error_perm) as e:
                self.f.storbinary(cmd, __import__("io").BytesIO(b"data"))
            self.assertTrue(str(e.exception).startswith("550"), cmd)
        self.assertFalse(os.path.exists(os.path.join(self.tree.root, "x")))
        self.assertTrue(os.path.exists(os.path.join(self.tree.root,
                                                    "README.txt")))

    def test_pass_after_login(self):
        with self.assertRaises(ftplib.error_perm) as e:
            self.f.sendcmd("PASS again")
        self.assertTrue(str(e.exception).startswith("503"))

    def test_opts_mlst_without_facts(self):
        self.assertEqual(self.f.sendcmd("OPTS MLST"), "200 MLST OPTS")
        resp = self.f.sendcmd("MLST old.txt").split("\n")
        self.assertEqual(resp[1], "  /old.txt")   # no facts at all

    def test_mdtm_of_directory(self):
        with self.assertRaises(ftplib.error_perm) as e:
            self.f.sendcmd("MDTM pub")
        self.assertTrue(str(e.exception).startswith("550"))

    def test_user_after_login(self):
        with self.assertRaises(ftplib.error_perm) as e:
            self.f.sendcmd("USER other")
        self.assertTrue(str(e.exception).startswith("530"))

    def test_rein(self):
        self.f.cwd("pub")
        self.assertTrue(self.f.sendcmd("REIN").startswith("220"))
        with self.assertRaises(ftplib.error_perm) as e:
            self.f.pwd()
        self.assertTrue(str(e.exception).startswith("530"))
        self.f.login()
        self.assertEqual(self.f.pwd(), "/")

    def test_opts(self):
        self.assertTrue(self.f.sendcmd("OPTS UTF8 ON").startswith("200"))
        with self.assertRaises(ftplib.error_perm):
            self.f.sendcmd("OPTS NOSUCH")


class TreeChanges(LoggedIn):
    """Commands on files the tests add to the tree (their own tree, so the
    exact listings the other tests expect stay as they are)."""

    def test_pwd_quotes_doubled(self):
        self.tree.dir('say "hi"')
        self.f.cwd('say "hi"')
        resp = self.f.sendcmd("PWD")
        self.assertEqual(resp, '257 "/say ""hi""" is the current directory.')
        self.assertEqual(self.f.pwd(), '/say "hi"')

    def test_large_directory(self):
        # Thousands of entries: sorting and formatting them must stay
        # inside the sandbox (libc's qsort once called sysinfo here).
        d = self.tree.dir("many")
        names = ["f%05d" % i for i in range(5000)]
        for n in reversed(names):
            open(os.path.join(d, n), "w").close()
        self.assertEqual(self.f.nlst("many"),
                         ["many/" + n for n in names])
        lines = []
        self.f.retrlines("LIST many", lines.append)
        self.assertEqual([l.split()[-1] for l in lines], names)
        entries = [n for n, _ in self.f.mlsd("many")]
        self.assertEqual(entries, ["."] + names)
        self.assertIn("-rw-r--r--", self.f.sendcmd("STAT many/f04999"))

    def test_directory_without_search_permission(self):
        # Readable, not searchable: names can be read, entries not
        # stat'ed, so NLST works and LIST/MLSD/STAT/CWD say so.
        self.tree.file("locked/f", b"x")
        os.chmod(os.path.join(self.tree.root, "locked"), 0o744)
        self.assertEqual(self.f.nlst("locked"), ["locked/f"])
        for call in (lambda: self.f.retrlines("LIST locked", print),
                     lambda: list(self.f.mlsd("locked")),
                     lambda: self.f.cwd("locked")):
            with self.assertRaises(ftplib.error_perm) as e:
                call()
            self.assertTrue(str(e.exception).startswith("550"))
        with self.assertRaises(ftplib.error_temp) as e:
            self.f.sendcmd("STAT locked")
        self.assertTrue(str(e.exception).startswith("450"))

    def test_perm_fact_follows_modes(self):
        # The daemon's children never run as root, so a root-only file
        # is not readable to them: perm says so, and RETR agrees.
        self.tree.file("private.txt", b"secret", mode=0o600)
        self.tree.dir("search-only", mode=0o711)
        facts = dict(self.f.mlsd())
        self.assertEqual(facts["private.txt"]["perm"], "")
        self.assertEqual(facts["search-only"]["perm"], "e")
        self.assertEqual(facts["README.txt"]["perm"], "r")
        with self.assertRaises(ftplib.error_perm):
            self.f.retrbinary("RETR private.txt", lambda b: None)

    def test_line_breaks_in_names_cannot_forge_entries(self):
        self.tree.file("cr\rlf\nname", b"x")
        self.assertIn("cr?lf?name", self.f.nlst())
        self.assertNotIn("name", self.f.nlst())
        lines = []
        self.f.retrlines("LIST", lines.append)
        self.assertEqual(len([l for l in lines if "lf" in l]), 1)
        entries = [n for n, _ in self.f.mlsd()]
        self.assertIn("cr?lf?name", entries)

    def test_rest_in_ascii_counts_transferred_bytes(self):
        self.tree.file("mixed.txt", b"line1\r\nline2\nline3\r\nend\n")
        full = b"line1\r\nline2\r\nline3\r\nend\r\n"
        self.f.voidcmd("TYPE A")
        self.assertEqual(self.f.size("mixed.txt"), len(full))
        for rest in range(len(full) + 1):
            conn = self.f.transfercmd("RETR mixed.txt", rest)
            got = recv_all(conn)
            self.f.voidresp()
            self.assertEqual(got, full[rest:], rest)

    def test_retr_of_fifo_is_refused_at_once(self):
        os.mkfifo(os.path.join(self.tree.root, "pipe"), 0o644)
        self.f.voidcmd("TYPE I")
        t0 = time.time()
        with self.assertRaises(ftplib.error_perm) as e:
            self.f.retrbinary("RETR pipe", lambda b: None)
        self.assertTrue(str(e.exception).startswith("550"))
        self.assertLess(time.time() - t0, 3)


class Transfers(ServerTestCase):
    options = {"data_timeout": "5"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Big enough that a transfer is still running when we poke it.
        cls.tree.sparse("big.bin", 200 * 1024 * 1024)

    def test_abor_during_transfer(self):
        f = self.server.ftp()
        f.voidcmd("TYPE I")
        conn = f.transfercmd("RETR big.bin")
        conn.recv(65536)
        f.sock.sendall(b"ABOR\r\n")
        self.assertTrue(f.getline().startswith("426"))
        self.assertTrue(f.getline().startswith("226"))
        # The data connection was reset, not ended: a client that reads
        # it to the end cannot take the cut file for a whole one.
        conn.settimeout(5)
        with self.assertRaises(ConnectionResetError):
            for _ in range(4096):
                if not conn.recv(1 << 20):
                    break
        conn.close()
        self.assertEqual(f.pwd(), "/")     # the session goes on
        f.quit()

    def test_stat_noop_during_transfer(self):
        f = self.server.ftp()
        f.voidcmd("TYPE I")
        conn = f.transfercmd("RETR big.bin")
        conn.recv(65536)
        f.sock.sendall(b"STAT\r\n")
        line = f.getline()
        self.assertRegex(line, r"^213 .*big\.bin.* \d+ of 209715200 bytes")
        f.sock.sendall(b"NOOP\r\n")
        self.assertTrue(f.getline().startswith("200"))
        total = 65536
        while True:
            b = conn.recv(1 << 20)
            if not b:
                break
            total += len(b)
        conn.close()
        self.assertTrue(f.getline().startswith("226"))
        f.quit()

    def test_quit_and_half_close_during_transfer(self):
        # RFC 959: QUIT during a transfer waits for its result.  A client
        # that also half-closes its side still gets the data, 226, 221.
        c = self.server.raw()
        c.reply()
        c.cmd("USER anonymous")
        c.cmd("PASS x")
        c.cmd("TYPE I")
        data = pasv_connect(c)
        self.assertEqual(c.cmd("RETR big.bin")[0], 150)
        first = data.recv(65536)
        c.send("QUIT\r\n")
        c.sock.shutdown(socket.SHUT_WR)
        total = len(first) + len(recv_all(data))
        self.assertEqual(total, 200 * 1024 * 1024)
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.reply()[0], 221)
        self.assertTrue(c.closed())

    def test_abor_without_transfer(self):
        f = self.server.ftp()
        self.assertTrue(f.sendcmd("ABOR").startswith("225"))
        f.quit()

    def test_commands_queue_behind_transfer(self):
        c = self.server.raw()
        c.reply()
        c.cmd("USER anonymous")
        c.cmd("PASS x")
        c.cmd("TYPE I")
        data = pasv_connect(c)
        c.send("RETR bin/small.bin\r\nPWD\r\n")
        self.assertEqual(c.reply()[0], 150)
        self.assertEqual(len(recv_all(data)), 4096)
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.reply()[0], 257)
        c.close()

    def test_pasv_and_epsv_all(self):
        f = self.server.ftp()
        resp = f.sendcmd("PASV")
        m = re.search(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", resp)
        self.assertTrue(resp.startswith("227"))
        port = int(m.group(5)) * 256 + int(m.group(6))
        lo, hi = self.server.pasv
        self.assertTrue(lo <= port <= hi, (port, lo, hi))
        resp = f.sendcmd("EPSV")
        port = int(re.search(r"\|\|\|(\d+)\|", resp).group(1))
        self.assertTrue(lo <= port <= hi)
        with self.assertRaises(ftplib.error_perm) as e:
            f.sendcmd("EPSV 2")
        self.assertTrue(str(e.exception).startswith("522"))
        self.assertTrue(f.sendcmd("EPSV 1").startswith("229"))
        self.assertTrue(f.sendcmd("EPSV ALL").startswith("200"))
        for cmd in ["PASV", "PORT 127,0,0,1,100,1", "EPRT |1|127.0.0.1|2000|"]:
            with self.assertRaises(ftplib.error_perm) as e:
                f.sendcmd(cmd)
        f.quit()
        # A transfer after EPSV ALL, by hand (ftplib would try PASV).
        c = self.server.raw()
        c.reply()
        c.cmd("USER anonymous")
        c.cmd("PASS x")
        self.assertEqual(c.cmd("EPSV ALL")[0], 200)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        data = pasv_connect(c)
        self.assertEqual(c.cmd("RETR README.txt")[0], 150)
        self.assertEqual(recv_all(data), b"Welcome.\n")
        self.assertEqual(c.reply()[0], 226)
        c.close()

    def test_port_refusals(self):
        f = self.server.ftp()
        for cmd, code in [("PORT 10,0,0,1,100,1", "500"),
                          ("PORT 127,0,0,1,0,21", "504"),
                          ("PORT 127,0,0,1", "501"),
                          ("PORT 300,0,0,1,1,1", "501"),
                          ("EPRT |1|10.0.0.1|2000|", "500"),
                          ("EPRT |1|127.0.0.1|80|", "504"),
                          ("EPRT |3|127.0.0.1|2000|", "522"),
                          ("EPRT |2|::1|2000|", "522"),
                          ("EPRT garbage", "501")]:
            with self.assertRaises(ftplib.Error) as e:
                f.sendcmd(cmd)
            self.assertTrue(str(e.exception).startswith(code),
                            (cmd, str(e.exception)))
        f.quit()

    def test_active_mode_transfer(self):
        f = self.server.ftp()
        f.set_pasv(False)
        got = []
        f.retrbinary("RETR bin/small.bin", got.append)
        self.assertEqual(b"".join(got), bytes(range(256)) * 16)
        lines = []
        f.retrlines("LIST text", lines.append)
        self.assertEqual(len(lines), 2)
        f.quit()

    def test_data_connection_from_other_host_refused(self):
        c = self.server.raw()
        c.reply()
        c.cmd("USER anonymous")
        c.cmd("PASS x")
        c.cmd("TYPE I")
        code, lines = c.cmd("EPSV")
        port = int(re.search(r"\|\|\|(\d+)\|", lines[0]).group(1))
        # A hijacker on another loopback address gets in first...
        thief = socket.socket()
        thief.bind(("127.0.0.2", 0))
        thief.settimeout(5)
        thief.connect(("127.0.0.1", port))
        c.send("RETR README.txt\r\n")
        # ...and is dropped, while the client's own connection is served.
        real = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.assertEqual(c.reply()[0], 150)
        self.assertEqual(recv_all(real), b"Welcome.\n")
        self.assertEqual(c.reply()[0], 226)
        try:
            self.assertEqual(thief.recv(100), b"")   # closed...
        except ConnectionResetError:
            pass                                      # ...or reset
        thief.close()
        self.server.wait_log(r"refused a data connection from 127\.0\.0\.2")
        c.close()


def epsv_port(c):
    code, lines = c.cmd("EPSV")
    assert code == 229, lines
    return int(re.search(r"\|\|\|(\d+)\|", lines[0]).group(1))


def listens(server, port):
    """Does a process of this server hold a listening socket on port?
    Asked of the server's own descriptors, not by connecting: another
    program on the machine (the suite running beside this one) may
    listen on the same port number a moment later."""
    mine = set()
    for pid in server.pids():
        mine |= harness.fd_inodes(pid)
    return bool(harness.socket_inodes(port, 0) & mine)


class PassiveListenerKept(ServerTestCase):
    """A passive listener that served a transfer is offered again by the
    session's next PASV/EPSV (one listener from the master for many
    files), with whatever queued on it meanwhile closed, and is closed
    after five idle seconds or when the session turns to active mode."""

    def session(self):
        c = self.server.raw()
        c.reply()
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        return c

    def retr(self, c, port, name="README.txt"):
        data = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.assertEqual(c.cmd("RETR " + name)[0], 150)
        got = recv_all(data)
        self.assertEqual(c.reply()[0], 226)
        return got

    def test_same_port_for_the_next_transfers(self):
        c = self.session()
        first = epsv_port(c)
        self.assertEqual(self.retr(c, first), b"Welcome.\n")
        for _ in range(5):
            self.assertEqual(epsv_port(c), first)
            self.assertEqual(self.retr(c, first), b"Welcome.\n")
        code, lines = c.cmd("PASV")
        self.assertEqual(code, 227)
        nums = re.search(r"\((\d+(?:,\d+){5})\)", lines[0]).group(1).split(",")
        self.assertEqual(int(nums[4]) * 256 + int(nums[5]), first)
        self.assertEqual(self.retr(c, first), b"Welcome.\n")
        c.close()

    def test_what_queued_before_epsv_is_closed(self):
        c = self.session()
        port = epsv_port(c)
        self.assertEqual(self.retr(c, port), b"Welcome.\n")
        # Between transfers, a connection from the client's own address
        # waits on the kept listener; the next EPSV drops it unread.
        stale = socket.create_connection(("127.0.0.1", port), timeout=5)
        time.sleep(0.2)
        self.assertEqual(epsv_port(c), port)
        try:
            self.assertEqual(stale.recv(100), b"")
        except ConnectionResetError:
            pass
        stale.close()
        self.assertEqual(self.retr(c, port), b"Welcome.\n")
        c.close()

    def test_released_when_idle_or_active(self):
        c = self.session()
        port = epsv_port(c)
        self.assertEqual(self.retr(c, port), b"Welcome.\n")
        self.assertTrue(listens(self.server, port))      # kept
        time.sleep(6)
        self.assertFalse(listens(self.server, port))     # and let go
        self.assertEqual(c.cmd("NOOP")[0], 200)
        port = epsv_port(c)
        self.assertEqual(self.retr(c, port), b"Welcome.\n")
        self.assertEqual(c.cmd("PORT 127,0,0,1,4,1")[0], 200)
        self.assertFalse(listens(self.server, port))
        c.close()

    def test_failed_transfer_does_not_keep_it(self):
        c = self.session()
        port = epsv_port(c)
        self.assertEqual(c.cmd("RETR no-such-file")[0], 550)
        # (closed right after the reply went out)
        self.assertTrue(harness.wait_for(
            lambda: not listens(self.server, port), 3))
        c.close()


class LongTransfer(ServerTestCase):
    options = {"idle_timeout": "2", "data_timeout": "5"}

    def test_transfer_longer_than_idle_timeout(self):
        self.tree.sparse("slow.bin", 16 * 1024 * 1024)
        f = self.server.ftp()
        f.voidcmd("TYPE I")
        conn = f.transfercmd("RETR slow.bin")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        start, total = time.time(), 0
        while True:
            b = conn.recv(256 * 1024)
            if not b:
                break
            total += len(b)
            if time.time() - start < 3.0:
                time.sleep(0.05)        # read slowly: about 3 seconds
        conn.close()
        self.assertGreater(time.time() - start, 2.5)
        self.assertEqual(total, 16 * 1024 * 1024)
        self.assertTrue(f.voidresp().startswith("226"))
        self.assertEqual(f.pwd(), "/")  # not timed out right after
        f.quit()


@unittest.skipUnless(shutil.which("strace") and harness.IS_ROOT,
                     "needs strace, and root to trace a session child")
class HeldPreliminaryReply(ServerTestCase):
    """A download's 150 is held back until the session would wait
    (reply_hold): a small file's 150 leaves with its 226 in one send (one
    segment, and one wakeup of the client fewer per file), a large one's
    before the transfer first waits for the client.  strace shows what
    the sandboxed session child itself sends."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tree.sparse("large.bin", 32 * 1024 * 1024)

    def sends(self, f, work):
        """The control replies f's session child sends during work(),
        one string per send."""
        pid = self.server.session_pid(f.sock, "sandftpd-anon")
        out = os.path.join(self.server.workdir, "trace-%d" % pid)
        tracer = subprocess.Popen(
            ["strace", "-s", "200", "-e", "trace=sendto,write",
             "-o", out, "-p", str(pid)], stderr=subprocess.PIPE, text=True)
        try:
            self.assertIn("attached", tracer.stderr.readline())
            work()
        finally:
            tracer.send_signal(signal.SIGINT)
            tracer.wait(10)
        with open(out) as fh:
            return [m.group(1) for m in
                    re.finditer(r'sendto\(\d+, "((?:\d{3}[ -][^"]*)+)"',
                                fh.read())]

    def test_small_file_150_and_226_in_one_send(self):
        f = self.server.ftp()
        f.voidcmd("TYPE I")
        got = []
        sent = self.sends(f, lambda: f.retrbinary("RETR bin/small.bin",
                                                  got.append))
        self.assertEqual(b"".join(got), bytes(range(256)) * 16)
        both = [s for s in sent if s.startswith("150 ") and "226 " in s]
        self.assertEqual(len(both), 1, sent)
        f.quit()

    def test_listing_150_and_226_in_one_send(self):
        f = self.server.ftp()
        lines = []
        sent = self.sends(f, lambda: f.retrlines("LIST", lines.append))
        self.assertTrue(any(l.endswith(" README.txt") for l in lines))
        both = [s for s in sent if s.startswith("150 ") and "226 " in s]
        self.assertEqual(len(both), 1, sent)
        f.quit()

    def test_large_file_150_before_the_transfer_waits(self):
        # ftplib reads the 150 before it reads any data: a 150 held
        # while the session waits for the client would stall this.
        f = self.server.ftp()
        f.voidcmd("TYPE I")
        n = [0]

        def count(b):
            n[0] += len(b)
        sent = self.sends(f, lambda: f.retrbinary("RETR large.bin", count,
                                                  blocksize=1 << 16))
        self.assertEqual(n[0], 32 * 1024 * 1024)
        first = [i for i, s in enumerate(sent) if s.startswith("150 ")]
        last = [i for i, s in enumerate(sent) if s.startswith("226 ")]
        self.assertEqual(len(first), 1, sent)
        self.assertNotIn("226 ", sent[first[0]], sent)
        self.assertEqual(len(last), 1, sent)
        self.assertLess(first[0], last[0])
        f.quit()


def segments_received(sock):
    """tcpi_segs_in of a connection's own TCP_INFO: every segment it
    received, its SYN or SYN-ACK included."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    return struct.unpack_from("I", info, 140)[0]


class CorkedDataConnection(ServerTestCase):
    """The master corks the data sockets it makes (sys_tcp_cork): a small
    file, or a small listing, reaches the client in one segment with its
    FIN, not in a segment and a FIN.  The client's own TCP_INFO counts
    what it received."""

    SMALL = bytes(range(256)) * 16

    def fetch(self, f, cmd):
        conn = f.transfercmd(cmd)
        data = recv_all(conn, close=False)  # its TCP_INFO is read below
        segs = segments_received(conn)
        conn.close()
        f.voidresp()
        return data, segs

    def test_passive_small_file_and_fin_in_one_segment(self):
        f = self.server.ftp()
        f.voidcmd("TYPE I")
        data, segs = self.fetch(f, "RETR bin/small.bin")
        self.assertEqual(data, self.SMALL)
        # The SYN-ACK, then the file with its FIN.
        self.assertEqual(segs, 2)
        f.quit()

    def test_passive_small_listing_and_fin_in_one_segment(self):
        f = self.server.ftp()
        data, segs = self.fetch(f, "NLST bin")
        self.assertIn(b"small.bin", data)
        self.assertEqual(segs, 2)
        f.quit()

    def test_active_small_file_and_fin_in_one_segment(self):
        f = self.server.ftp()
        f.set_pasv(False)
        f.voidcmd("TYPE I")
        data, segs = self.fetch(f, "RETR bin/small.bin")
        self.assertEqual(data, self.SMALL)
        # The SYN and the handshake's last ACK (an accepted socket counts
        # both), then the file with its FIN.
        self.assertEqual(segs, 3)
        f.quit()
