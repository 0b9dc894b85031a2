"""The daemon under an emulation of systemd/sandftpd.service (root mode
only: the unit runs it as root).  No systemd runs as PID 1 here, so
unitsim.c applies what the kernel enforces for the unit to the master,
as systemd does to a service's main process: the capability bounding
set, no_new_privs, the system call filter (the unit's groups expanded
from `systemd-analyze syscall-filter`, the ~ lines taken out, other
calls failing with SystemCallErrorNumber=), RestrictAddressFamilies=,
RestrictNamespaces=, MemoryDenyWriteExecute=, RestrictSUIDSGID=, UMask=
and LimitNOFILE=.  The daemon's children inherit all of it and stack
their own filters on top.  Then real clients use every feature the unit
must keep working: anonymous downloads and listings, a system user
through PAM uploading, a virtual user uploading, active mode from port
20, explicit TLS with PROT P, a reload and a stop; no child may die of
a signal.  A probe shows the emulation is in force.

The file system settings too, in a private mount namespace
(PrivateMounts=): ProtectSystem=strict (all read-only but /dev, /proc,
/sys), ReadWritePaths= with LogsDirectory=, RuntimeDirectory= (new and
empty: a tmpfs),
PrivateTmp= (so the test's files live in a ReadWritePaths= directory,
/srv), PrivateDevices= (a /dev of the few harmless nodes),
ProtectKernelTunables= (/sys and /proc/sys read-only), ProtectProc= and
ProcSubset= (a /proc of their options); PrivateIPC= and
ProtectHostname= as new IPC and UTS namespaces.

Not emulated: ProtectHome= (the unit says no), ProtectKernelModules=,
ProtectKernelLogs=, ProtectClock= and ProtectControlGroups= beyond the
system call filter and the read-only /sys, DevicePolicy and the rest of
the cgroup side, KeyringMode=, RestrictRealtime=, LockPersonality=,
WatchdogSec= timing, KillMode= and Restart=.
"""
import errno
import io
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

import harness
import test_accounts
import tlsfiles
from harness import Server

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
UNIT = os.path.join(REPO, "systemd", "sandftpd.service")


# -- the unit --

def service_section(path=UNIT):
    """{key: [values]} of the [Service] section, in order; an empty
    assignment resets the key, as in systemd."""
    out, section = {}, None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
                continue
            if section != "[Service]" or "=" not in line:
                continue
            key, value = (s.strip() for s in line.split("=", 1))
            if value == "":
                out[key] = []
            else:
                out.setdefault(key, []).append(value)
    return out


