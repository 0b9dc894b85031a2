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
