"""Integration-test harness: start the real sandftpd on loopback, build
test trees, talk to it with real clients, inspect its processes.

run.py sets BINARY, HOOKS and UNPRIV before the tests run.  In
unprivileged mode the daemon runs as `nobody` (through setpriv) when the
suite runs as root, or as the current user otherwise.
"""
import ftplib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

BINARY = None        # path of build/sandftpd
HOOKS = None         # path of build/sandftpd-testhooks
UNPRIV = False       # run the daemon without root
SANITIZED = False    # the binaries are a sanitizer build
# (i, n): this run takes the i-th of n slices of the test port ranges,
# so runs side by side (run.py) never pick the same port.
PORT_SLICE = (0, 1)


def _slice(lo, hi):
    """This run's part of the ports lo..hi."""
    i, n = PORT_SLICE
    span = (hi - lo + 1) // n
    return lo + i * span, lo + (i + 1) * span - 1
NOBODY = 65534

IS_ROOT = os.geteuid() == 0


def privileged():
    """True when the daemon under test runs as root."""
    return IS_ROOT and not UNPRIV


def free_port():
    lo, hi = _slice(20000, 29999)
    for _ in range(200):
        port = random.randint(lo, hi)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


def free_range(width=40):
    # Below the kernel's ephemeral ports (ip_local_port_range: 32768 up),
    # which every client connection of both suites takes from: hundreds
    # in TIME_WAIT at once, spread over a range there, left no 40 ports
    # in a row free.
    lo, hi = _slice(10000, 19999)
    for _ in range(200):
        base = random.randint(lo, hi - width + 1)
        ok = True
        for p in range(base, base + width):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base, base + width - 1
    raise RuntimeError("no free passive range")