def syscall_groups():
    """{@group: [members]} from `systemd-analyze syscall-filter`; a
    member starting with @ is a group itself."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"],
                         capture_output=True, text=True, timeout=60,
                         check=True).stdout
    groups, current = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif current is not None and line.startswith((" ", "\t")):
            word = line.strip()
            if word and not word.startswith("#"):
                current.append(word.split()[0])
        elif not line.strip():
            current = None
    return groups


def expand(item, groups, seen=None):
    seen = set() if seen is None else seen
    if not item.startswith("@"):
        return {item}
    if item not in groups:
        raise AssertionError("unknown system call group %s" % item)
    if item in seen:
        return set()
    seen.add(item)
    names = set()
    for member in groups[item]:
        names |= expand(member, groups, seen)
    return names


def allowed_syscalls(service, groups):
    """SystemCallFilter= as systemd builds it: an allow-list (with
    @default implied), every later ~ line taking names out."""
    lines = service.get("SystemCallFilter", [])
    if not lines or lines[0].startswith("~"):
        raise AssertionError("unitsim emulates an allow-list "
                             "SystemCallFilter= only: %r" % lines)
    allow = expand("@default", groups)
    for line in lines:
        deny = line.startswith("~")
        items = line.lstrip("~").split()
        names = set()
        for item in items:
            names |= expand(item, groups)
        if deny:
            allow -= names
        else:
            allow |= names
    return allow


def yes(service, key):
    v = service.get(key, ["no"])[-1].lower()
    return v in ("yes", "true", "on", "1")


def rw_paths(service):
    """ReadWritePaths= (a leading - means: skip if missing) and
    LogsDirectory= under /var/log, which systemd makes writable."""
    out = [p.lstrip("-+") for v in service.get("ReadWritePaths", [])
           for p in v.split()]
    out += [os.path.join("/var/log", d)
            for v in service.get("LogsDirectory", []) for d in v.split()]
    return out


def runtime_dirs(service):
    """RuntimeDirectory= under /run: new and empty at each start."""
    return [os.path.join("/run", d)
            for v in service.get("RuntimeDirectory", []) for d in v.split()]


def make_directories(service):
    """RuntimeDirectory= and LogsDirectory=, as systemd creates them
    before ExecStart= (unitsim mounts an empty tmpfs on the first,
    inside its namespace); the ones it made, for rmdir afterwards (an
    existing /run/sandftpd stays: other servers use it)."""
    made = []
    for key, top in (("RuntimeDirectory", "/run"),
                     ("LogsDirectory", "/var/log")):
        mode = int(service.get(key + "Mode", ["0755"])[-1], 8)
        for v in service.get(key, []):
            for d in v.split():
                path = os.path.join(top, d)
                if not os.path.isdir(path):
                    os.makedirs(path)
                    os.chmod(path, mode)
                    made.append(path)
    return made


def mount_args(service):
    """The mount namespace options: what the unit's file system
    settings amount to."""
    protect = service.get("ProtectSystem", ["no"])[-1]
    assert protect in ("strict", "no", "false"), \
        "unitsim emulates ProtectSystem=strict only, not %s" % protect
    assert not yes(service, "ProtectHome"), \
        "unitsim does not emulate ProtectHome="
    args = ["--mount-ns"]
    if protect == "strict":
        args.append("--read-only")
    for p in rw_paths(service):
        args += ["--rw", p]
    mode = service.get("RuntimeDirectoryMode", ["0755"])[-1]
    for p in runtime_dirs(service):
        args += ["--runtime-dir", "%s:%s" % (p, mode)]
    if yes(service, "PrivateTmp"):
        args.append("--private-tmp")
    if yes(service, "PrivateDevices"):
        args.append("--private-devices")
    if yes(service, "ProtectKernelTunables"):
        args.append("--protect-tunables")
    procopts = []
    pp = service.get("ProtectProc", ["default"])[-1]
    if pp != "default":
        procopts.append("hidepid=" + pp)
    if service.get("ProcSubset", ["all"])[-1] == "pid":
        procopts.append("subset=pid")
    if procopts:
        args += ["--proc", ",".join(procopts)]
    if yes(service, "PrivateIPC"):
        args.append("--private-ipc")
    if yes(service, "ProtectHostname"):
        args.append("--protect-hostname")
    return args


def watchdog_env(service):
    """WATCHDOG_USEC as systemd sets it for WatchdogSec= (WATCHDOG_PID
    too, but the main pid is not known before the start)."""
    v = service.get("WatchdogSec", ["0"])[-1]
    m = re.fullmatch(r"(\d+)\s*(ms|s|sec|min|m)?", v)
    assert m, "WatchdogSec=%s: unitsim reads plain values only" % v
    scale = {"ms": 1000, "min": 60000000, "m": 60000000}.get(m.group(2),
                                                            1000000)
    usec = int(m.group(1)) * scale
    return {"WATCHDOG_USEC": str(usec)} if usec else {}


def writable_base(service):
    """A ReadWritePaths= directory for the test files: under
    PrivateTmp= the daemon cannot see /tmp, and under ProtectSystem=
    strict it writes nowhere else (/srv rather than /home)."""
    dirs = [p for p in rw_paths(service)
            if os.path.isdir(p) and not p.startswith(("/run", "/var/log"))]
    dirs.sort(key=lambda p: p == "/home")
    if not dirs:
        raise unittest.SkipTest("none of the unit's ReadWritePaths= "
                                "exists here: %r" % rw_paths(service))
    return dirs[0]


def launcher_args(service, workdir, groups):
    """unitsim's options for the unit."""
    args = mount_args(service)
    caps = " ".join(service.get("CapabilityBoundingSet", []))
    if caps:
        assert not caps.startswith("~"), caps
        args += ["--caps", ",".join(c.lower() for c in caps.split())]
    if yes(service, "NoNewPrivileges"):
        args.append("--nnp")
    allow = allowed_syscalls(service, groups)
    path = os.path.join(workdir, "syscalls")
    with open(path, "w") as f:
        f.write("\n".join(sorted(allow)) + "\n")
    args += ["--syscalls", path]
    err = service.get("SystemCallErrorNumber", ["EPERM"])[-1]
    args += ["--errno", str(getattr(errno, err))]
    fams = " ".join(service.get("RestrictAddressFamilies", []))
    if fams:
        assert not fams.startswith("~"), fams
        args += ["--families", ",".join(fams.split())]
    if yes(service, "RestrictNamespaces"):
        args.append("--restrict-namespaces")
    if yes(service, "MemoryDenyWriteExecute"):
        args.append("--mdwe")
    if yes(service, "RestrictSUIDSGID"):
        args.append("--restrict-suid")
    if service.get("UMask"):
        args += ["--umask", service["UMask"][-1]]
    if service.get("LimitNOFILE"):
        args += ["--nofile", service["LimitNOFILE"][-1].split(":")[-1]]
    assert service.get("SystemCallArchitectures", ["native"])[-1] == \
        "native", "unitsim filters the native architecture only"
    return args


