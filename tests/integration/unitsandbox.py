#!/usr/bin/env python3
"""Run a program under the process restrictions a systemd service unit
gives it, for machines whose PID 1 is not systemd:

    unitsandbox.py UNIT PROGRAM [ARG]...

From UNIT: ProtectSystem=strict (a mount namespace of its own in which
every mount is read-only but /dev, /proc, /sys, the ReadWritePaths=,
/run/RuntimeDirectory, /var/log/LogsDirectory and the directories
listed in $UNITSANDBOX_RW, which stand for the unit's upload roots),
CapabilityBoundingSet=, NoNewPrivileges=, SystemCallFilter= (groups
expanded by systemd-analyze, "~" lines removing),
SystemCallErrorNumber=, RestrictAddressFamilies= (EAFNOSUPPORT, as
systemd answers), MemoryDenyWriteExecute= and RestrictNamespaces=yes,
built as one seccomp filter with libseccomp, as systemd does.  Then
PROGRAM is executed in place (same pid).  Not emulated: PrivateTmp=,
PrivateDevices=, the Protect*= settings other than ProtectSystem=, and
the rest."""
import ctypes
import ctypes.util
import errno
import os
import socket
import subprocess
import sys

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 4096, 16384, \
    1 << 18
MOUNT_FLAGS = {"nosuid": 2, "nodev": 4, "noexec": 8, "noatime": 1024,
               "nodiratime": 2048, "relatime": 1 << 21}
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
SCMP_ACT_KILL_PROCESS = 0x80000000
SCMP_ACT_ALLOW = 0x7fff0000
CMP_EQ, CMP_GE, CMP_MASKED_EQ = 4, 5, 7
PROT_WRITE, PROT_EXEC = 2, 4


def SCMP_ACT_ERRNO(e):
    return 0x00050000 | (e & 0xffff)


class Cmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]


def unit_settings(path):
    """{key: [values in order]} of the [Service] section."""
    out, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
                continue
            if section == "[Service]" and "=" in line:
                k, v = line.split("=", 1)
                out.setdefault(k.strip(), []).append(v.strip())
    return out


def syscall_groups():
    """{"@group": [members, "@subgroups"]} from systemd-analyze."""
    text = subprocess.run(["systemd-analyze", "syscall-filter"],
                          capture_output=True, text=True, check=True).stdout
    groups, cur = {}, None
    for line in text.splitlines():
        if line.startswith("@"):
            cur = groups.setdefault(line.strip(), [])
        elif cur is not None and line.strip() and \
                not line.strip().startswith("#"):
            cur.append(line.strip())
    return groups


def expand(names, groups):
    out = set()
    for n in names:
        if n.startswith("@"):
            out |= expand(groups[n], groups)
        else:
            out.add(n)
    return out


def allowed_calls(settings):
    groups = syscall_groups()
    allow, deny, listed = set(), set(), False
    for value in settings.get("SystemCallFilter", []):
        if value.startswith("~"):
            deny |= expand(value[1:].split(), groups)
        else:
            allow |= expand(value.split(), groups)
            listed = True
    if not listed:
        sys.exit("unitsandbox: the unit has no SystemCallFilter allow list")
    return allow - deny


def protect_system(settings):
    """ProtectSystem=strict with its writable exceptions."""
    if settings.get("ProtectSystem", ["no"])[-1] != "strict":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong,
                                                   ctypes.c_void_p]

    def mount(src, target, flags):
        if libc.mount(src and src.encode(), target.encode(), None, flags,
                      None) != 0:
            e = ctypes.get_errno()
            sys.exit("unitsandbox: mount %s: %s" % (target,
                                                     os.strerror(e)))

    writable = []
    for value in settings.get("ReadWritePaths", []):
        for path in value.split():
            optional = path.startswith("-")
            path = path.lstrip("-+")
            if os.path.isdir(path):
                writable.append(path)
            elif not optional:
                sys.exit("unitsandbox: ReadWritePaths: no " + path)
    for key, base in (("RuntimeDirectory", "/run"),
                      ("LogsDirectory", "/var/log")):
        for value in settings.get(key, []):
            for name in value.split():
                path = os.path.join(base, name)
                os.makedirs(path, exist_ok=True)
                writable.append(path)
    writable += [p for p in os.environ.get("UNITSANDBOX_RW", "").split(":")
                 if p]
    if libc.unshare(CLONE_NEWNS) != 0:
        sys.exit("unitsandbox: unshare(CLONE_NEWNS): %s" %
                 os.strerror(ctypes.get_errno()))
    mount(None, "/", MS_REC | MS_PRIVATE)
    for path in writable:
        mount(path, path, MS_BIND | MS_REC)
    keep = ["/dev", "/proc", "/sys"] + writable

    def kept(mp):
        return any(mp == k or mp.startswith(k.rstrip("/") + "/")
                   for k in keep)
    with open("/proc/self/mountinfo") as f:
        mounts = [l.split() for l in f]
    for fields in mounts:
        mp = fields[4].replace("\\040", " ")
        if kept(mp):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for opt in fields[5].split(","):
            flags |= MOUNT_FLAGS.get(opt, 0)
        mount(None, mp, flags)