class Tree:
    """A test tree, readable by everyone (the session user must read it)."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="sandftpd-test-")
        os.chmod(self.base, 0o755)
        self.root = os.path.join(self.base, "root")
        os.mkdir(self.root, 0o755)

    def file(self, rel, data=b"", mode=0o644, mtime=None):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    def sparse(self, rel, size):
        """A file of size zero bytes that takes no disk space."""
        path = self.file(rel)
        os.truncate(path, size)
        return path

    def dir(self, rel, mode=0o755):
        path = os.path.join(self.root, rel)
        os.makedirs(path, mode=0o755, exist_ok=True)
        os.chmod(path, mode)
        return path

    def symlink(self, rel, target):
        os.symlink(target, os.path.join(self.root, rel))

    def cleanup(self):
        shutil.rmtree(self.base, ignore_errors=True)


def standard_tree():
    t = Tree()
    t.file("README.txt", b"Welcome.\n")
    t.file("text/unix.txt", b"line one\nline two\nline three\n")
    t.file("text/dos.txt", b"line one\r\nline two\r\n")
    t.file("bin/random.bin", os.urandom(300 * 1024))
    t.file("bin/small.bin", bytes(range(256)) * 16)
    t.file("pub/新文件夹/テスト.txt", "こんにちは\n".encode())
    t.file("pub/deep/a/b/c.txt", b"deep\n")
    t.file(".hidden", b"secret-ish\n")
    t.file("old.txt", b"old\n", mtime=946684800)  # 2000-01-01
    t.dir("empty")
    return t


class Server:
    """One sandftpd on loopback, foreground, log captured from stderr."""

    def __init__(self, tree=None, options=None, binary=None, anonymous=True,
                 ipv6=False, args=None, nofile=None, env=None,
                 netns=None, fsize=None):
        self.tree = tree
        self.netns = netns              # run inside this network namespace
        self.env = dict(env or {})      # added to the daemon's environment
        self.nofile = nofile            # RLIMIT_NOFILE: N, or (soft, hard)
        self.fsize = fsize              # RLIMIT_FSIZE in bytes
        self.args = list(args or [])    # extra command-line arguments
        self.binary = binary or BINARY
        self.port = free_port()
        self.pasv = free_range()
        self.host = "::1" if ipv6 else "127.0.0.1"
        self.options = {
            "listen": ("[::1]:%d" if ipv6 else "127.0.0.1:%d") % self.port,
            "anonymous": "yes" if anonymous else "no",
            "pasv_ports": "%d-%d" % self.pasv,
            "pool_spare": "2",
            "crash_limit": "0",
        }
        if tree is not None:
            self.options["anon_root"] = tree.root
        if options:
            self.options.update(options)
        self.proc = None
        self.lines = []
        # Guards lines; the reader notifies it for every line, so a test
        # waiting for one wakes as it arrives, not at its next poll.
        self.lock = threading.Condition()
        self.log_ended = False
        self.workdir = tempfile.mkdtemp(prefix="sandftpd-srv-")
        os.chmod(self.workdir, 0o755)

    # -- life cycle --

    def command(self):
        conf = os.path.join(self.workdir, "sandftpd.conf")
        with open(conf, "w") as f:
            for k, v in self.options.items():
                for one in (v if isinstance(v, list) else [v]):
                    f.write("%s = %s\n" % (k, one))
        os.chmod(conf, 0o644)
        cmd = daemon_command(self.binary, ["-F", "-f", conf] + self.args,
                             self.workdir)
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        return cmd

    def start(self, wait=True):
        def limits():
            import resource
            if self.nofile:
                soft, hard = (self.nofile if isinstance(self.nofile, tuple)
                              else (self.nofile, self.nofile))
                resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
            if self.fsize:
                resource.setrlimit(resource.RLIMIT_FSIZE,
                                   (self.fsize, self.fsize))
        self.proc = subprocess.Popen(self.command(), stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL,
                                     env=daemon_env(self.env),
                                     preexec_fn=limits)
        self.log_ended = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if wait:
            self.wait_log(r"ready: serving", timeout=15)
        return self

    def _read(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.lock:
                self.lines.append(line)
                self.lock.notify_all()
        with self.lock:
            self.log_ended = True
            self.lock.notify_all()

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.reader.join(5)
        shutil.rmtree(self.workdir, ignore_errors=True)
        return self.proc.returncode if self.proc else None

    # -- log --

    def log(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait_log(self, pattern, timeout=10, start=0):
        """Wait until a log line (from line index `start`) matches."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        with self.lock:
            while True:
                for line in self.lines[start:]:
                    if rx.search(line):
                        return line
                start = max(start, len(self.lines))
                left = deadline - time.time()
                if left <= 0 or self.log_ended:
                    break
                self.lock.wait(left)
        raise AssertionError("no log line matching %r in:\n%s"
                             % (pattern, self.log()))

    def mark(self):
        with self.lock:
            return len(self.lines)

    def signal_deaths(self):
        return [l for l in self.lines if "killed by signal" in l]

    def lines_since(self, start):
        with self.lock:
            return self.lines[start:]

    # -- processes --

    def pids(self):
        """The master and all its descendants."""
        result, todo = [], [self.master_pid()]
        while todo:
            pid = todo.pop()
            result.append(pid)
            try:
                tids = os.listdir("/proc/%d/task" % pid)
            except OSError:     # gone meanwhile
                tids = []
            for tid in tids:
                try:
                    with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                        todo.extend(int(c) for c in f.read().split())
                except OSError:
                    pass
        return result

    def master_pid(self):
        # Under setpriv the master is exec'd in place: same pid.
        return self.proc.pid

    def children(self):
        """[(pid, comm, status dict)] of the master's descendants that
        still exist (zombies included, with State Z)."""
        out = []
        for pid in self.pids()[1:]:
            st = proc_status(pid)
            if st is not None:
                out.append((pid, st.get("Name", ""), st))
        return out

    def pool_counts(self):
        """{comm: count} of live (non-zombie) children."""
        counts = {}
        for pid, comm, st in self.children():
            if not st.get("State", "").startswith("Z"):
                counts[comm] = counts.get(comm, 0) + 1
        return counts

    def session_pid(self, client_sock, name=None, timeout=5):
        """The child serving the control connection client_sock (a
        socket connected to this server), found through the socket's
        inode in /proc/net/tcp{,6} and the children's descriptors.
        name: only a child of that name (sandftpd-login/-anon): right
        after a login the pre-login child may still hold the socket."""
        cport = client_sock.getsockname()[1]
        deadline = time.time() + timeout
        while time.time() < deadline:
            inodes = socket_inodes(self.port, cport)
            for pid in self.pids()[1:]:
                if inodes & fd_inodes(pid):
                    st = proc_status(pid)
                    names = (name,) if name else ("sandftpd-anon",
                                                  "sandftpd-login",
                                                  "sandftpd-user")
                    if st and st.get("Name") in names and \
                            not st.get("State", "").startswith("Z"):
                        return pid
            time.sleep(0.05)
        raise AssertionError("no child holds the connection from port %d"
                             % cport)

    def relayed_pid(self, client_sock, name, timeout=5):
        """After a login over TLS: the child serving the session, which
        holds the other end of the stream socket its relay (the
        pre-login child holding client_sock) writes to."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            relay = self.session_pid(client_sock, "sandftpd-login")
            mine = fd_inodes(relay)
            out = subprocess.run(["ss", "-x", "-n"], capture_output=True,
                                 text=True).stdout
            peers = set()
            for line in out.splitlines():
                w = line.split()
                if len(w) >= 8 and w[0] == "u_str" and w[5] in mine:
                    peers.add(w[7])
            for pid in self.pids()[1:]:
                if pid != relay and peers & fd_inodes(pid):
                    st = proc_status(pid)
                    if st and st.get("Name") == name and \
                            not st.get("State", "").startswith("Z"):
                        return pid
            time.sleep(0.05)
        raise AssertionError("no %s behind the relay" % name)

    # -- clients --

    def ftp(self, login=True, timeout=10):
        f = ftplib.FTP(timeout=timeout)
        f.connect(self.host, self.port)
        if login:
            f.login()
        return f

    def raw(self, timeout=10):
        return RawClient(self.host, self.port, timeout)

    def url(self, path=""):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "ftp://%s:%d/%s" % (host, self.port, path)


def copy_binary(binary, copy):
    """Copy the daemon binary to copy, with the session binary the
    master looks for beside it (<binary>-session) when there is one.
    Readable and executable by all; write bits as they were (the master
    refuses a session binary others may write)."""
    for suffix in ("", "-session"):
        if suffix and not os.path.exists(binary + suffix):
            continue
        shutil.copy2(binary + suffix, copy + suffix)
        os.chmod(copy + suffix,
                 (os.stat(binary + suffix).st_mode & 0o7777) | 0o555)


def daemon_command(binary, args, workdir):
    """The command line that runs binary with args the way this mode
    runs the daemon (as nobody in unprivileged mode when we are root)."""
    if IS_ROOT and UNPRIV:
        # nobody cannot reach a build tree under /root: use a copy.
        copy = os.path.join(workdir, os.path.basename(binary))
        if not os.path.exists(copy):
            copy_binary(binary, copy)
        return ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                "--clear-groups", "--", copy] + list(args)
    return [binary] + list(args)


def daemon_env(extra=None):
    """The daemon's environment.  For sanitizer builds: a crash must kill
    the child with its own signal (SIGSEGV), not run ASan's handler,
    which would need files the sandbox does not give it."""
    env = dict(os.environ)
    env.update(extra or {})
    opts = env.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "handle_segv=0"
    return env


def run_daemon(args, binary=None, timeout=15):
    """Run the daemon binary to completion (-t, -V, a failing start) as
    this mode would run it; returns the CompletedProcess (text)."""
    workdir = tempfile.mkdtemp(prefix="sandftpd-run-")
    os.chmod(workdir, 0o755)
    try:
        return subprocess.run(daemon_command(binary or BINARY, args,
                                             workdir),
                              capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL,
                              env=daemon_env())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def proc_status(pid):
    """/proc/PID/status as a dict of stripped strings, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            text = f.read()
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def socket_inodes(local_port, remote_port):
    """Inodes of TCP sockets with this local and remote port."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            col = row.split()
            lport = int(col[1].split(":")[1], 16)
            rport = int(col[2].split(":")[1], 16)
            if lport == local_port and rport == remote_port:
                found.add(col[9])
    found.discard("0")
    return found


def fd_inodes(pid):
    """Socket inodes among a process's open descriptors."""
    out = set()
    try:
        names = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return out
    for n in names:
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, n))
        except OSError:
            continue
        if link.startswith("socket:["):
            out.add(link[8:-1])
    return out