def compile_c(src, out):
    """cc SRC -lseccomp -lcap; skips when there is no compiler or no
    libseccomp/libcap headers."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise unittest.SkipTest("no C compiler (cc) to build unitsim")
    r = subprocess.run([cc, "-O2", "-Wall", "-o", out, src, "-lseccomp",
                        "-lcap"], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        if re.search(r"(seccomp|capability)\.h.? (No such file|file not "
                     r"found)", r.stderr):
            raise unittest.SkipTest("libseccomp or libcap headers are "
                                    "missing (Debian: libseccomp-dev "
                                    "libcap-dev): " + r.stderr.strip())
        raise AssertionError("cannot build %s:\n%s" % (src, r.stderr))
    return out


def sanitizer_env():
    """A sanitizer build under the unit: LeakSanitizer's check at exit
    needs ptrace, which the unit's system call filter refuses."""
    return {"ASAN_OPTIONS": "detect_leaks=0"} if harness.SANITIZED else {}


class UnitServer(Server):
    """A Server whose master starts under unitsim, like the unit's
    ExecStart= (-F: foreground; -f: the test configuration)."""

    def __init__(self, *a, launcher=None, unit_args=None, **kw):
        super().__init__(*a, **kw)
        self.launcher = [launcher] + list(unit_args) + ["--"]

    def command(self):
        return self.launcher + super().command()