def drop_capabilities(settings):
    libc = ctypes.CDLL(None, use_errno=True)
    libcap = ctypes.CDLL(ctypes.util.find_library("cap"))
    keep = set()
    for value in settings.get("CapabilityBoundingSet", []):
        for name in value.split():
            n = ctypes.c_int()
            if libcap.cap_from_name(name.lower().encode(),
                                    ctypes.byref(n)) != 0:
                sys.exit("unitsandbox: unknown capability " + name)
            keep.add(n.value)
    if "CapabilityBoundingSet" in settings:
        for cap in range(64):
            if cap not in keep:
                libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    if settings.get("NoNewPrivileges", ["no"])[-1] == "yes":
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            sys.exit("unitsandbox: PR_SET_NO_NEW_PRIVS failed")


def install_filter(settings):
    sc = ctypes.CDLL(ctypes.util.find_library("seccomp"))
    sc.seccomp_init.restype = ctypes.c_void_p
    sc.seccomp_init.argtypes = [ctypes.c_uint32]
    sc.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
        ctypes.POINTER(Cmp)]
    sc.seccomp_load.argtypes = [ctypes.c_void_p]
    err = settings.get("SystemCallErrorNumber", [None])[-1]
    default = SCMP_ACT_ERRNO(getattr(errno, err)) if err else \
        SCMP_ACT_KILL_PROCESS
    ctx = sc.seccomp_init(default)

    def rule(action, name, *cmps):
        nr = sc.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:
            return              # not a system call of this architecture
        arr = (Cmp * max(1, len(cmps)))(*cmps)
        if sc.seccomp_rule_add_array(ctx, action, nr, len(cmps), arr) < 0:
            sys.exit("unitsandbox: rule for %s refused" % name)

    allow = allowed_calls(settings)
    conditional = set()
    families = settings.get("RestrictAddressFamilies")
    if families and "socket" in allow:
        conditional.add("socket")
        ok = {getattr(socket, f) for f in " ".join(families).split()}
        for fam in range(64):
            rule(SCMP_ACT_ALLOW if fam in ok else
                 SCMP_ACT_ERRNO(errno.EAFNOSUPPORT), "socket",
                 Cmp(0, CMP_EQ, fam, 0))
        rule(SCMP_ACT_ERRNO(errno.EAFNOSUPPORT), "socket",
             Cmp(0, CMP_GE, 64, 0))
    if settings.get("MemoryDenyWriteExecute", ["no"])[-1] == "yes":
        wx = PROT_WRITE | PROT_EXEC
        for name in ("mmap", "mmap2"):
            if name in allow:
                conditional.add(name)
                for ok_bits in (0, PROT_WRITE, PROT_EXEC):
                    rule(SCMP_ACT_ALLOW, name,
                         Cmp(2, CMP_MASKED_EQ, wx, ok_bits))
        for name in ("mprotect", "pkey_mprotect"):
            if name in allow:
                conditional.add(name)
                rule(SCMP_ACT_ALLOW, name,
                     Cmp(2, CMP_MASKED_EQ, PROT_EXEC, 0))
    if settings.get("RestrictNamespaces", ["no"])[-1] == "yes":
        # No namespace at all: unshare and setns fail, clone3 says
        # ENOSYS (its flags cannot be read) so that glibc uses clone.
        conditional |= {"unshare", "setns", "clone3"}
        rule(SCMP_ACT_ERRNO(errno.ENOSYS), "clone3")
    for name in sorted(allow - conditional):
        rule(SCMP_ACT_ALLOW, name)
    if sc.seccomp_load(ctx) != 0:
        sys.exit("unitsandbox: seccomp_load failed")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    unit, program = sys.argv[1], sys.argv[2]
    settings = unit_settings(unit)
    protect_system(settings)
    drop_capabilities(settings)
    install_filter(settings)
    os.execv(program, [program] + sys.argv[3:])


if __name__ == "__main__":
    main()
