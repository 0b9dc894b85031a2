"""Real clients against the real server: curl (PASV, EPSV, active, listing,
resume) and lftp (mirror of a tree with sub-directories, UTF-8 names and
binary files), and the source port of active-mode data connections."""
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import harness
from harness import Server, ServerTestCase, recv_all

ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8", HOME="/nonexistent")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def tree_digests(top):
    """{relative path: sha256} of every file under top."""
    out = {}
    for dirpath, dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, top)] = sha256(f.read())
    return out


def tree_dirs(top):
    return {os.path.relpath(os.path.join(d, n), top)
            for d, dirs, _ in os.walk(top) for n in dirs}


class Curl(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.big = os.urandom(3 * 1024 * 1024 + 17)
        cls.tree.file("pub/big.bin", cls.big)

    def setUp(self):
        super().setUp()
        self.out = tempfile.mkdtemp(prefix="sandftpd-curl-")

    def tearDown(self):
        shutil.rmtree(self.out, ignore_errors=True)
        super().tearDown()

    def curl(self, *args, path="", check=True):
        cmd = ["curl", "-sS", "-v", "--max-time", "30", "--connect-timeout",
               "5"] + list(args) + [self.server.url(path)]
        r = subprocess.run(cmd, capture_output=True, timeout=60, env=ENV)
        if check:
            self.assertEqual(r.returncode, 0, r.stderr.decode("utf-8",
                                                              "replace"))
        return r

    def local(self, rel):
        with open(os.path.join(self.tree.root, rel), "rb") as f:
            return f.read()

    def sent(self, r):
        """The FTP commands curl sent, from its -v output."""
        return [l[2:].strip() for l in r.stderr.decode("utf-8",
                                                       "replace").splitlines()
                if l.startswith("> ")]

    def test_passive_pasv(self):
        r = self.curl("--disable-epsv", path="pub/big.bin")
        self.assertEqual(sha256(r.stdout), sha256(self.big))
        cmds = self.sent(r)
        self.assertIn("PASV", cmds)
        self.assertNotIn("EPSV", cmds)

    def test_passive_epsv(self):
        r = self.curl(path="bin/random.bin")
        self.assertEqual(sha256(r.stdout), sha256(self.local(
            "bin/random.bin")))
        self.assertIn("EPSV", self.sent(r))
        self.assertNotIn("PASV", self.sent(r))

    def test_active_eprt(self):
        r = self.curl("--ftp-port", "127.0.0.1", path="pub/big.bin")
        self.assertEqual(sha256(r.stdout), sha256(self.big))
        self.assertTrue(any(c.startswith("EPRT |1|127.0.0.1|")
                            for c in self.sent(r)), self.sent(r))

    def test_active_port(self):
        r = self.curl("--ftp-port", "127.0.0.1", "--disable-eprt",
                      path="bin/random.bin")
        self.assertEqual(r.stdout, self.local("bin/random.bin"))
        self.assertTrue(any(c.startswith("PORT 127,0,0,1,")
                            for c in self.sent(r)), self.sent(r))

    def test_utf8_path(self):
        path = urllib.parse.quote("pub/新文件夹/テスト.txt")
        r = self.curl(path=path)
        self.assertEqual(r.stdout, "こんにちは\n".encode())

    def test_ascii_transfer(self):
        r = self.curl("--use-ascii", path="text/unix.txt")
        # curl converts CRLF back on reading: what arrives is the file.
        self.assertIn("TYPE A", self.sent(r))
        self.assertEqual(r.stdout.replace(b"\r\n", b"\n"),
                         self.local("text/unix.txt"))

    def test_directory_listing(self):
        r = self.curl(path="text/")
        lines = r.stdout.decode().splitlines()
        self.assertEqual([l.split()[-1] for l in lines],
                         ["dos.txt", "unix.txt"])
        for l in lines:
            self.assertTrue(l.startswith("-rw-r--r--"), l)
        r = self.curl("--list-only", path="")
        self.assertEqual(r.stdout.decode().split(),
                         ["README.txt", "bin", "empty", "old.txt", "pub",
                          "text"])
        r = self.curl("--list-only", path=urllib.parse.quote("pub/新文件夹/"))
        self.assertEqual(r.stdout.decode().split(), ["テスト.txt"])

    def test_resume_with_offset(self):
        r = self.curl("-C", "1000000", path="pub/big.bin")
        self.assertEqual(sha256(r.stdout), sha256(self.big[1000000:]))
        self.assertIn("REST 1000000", self.sent(r))

    def test_resume_partial_file(self):
        dest = os.path.join(self.out, "big.bin")
        with open(dest, "wb") as f:
            f.write(self.big[:1234567])
        self.curl("-C", "-", "-o", dest, path="pub/big.bin")
        with open(dest, "rb") as f:
            self.assertEqual(sha256(f.read()), sha256(self.big))

    def test_missing_file_fails(self):
        r = self.curl(path="nonexistent.bin", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"550", r.stderr)
        self.assertEqual(r.stdout, b"")


class Lftp(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        # A mirror makes many data connections; a wide passive range keeps
        # these tests about lftp (PassivePortReuse tests a narrow one).
        cls.options = {"pasv_ports": "%d-%d" % harness.free_range(300)}
        super().setUpClass()
        t = cls.tree
        t.file("mirror/top.txt", b"top level\n")
        t.file("mirror/bin/blob.bin", os.urandom(2 * 1024 * 1024 + 3))
        t.file("mirror/bin/zeros.bin", bytes(100000))
        t.file("mirror/bin/all-bytes.bin", bytes(range(256)) * 64)
        t.file("mirror/新文件夹/テスト.txt", "こんにちは、世界\n".encode())
        t.file("mirror/新文件夹/深い/データ.bin", os.urandom(50000))
        t.file("mirror/a/b/c/d.txt", b"deep\r\nwith CRLF\r\n")
        t.file("mirror/with space/file name.txt", b"spaces\n")
        t.file("mirror/empty.txt", b"")
        t.dir("mirror/emptydir")
        cls.src = os.path.join(t.root, "mirror")

    def setUp(self):
        super().setUp()
        self.out = tempfile.mkdtemp(prefix="sandftpd-lftp-")

    def tearDown(self):
        shutil.rmtree(self.out, ignore_errors=True)
        super().tearDown()

    def lftp(self, script):
        cmd = ("set cmd:fail-exit yes; set net:max-retries 2; "
               "set net:timeout 10; set net:reconnect-interval-base 1; "
               "set ftp:ssl-force no; "
               "open -u anonymous,lftp@example.org -p %d 127.0.0.1; %s"
               % (self.server.port, script))
        r = subprocess.run(["lftp", "-c", cmd], capture_output=True,
                           timeout=120, env=ENV)
        self.assertEqual(r.returncode, 0, r.stderr.decode("utf-8",
                                                          "replace"))
        return r

    def check_mirror(self, dest):
        want = tree_digests(self.src)
        got = tree_digests(dest)
        self.assertEqual(sorted(got), sorted(want))
        for rel in want:
            self.assertEqual(got[rel], want[rel], rel)
        self.assertEqual(tree_dirs(dest), tree_dirs(self.src))

    def test_mirror_passive(self):
        dest = os.path.join(self.out, "m")
        self.lftp("mirror mirror %s" % dest)
        self.check_mirror(dest)

    def test_mirror_active(self):
        dest = os.path.join(self.out, "m")
        self.lftp("set ftp:passive-mode off; set ftp:port-ipv4 127.0.0.1; "
                  "mirror mirror %s" % dest)
        self.check_mirror(dest)

    def test_mirror_is_incremental(self):
        dest = os.path.join(self.out, "m")
        first = self.server.mark()
        self.lftp("mirror mirror %s" % dest)
        # The first run's last log lines can reach the log reader after
        # lftp has exited: wait (bounded) until every file's RETR is in,
        # so none of them is counted as the second run's.  (lftp makes
        # an empty file without a RETR.)
        files = sum(os.path.getsize(os.path.join(d, n)) > 0
                    for d, _, names in os.walk(self.src) for n in names)
        harness.wait_for(lambda: sum("cmd=RETR " in l for l in
                                     self.server.lines_since(first))
                         >= files)
        os.remove(os.path.join(dest, "bin/blob.bin"))
        mark = self.server.mark()
        self.lftp("mirror mirror %s" % dest)
        self.check_mirror(dest)
        fetched = [l for l in self.server.lines_since(mark)
                   if "cmd=RETR " in l]
        self.assertEqual(len(fetched), 1, fetched)
        self.assertIn("cmd=RETR path=/mirror/bin/blob.bin", fetched[0])

    def test_get_and_cat(self):
        r = self.lftp("cat mirror/新文件夹/テスト.txt")
        self.assertEqual(r.stdout, "こんにちは、世界\n".encode())
        dest = os.path.join(self.out, "blob.bin")
        self.lftp("get mirror/bin/blob.bin -o %s" % dest)
        with open(dest, "rb") as f, \
                open(os.path.join(self.src, "bin/blob.bin"), "rb") as g:
            self.assertEqual(sha256(f.read()), sha256(g.read()))


class PassivePortReuse(ServerTestCase):
    """A passive port is free again as soon as its data connection is
    closed: the ports of a pasv_ports range must not stay blocked for the
    TIME_WAIT period (60 s) after each transfer, or a range of N ports
    serves only N transfers a minute (a mirror client fails with 425)."""

    WIDTH = 8

    @classmethod
    def setUpClass(cls):
        cls.options = {"pasv_ports": "%d-%d" % harness.free_range(cls.WIDTH)}
        super().setUpClass()

    def test_more_transfers_than_ports(self):
        f = self.server.ftp()
        f.voidcmd("TYPE I")
        mark = self.server.mark()
        for i in range(3 * self.WIDTH):
            got = []
            try:
                f.retrbinary("RETR README.txt", got.append)
            except harness.ftplib.Error as e:
                time.sleep(0.3)         # let the child's log line arrive
                self.fail("transfer %d of %d with a %d-port range: %s\n%s"
                          % (i + 1, 3 * self.WIDTH, self.WIDTH, e,
                             "\n".join(self.server.lines_since(mark))))
            self.assertEqual(b"".join(got), b"Welcome.\n")
        f.quit()


class ActiveSourcePort(unittest.TestCase):
    """With port20 = yes an active-mode data connection comes from port
    20 (RFC 959's L-1); with port20 = no from an ephemeral port."""

    def setUp(self):
        self.tree = harness.standard_tree()
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.stop()
        self.tree.cleanup()

    def sources(self, port20):
        self.server = Server(self.tree, {"port20": port20}).start()
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        result = []
        want = open(os.path.join(self.tree.root, "bin/random.bin"),
                    "rb").read()
        for verb in ("PORT", "EPRT", "PORT"):
            lsock = socket.socket()
            lsock.bind(("127.0.0.1", 0))
            lsock.listen(1)
            lsock.settimeout(10)
            port = lsock.getsockname()[1]
            if verb == "PORT":
                arg = "127,0,0,1,%d,%d" % (port >> 8, port & 255)
            else:
                arg = "|1|127.0.0.1|%d|" % port
            self.assertEqual(c.cmd("%s %s" % (verb, arg))[0], 200)
            c.send("RETR bin/random.bin\r\n")
            conn, peer = lsock.accept()
            lsock.close()
            conn.settimeout(10)
            self.assertEqual(c.reply()[0], 150)
            self.assertEqual(recv_all(conn), want)
            self.assertEqual(c.reply()[0], 226)
            result.append(peer)
        c.cmd("QUIT")
        c.close()
        return result

    def test_port20_yes(self):
        if not harness.privileged():
            self.skipTest("port 20 needs the master to run as root")
        for host, port in self.sources("yes"):
            self.assertEqual(host, "127.0.0.1")
            self.assertEqual(port, 20)

    def test_port20_no(self):
        for host, port in self.sources("no"):
            self.assertEqual(host, "127.0.0.1")
            self.assertNotEqual(port, 20)
            self.assertGreaterEqual(port, 1024)

    def test_closed_port_gives_425(self):
        for port20 in ("yes", "no"):
            with self.subTest(port20=port20):
                self.server = Server(self.tree, {"port20": port20}).start()
                c = self.server.raw()
                self.assertEqual(c.reply()[0], 220)
                self.assertEqual(c.login()[0], 230)
                s = socket.socket()
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
                s.close()                   # nobody listens there
                self.assertEqual(c.cmd("EPRT |1|127.0.0.1|%d|" % port)[0],
                                 200)
                code, lines = c.cmd("RETR README.txt")
                self.assertEqual(code, 425, lines)
                self.assertEqual(c.cmd("PWD")[0], 257)   # session goes on
                c.close()
                self.assertEqual(self.server.stop(), 0)
                self.assertNotIn("killed by signal", self.server.log())
                self.server = None

    def test_port20_yes_unprivileged_falls_back(self):
        if harness.privileged():
            self.skipTest("unprivileged mode only")
        for host, port in self.sources("yes"):
            self.assertNotEqual(port, 20)