@unittest.skipUnless(harness.IS_ROOT, "the unit runs the daemon as root")
class UnderTheUnit(unittest.TestCase):
    """One server with every feature on, under the emulated unit.  The
    tests run in name order; the last (test_z_...) reloads and stops
    it."""

    @classmethod
    def setUpClass(cls):
        if harness.UNPRIV:
            raise unittest.SkipTest("the unit runs the daemon as root")
        if shutil.which("systemd-analyze") is None:
            raise unittest.SkipTest("systemd-analyze is not installed "
                                    "(Debian: make test-deps)")
        cls.service = service_section()
        cls.ca = tlsfiles.files()["ca"]     # made where other tests find it
        # Every file of the test where the daemon can see and write it.
        cls.base = tempfile.mkdtemp(prefix="sandftpd-unitsim-",
                                    dir=writable_base(cls.service))
        os.chmod(cls.base, 0o755)
        saved, tempfile.tempdir = tempfile.tempdir, cls.base
        try:
            cls.setup_in_base()
        except BaseException:       # a skip included
            shutil.rmtree(cls.base, ignore_errors=True)
            raise
        finally:
            tempfile.tempdir = saved

    @classmethod
    def setup_in_base(cls):
        cls.work = harness.workdir("sandftpd-unitsim-")
        cls.launcher = compile_c(os.path.join(HERE, "unitsim.c"),
                                 os.path.join(cls.work, "unitsim"))
        cls.probe = compile_c(os.path.join(HERE, "probe_unit.c"),
                              os.path.join(cls.work, "probe"))
        cls.groups = syscall_groups()
        cls.allow = allowed_syscalls(cls.service, cls.groups)
        cls.unit_args = launcher_args(cls.service, cls.work, cls.groups)
        cls.made = make_directories(cls.service)
        # The binary where the unit lets the daemon see it: a checkout
        # under /tmp (as CI's may be) is hidden by PrivateTmp=.
        cls.binary = os.path.join(cls.work, "sandftpd")
        harness.copy_binary(harness.BINARY, cls.binary)
        cls.deny = os.path.join(cls.work, "user_deny")
        shutil.copy2(os.path.join(REPO, "etc", "user_deny"), cls.deny)
        os.chmod(cls.deny, 0o644)

        cls.tree = harness.standard_tree()
        cls.alice = harness.user_roots(cls.tree, "alice")[0]
        db = harness.user_db(cls.work, [("alice", cls.alice, "rw", None)])
        cls.user = harness.TEST_ACCOUNTS[0]
        cls.home = os.path.expanduser("~" + cls.user)
        os.chmod(cls.home, 0o700)
        cls.pam = test_accounts.pam_service(
            test_accounts.shipped_pam_lines())
        opts = {"user_db": db, "local_users": "yes", "pam_service": cls.pam,
                "user_deny_file": cls.deny,
                "port20": "yes"}
        opts.update(tlsfiles.options(cls.work))
        cls.notify_path = os.path.join(cls.work, "notify")
        cls.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        cls.notify.bind(cls.notify_path)
        cls.notify.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        cls.notify.settimeout(10)
        cls.server = UnitServer(
            cls.tree, opts, binary=cls.binary, launcher=cls.launcher,
            unit_args=cls.unit_args,
            env=dict(NOTIFY_SOCKET=cls.notify_path,
                     **watchdog_env(cls.service), **sanitizer_env()))
        try:
            cls.server.start()
        except Exception:
            cls.server.stop()
            cls.cleanup()
            raise

    @classmethod
    def cleanup(cls):
        cls.notify.close()
        os.unlink("/etc/pam.d/" + cls.pam)
        cls.tree.cleanup()
        for name in os.listdir(cls.home):
            if name.startswith("unitsim-"):
                os.unlink(os.path.join(cls.home, name))
        shutil.rmtree(cls.base, ignore_errors=True)
        for path in reversed(getattr(cls, "made", [])):
            try:
                os.rmdir(path)
            except OSError:         # not empty, or in use
                pass

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.cleanup()

    def setUp(self):
        self.mark = self.server.mark()

    def tearDown(self):
        time.sleep(0.05)
        bad = [l for l in self.server.lines_since(self.mark)
               if "killed by signal" in l or "seccomp violation" in l or
               "blocked system call" in l]
        self.assertEqual(bad, [], "\n".join(self.server.lines_since(
            self.mark)))

    def notified(self, key, timeout=10):
        """The next notification with KEY; every one read on the way
        must come from the master (NotifyAccess=main)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                data, anc, _, _ = self.notify.recvmsg(
                    4096, socket.CMSG_SPACE(struct.calcsize("3i")))
            except socket.timeout:
                break
            msg = data.decode()
            pids = [struct.unpack("3i", d[:12])[0] for lvl, typ, d in anc
                    if lvl == socket.SOL_SOCKET and
                    typ == socket.SCM_CREDENTIALS]
            self.assertEqual(pids, [self.server.master_pid()], msg)
            if key in msg.split("\n"):
                return msg
        self.fail("no %s on NOTIFY_SOCKET" % key)

    # -- the emulation itself --

    def probe_run(self, under):
        scratch = os.path.join(self.work, "scratch")
        with open(scratch, "w"):
            pass
        # Where ProtectSystem=strict forbids writes (the worktree may be
        # under /home, which the unit makes writable).
        outside = "/etc/.unitsim-probe-%d" % os.getpid()
        self.assertFalse(any(outside.startswith(p.rstrip("/") + "/")
                             for p in rw_paths(self.service)))
        fd, host_tmp = tempfile.mkstemp(prefix="unitsim-", dir="/tmp")
        os.close(fd)
        self.addCleanup(os.unlink, host_tmp)
        cmd = [self.probe, scratch, outside, host_tmp]
        if under:
            cmd = [self.launcher] + self.unit_args + ["--"] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        return dict((w[0], int(w[1])) for w in
                    (l.split() for l in r.stdout.splitlines()))

    def test_emulation_is_in_force(self):
        for name in ("setrlimit", "pidfd_getfd", "unshare", "socket"):
            want = name in ("unshare", "socket")
            self.assertEqual(name in self.allow, want, name)
        bare = self.probe_run(under=False)
        for k in ("setrlimit", "pidfd_open", "pidfd_getfd",
                  "socket_netlink", "socket_inet6", "unshare_newns",
                  "mmap_wx", "chmod_suid", "create_outside_rw",
                  "host_tmp_file", "proc_sys", "dev_null"):
            self.assertEqual(bare[k], 0, "%s without the unit: %s" %
                             (k, errno.errorcode.get(bare[k])))
        self.assertEqual(bare["bounding_sys_admin"], 1)
        got = self.probe_run(under=True)
        self.assertEqual(got, {
            "setrlimit": errno.EPERM,           # ~@resources
            "pidfd_open": 0,                    # @process
            "pidfd_getfd": errno.EPERM,         # @debug: not allowed
            "socket_netlink": errno.EAFNOSUPPORT,
            "socket_inet6": 0,
            "unshare_newns": errno.EPERM,
            "mmap_wx": errno.EPERM,
            "chmod_suid": errno.EPERM,
            "create_outside_rw": errno.EROFS,   # ProtectSystem=strict
            "host_tmp_file": errno.ENOENT,      # PrivateTmp=
            "proc_sys": errno.ENOENT,           # ProcSubset=pid
            "dev_null": 0,
            "bounding_sys_admin": 0,
            "bounding_setuid": 1,
            "no_new_privs": 1,
        })
        # The master itself: the unit's bounding set (or less, as
        # restrict_master drops more), no_new_privs, filters.
        st = harness.proc_status(self.server.master_pid())
        unit_caps = 0
        for cap in " ".join(self.service["CapabilityBoundingSet"]).split():
            unit_caps |= 1 << CAPS[cap]
        self.assertEqual(int(st["CapBnd"], 16) & ~unit_caps, 0, st["CapBnd"])
        self.assertEqual(st["NoNewPrivs"], "1")
        self.assertEqual(st["Seccomp"], "2")
        if "Seccomp_filters" in st:
            self.assertGreaterEqual(int(st["Seccomp_filters"]), 5)
        # Its own mount, IPC and UTS namespaces; / read-only there, the
        # test's ReadWritePaths= directory writable.
        pid = self.server.master_pid()
        for ns in ("mnt", "ipc", "uts"):
            self.assertNotEqual(os.readlink("/proc/%d/ns/%s" % (pid, ns)),
                                os.readlink("/proc/self/ns/" + ns), ns)
        mounts = {}
        with open("/proc/%d/mountinfo" % pid) as f:
            for line in f:
                w = line.split()
                mounts[w[4]] = w[5].split(",")
        self.assertIn("ro", mounts["/"])
        rw = os.path.dirname(self.base)
        self.assertIn("rw", mounts[rw])
        self.assertIn("rw", mounts["/tmp"])
        for p in runtime_dirs(self.service):
            self.assertIn("rw", mounts[p])

    def test_exec_start_pre_checks_the_configuration(self):
        # ExecStartPre= runs `sandftpd -t` under the same restrictions.
        pre = self.service["ExecStartPre"][-1].split()
        self.assertEqual(pre[1:], ["-t"])
        conf = os.path.join(self.server.workdir, "sandftpd.conf")
        r = subprocess.run([self.launcher] + self.unit_args +
                           ["--", self.binary, "-t", "-f", conf],
                           capture_output=True, text=True, timeout=20,
                           env=harness.daemon_env(sanitizer_env()))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    # -- the features --

    def test_anonymous_download_and_listing(self):
        f = self.server.ftp()
        out = []
        f.retrbinary("RETR bin/random.bin", out.append)
        with open(os.path.join(self.tree.root, "bin/random.bin"),
                  "rb") as fh:
            self.assertEqual(b"".join(out), fh.read())
        names = []
        f.retrlines("LIST pub", names.append)
        self.assertTrue(any(l.endswith(" deep") for l in names), names)
        self.assertIn("テスト.txt", f.nlst("pub/新文件夹")[0])
        f.quit()

    def test_system_user_upload_through_pam(self):
        f = harness.user_ftp(self.server, self.user)
        data = os.urandom(200000)
        self.assertTrue(f.storbinary("STOR unitsim-sys.bin",
                                     io.BytesIO(data)).startswith("226"))
        f.quit()
        path = os.path.join(self.home, "unitsim-sys.bin")
        with open(path, "rb") as fh:
            self.assertEqual(fh.read(), data)
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_gid),
                         harness.account_ids(self.user))
        self.assertEqual(st.st_mode & 0o777, 0o644)
        self.server.wait_log(r"system user '%s' logged in" % self.user)

    def test_system_user_wrong_password_refused(self):
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login(self.user, "wrong")[0], 530)
        c.close()

    def test_virtual_user_upload(self):
        f = harness.user_ftp(self.server, "alice")
        data = os.urandom(300000)
        self.assertTrue(f.storbinary("STOR v.bin", io.BytesIO(data))
                        .startswith("226"))
        f.mkd("sub")
        f.rename("v.bin", "sub/w.bin")
        f.quit()
        path = os.path.join(self.alice, "sub", "w.bin")
        with open(path, "rb") as fh:
            self.assertEqual(fh.read(), data)
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_gid), harness.account_ids())
        self.assertEqual(st.st_mode & 0o777, 0o644)

    def test_active_mode_from_port_20(self):
        c = self.server.raw()
        self.assertEqual(c.reply()[0], 220)
        self.assertEqual(c.login()[0], 230)
        self.assertEqual(c.cmd("TYPE I")[0], 200)
        for verb in ("PORT", "EPRT"):
            lsock = socket.socket()
            lsock.bind(("127.0.0.1", 0))
            lsock.listen(1)
            lsock.settimeout(10)
            port = lsock.getsockname()[1]
            arg = ("127,0,0,1,%d,%d" % (port >> 8, port & 255)
                   if verb == "PORT" else "|1|127.0.0.1|%d|" % port)
            self.assertEqual(c.cmd("%s %s" % (verb, arg))[0], 200)
            c.send("RETR README.txt\r\n")
            conn, peer = lsock.accept()
            lsock.close()
            conn.settimeout(10)
            self.assertEqual(c.reply()[0], 150)
            self.assertEqual(harness.recv_all(conn), b"Welcome.\n")
            self.assertEqual(c.reply()[0], 226)
            self.assertEqual(peer, ("127.0.0.1", 20))
        c.cmd("QUIT")
        c.close()

    def curl(self, *args):
        r = subprocess.run(["curl", "-sS", "--max-time", "20", "--ssl-reqd",
                            "--cacert", self.ca] + list(args),
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr.decode() +
                         "\n" + self.server.log())
        return r.stdout

    def url(self, path=""):
        return "ftp://localhost:%d/%s" % (self.server.port, path)

    def test_explicit_tls_prot_p(self):
        got = self.curl(self.url("bin/random.bin"))
        with open(os.path.join(self.tree.root, "bin/random.bin"),
                  "rb") as fh:
            self.assertEqual(got, fh.read())
        src = os.path.join(self.work, "tls-up.bin")
        data = os.urandom(100000)
        with open(src, "wb") as fh:
            fh.write(data)
        self.curl("-u", "alice:" + harness.TEST_PASSWORD, "-T", src,
                  self.url("tls.bin"))
        with open(os.path.join(self.alice, "tls.bin"), "rb") as fh:
            self.assertEqual(fh.read(), data)
        self.assertIn(b"tls.bin", self.curl(
            "-u", "alice:" + harness.TEST_PASSWORD, "-l", self.url("")))

    def test_z_reload_then_stop(self):
        # Last (name order): SIGHUP as ExecReload= sends it, then SIGTERM
        # as systemctl stop does.
        mark = self.server.mark()
        os.kill(self.server.master_pid(), signal.SIGHUP)
        self.notified("RELOADING=1")
        self.server.wait_log(r"SIGHUP: new TLS certificate and key loaded",
                             start=mark)
        self.notified("READY=1")
        self.assertEqual([l for l in self.server.lines_since(mark)
                          if "not reloaded" in l or "stay" in l], [])
        # New sessions after the reload: TLS and a PAM login.
        self.assertEqual(self.curl(self.url("README.txt")), b"Welcome.\n")
        f = harness.user_ftp(self.server, self.user)
        self.assertEqual(f.pwd(), "/")
        f.quit()
        self.server.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.server.proc.wait(20), 0, self.server.log())
        self.server.reader.join(5)
        self.server.wait_log(r"\bstopped\b", start=mark)


# Capability numbers (linux/capability.h) for the CapBnd check.
CAPS = {
    "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2,
    "CAP_FOWNER": 3, "CAP_FSETID": 4, "CAP_KILL": 5, "CAP_SETGID": 6,
    "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_LINUX_IMMUTABLE": 9,
    "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11,
    "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_IPC_LOCK": 14,
    "CAP_IPC_OWNER": 15, "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17,
    "CAP_SYS_CHROOT": 18, "CAP_SYS_PTRACE": 19, "CAP_SYS_PACCT": 20,
    "CAP_SYS_ADMIN": 21, "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23,
    "CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25, "CAP_SYS_TTY_CONFIG": 26,
    "CAP_MKNOD": 27, "CAP_LEASE": 28, "CAP_AUDIT_WRITE": 29,
    "CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31,
}