def ipv6_available():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def wait_for(pred, timeout=10, interval=0.05):
    """Poll pred() until it returns something true; return that, or the
    last value after timeout."""
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v or time.time() >= deadline:
            return v
        time.sleep(interval)


class RawClient:
    """A control connection spoken by hand, for exact replies."""

    def __init__(self, host, port, timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.file = self.sock.makefile("rb")

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def login(self, user="anonymous", password="test@example.org"):
        """USER and PASS (the greeting must have been read); returns the
        PASS reply."""
        code, lines = self.cmd("USER " + user)
        assert code == 331, lines
        return self.cmd("PASS " + password)

    def reply(self):
        """One full reply: (code, [lines])."""
        lines = []
        first = self.file.readline()
        if not first:
            return None, []
        first = first.decode("utf-8", "replace").rstrip("\r\n")
        lines.append(first)
        code = first[:3]
        if len(first) > 3 and first[3] == "-":
            while True:
                l = self.file.readline()
                if not l:
                    break
                l = l.decode("utf-8", "replace").rstrip("\r\n")
                lines.append(l)
                if l.startswith(code + " "):
                    break
        return int(code), lines

    def closed(self, timeout=5):
        """True when the server closes the connection within timeout
        (whatever it still sends first is read and dropped)."""
        self.sock.settimeout(timeout)
        try:
            self.file.read()
            return True
        except (socket.timeout, TimeoutError):
            return False
        except OSError:
            return True

    def close(self):
        # The file shares the socket: only closing both closes it.
        for thing in (self.file, self.sock):
            try:
                thing.close()
            except OSError:
                pass


def pasv_connect(client):
    """Send EPSV on a RawClient and connect to the port it names."""
    code, lines = client.cmd("EPSV")
    assert code == 229, lines
    port = int(re.search(r"\(\|\|\|(\d+)\|\)", lines[0]).group(1))
    host = client.sock.getpeername()[0]
    return socket.create_connection((host, port), timeout=10)


def recv_all(sock, close=True):
    chunks = []
    while True:
        b = sock.recv(65536)
        if not b:
            break
        chunks.append(b)
    if close:
        sock.close()
    return b"".join(chunks)


def plain_build_only(why):
    """Skip in the sanitizer build's run what the plain run covers (the
    same filters and code): CI time."""
    if SANITIZED:
        raise unittest.SkipTest("in the plain build's run: " + why)


def one_run_only(why):
    """Run only once per `make check`: in the plain build, with the daemon
    as root where run.py also runs it unprivileged (what the privilege
    mode does not change): CI time."""
    plain_build_only(why)
    if UNPRIV and IS_ROOT:
        raise unittest.SkipTest("in the root-mode run: " + why)


class ServerTestCase(unittest.TestCase):
    """A test case with one server (standard tree) for the whole class.

    Every test's teardown checks that no child of the server died of a
    signal, unless the test says it expected that (self.expect_deaths).
    """

    options = None
    server_binary = None

    @classmethod
    def setUpClass(cls):
        cls.tree = standard_tree()
        cls.server = Server(cls.tree, cls.options,
                            binary=cls.server_binary).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tree.cleanup()

    def setUp(self):
        self.expect_deaths = False
        self._mark = self.server.mark()

    def tearDown(self):
        if not self.expect_deaths:
            time.sleep(0.05)
            with self.server.lock:
                new = self.server.lines[self._mark:]
            deaths = [l for l in new if "killed by signal" in l or
                      "seccomp" in l]
            self.assertEqual(deaths, [], "a child died:\n" +
                             "\n".join(new))


def raw_from(server, source, timeout=10):
    """A RawClient whose connection comes from the given local address."""
    c = RawClient.__new__(RawClient)
    c.sock = socket.create_connection((server.host, server.port),
                                      timeout=timeout,
                                      source_address=(source, 0))
    c.file = c.sock.makefile("rb")
    return c


class OwnServer(unittest.TestCase):
    """Tests that need a server of their own (limits, signals)."""

    options = None
    binary = None

    def setUp(self):
        self.tree = standard_tree()
        self.clients = []
        self.server = None

    def start(self, options=None, binary=None, **kw):
        self.server = Server(self.tree, options, binary=binary, **kw).start()
        return self.server

    def tearDown(self):
        for c in self.clients:
            c.close()
        if self.server:
            self.server.stop()
        self.tree.cleanup()

    def raw(self, source=None):
        c = raw_from(self.server, source) if source else self.server.raw()
        self.clients.append(c)
        return c

    def assert_works(self, c, greeting=True):
        if greeting:
            self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        self.assertEqual(retr(c, "README.txt"), b"Welcome.\n")

    def assert_refused(self, c, text):
        code, lines = c.reply()
        self.assertEqual(code, 421, lines)
        self.assertIn(text, lines[0])
        self.assertTrue(c.closed(timeout=5))

    def assert_no_deaths(self):
        bad = [l for l in self.server.lines
               if "killed by signal" in l or "seccomp violation" in l or
               "blocked system call" in l]
        self.assertEqual(bad, [], self.server.log())


def pasv_from_own_address(c):
    """EPSV, and the data connection from the control connection's own
    local address (the server accepts data only from the client's)."""
    code, lines = c.cmd("EPSV")
    assert code == 229, lines
    port = int(lines[0].split("|||")[1].split("|")[0])
    return socket.create_connection(
        (c.sock.getpeername()[0], port), timeout=10,
        source_address=(c.sock.getsockname()[0], 0))


def retr(c, name):
    """RETR over a RawClient in passive mode; returns the bytes."""
    data = pasv_from_own_address(c)
    code, lines = c.cmd("RETR " + name)
    assert code == 150, lines
    got = recv_all(data)
    code, lines = c.reply()
    assert code == 226, lines
    return got


# -- accounts: virtual users, system users --

# Local accounts the tests create (root mode; run.py ensure_accounts).
TEST_ACCOUNTS = ("sandftpd-t1", "sandftpd-t2")
TEST_GROUP = "sandftpd-tg"   # a supplementary group of both
TEST_PASSWORD = "Test-pass-1"
_hashes = {}


def account():
    """The local account virtual users run as: a test account as root;
    unprivileged, the daemon's own user (the only uid it can use)."""
    if not IS_ROOT:
        import pwd
        return pwd.getpwuid(os.getuid()).pw_name
    if UNPRIV:
        return "nobody"
    return TEST_ACCOUNTS[0]


def account_ids(name=None):
    import pwd
    pw = pwd.getpwnam(name or account())
    return pw.pw_uid, pw.pw_gid


def password_hash(password=TEST_PASSWORD):
    """A yescrypt hash made by `sandftpd -P` (reads stdin without a tty)."""
    if password not in _hashes:
        out = subprocess.run([BINARY, "-P"], input=password + "\n",
                             capture_output=True, text=True, timeout=20,
                             check=True, start_new_session=True)
        _hashes[password] = out.stdout.strip()
    return _hashes[password]


def quick_hash(password=TEST_PASSWORD):
    """A sha512-crypt hash (openssl passwd -6): a tenth of yescrypt's
    time, for the many logins of the attack battery and the upload
    tests (test_accounts covers yescrypt)."""
    key = ("sha512", password)
    if key not in _hashes:
        out = subprocess.run(["openssl", "passwd", "-6", "-stdin"],
                             input=password + "\n", capture_output=True,
                             text=True, timeout=20, check=True)
        _hashes[key] = out.stdout.strip()
    return _hashes[key]


def owned_dir(path, name=None, mode=0o755):
    """A directory owned by an account (the session writes there)."""
    os.makedirs(path, exist_ok=True)
    uid, gid = account_ids(name)
    if IS_ROOT:
        os.chown(path, uid, gid)
    os.chmod(path, mode)
    return path


def workdir(prefix):
    """A scratch directory the daemon (as any user) can read."""
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    return d


def user_roots(tree, *names):
    """users/NAME directories of the tree, owned by account(); their
    paths, in order."""
    users = os.path.join(tree.root, "users")
    os.makedirs(users, exist_ok=True)
    os.chmod(users, 0o755)
    return [owned_dir(os.path.join(users, n)) for n in names]


def user_db(workdir, users, quick=True):
    """Write a user_db file: users is [(name, root, 'rw'|'ro', account)];
    the password is TEST_PASSWORD, hashed with sha512-crypt (quick) or
    yescrypt by `sandftpd -P`."""
    path = os.path.join(workdir, "users")
    digest = quick_hash() if quick else password_hash()
    with open(path, "w") as f:
        f.write("# test users\n")
        for name, root, mode, acct in users:
            f.write("%s:%s:%s:%s:%s\n" % (name, digest, acct or account(),
                                          root, mode))
    os.chmod(path, 0o644)
    return path


def user_ftp(server, user, password=TEST_PASSWORD, timeout=10,
             encoding="utf-8"):
    f = ftplib.FTP(timeout=timeout, encoding=encoding)
    f.connect(server.host, server.port)
    f.login(user, password)
    return f
