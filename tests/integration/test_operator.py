"""What the operator sets and the client sees: a passive-only server
(active_mode = no)."""
import subprocess

import harness
from harness import ServerTestCase


class PassiveOnly(ServerTestCase):
    options = {"active_mode": "no"}

    def test_port_and_eprt_refused_and_not_offered(self):
        c = self.server.raw()
        c.reply()
        self.assertEqual(c.login()[0], 230)
        code, lines = c.cmd("PORT 127,0,0,1,200,10")
        self.assertEqual(code, 502, lines)
        self.assertIn("PASV", lines[0])
        self.assertEqual(c.cmd("EPRT |1|127.0.0.1|51210|")[0], 502)
        code, lines = c.cmd("FEAT")
        self.assertNotIn(" EPRT", lines)
        self.assertIn(" EPSV", lines)
        code, lines = c.cmd("HELP")
        names = " ".join(lines[1:-1]).split()
        self.assertNotIn("PORT", names)
        self.assertNotIn("EPRT", names)
        self.assertIn("PASV", names)
        self.assertEqual(c.cmd("HELP PORT")[0], 502)
        # Passive transfers work.
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        self.assertEqual(harness.retr(c, "README.txt"), b"Welcome.\n")
        c.close()

    def test_clients(self):
        r = subprocess.run(["curl", "-sS", "--max-time", "10",
                            self.server.url("README.txt")],
                           capture_output=True, timeout=20)
        self.assertEqual(r.stdout, b"Welcome.\n", r.stderr)
        r = subprocess.run(["curl", "-sS", "--max-time", "10", "-P", "-",
                            self.server.url("README.txt")],
                           capture_output=True, timeout=20)
        self.assertNotEqual(r.returncode, 0)


class Networks(harness.OwnServer):
    """allow_networks and deny_networks, checked by the master before a
    child is used: a refused address gets 421 and the log says why."""

    def test_allow_and_deny(self):
        s = self.start({"listen": ["127.0.0.1:%d" % harness.free_port()],
                        "allow_networks": "127.0.0.0/30, ::1",
                        "deny_networks": "127.0.0.2/32"})
        s.port = int(s.options["listen"][0].rsplit(":", 1)[1])
        self.assert_works(self.raw("127.0.0.1"))
        self.assert_works(self.raw("127.0.0.3"))
        mark = s.mark()
        self.assert_refused(self.raw("127.0.0.2"), "not available for your "
                            "address")
        self.assert_refused(self.raw("127.0.0.4"), "not available for your "
                            "address")
        s.wait_log(r"client 127\.0\.0\.4: refused: its address is not "
                   r"allowed", start=mark)
        # No child was spent on them.
        self.assertNotIn("session", "\n".join(
            l for l in s.lines_since(mark) if "127.0.0.4" in l))

    def test_bad_network_names_file_line_key(self):
        r = harness.run_daemon(["-t", "-o", "deny_networks=10.0.0.0/40"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("-o:1: deny_networks: '10.0.0.0/40': the prefix "
                      "length must be 0 to 32", r.stderr)


class Messages(harness.OwnServer):
    """The greeting (banner, banner_file), the login message and the
    directories' .message files, as well-formed multi-line replies."""

    def setUp(self):
        super().setUp()
        self.work = harness.workdir("sandftpd-msg-")

    def tearDown(self):
        super().tearDown()
        __import__("shutil").rmtree(self.work, ignore_errors=True)

    def file(self, name, data):
        path = __import__("os").path.join(self.work, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_banner_login_message_and_dir_messages(self):
        self.tree.file("pub/.message", b"Mirror of \x1b[2Jthings\r\n\n")
        s = self.start({
            "banner_file": self.file("banner", b"Welcome.\nSecond line\n"),
            "login_message_file": self.file("login", b"Be nice.\n"
                                            b"230 forged\n"),
            "dir_messages": "yes"})
        c = self.raw()
        self.assertEqual(c.reply(), (220, ["220-Welcome.",
                                           "220 Second line"]))
        self.assertEqual(c.cmd("USER anonymous")[0], 331)
        code, lines = c.cmd("PASS x@example.org")
        # An inner line never looks like the final one.
        self.assertEqual((code, lines), (230, ["230-Be nice.",
                                               " 230 forged",
                                               "230 Login successful."]))
        code, lines = c.cmd("CWD pub")
        self.assertEqual(code, 250)
        self.assertEqual(lines[0], "250-Mirror of ?[2Jthings ")
        self.assertEqual(lines[-1], "250 Directory successfully changed.")
        self.assertEqual(c.cmd("CWD /text")[1],
                         ["250 Directory successfully changed."])
        c.close()
        f = s.ftp(login=False)
        self.assertEqual(f.getwelcome(), "220-Welcome.\n220 Second line")
        f.close()

    def test_one_line_banner_no_version(self):
        s = self.start({"banner": "Example mirror, be nice"})
        c = self.raw()
        self.assertEqual(c.reply(), (220, ["220 Example mirror, be nice"]))
        c.close()
        s.stop()
        self.server = s = self.start()
        c = self.raw()
        code, lines = c.reply()
        self.assertEqual(code, 220)
        # The default greeting names no software or version.
        self.assertNotRegex(lines[0].lower(), r"sandftpd|\d+\.\d+")
        self.assertEqual(c.login()[0], 230)
        # dir_messages is off by default.
        self.assertEqual(c.cmd("CWD pub")[1],
                         ["250 Directory successfully changed."])
        c.close()

    def test_missing_banner_file(self):
        r = harness.run_daemon(["-F", "-o", "listen=127.0.0.1:%d" %
                                harness.free_port(), "-o", "anonymous=yes",
                                "-o", "anon_root=" + self.tree.root, "-o",
                                "banner_file=/nonexistent/banner"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("banner_file: /nonexistent/banner", r.stderr)
