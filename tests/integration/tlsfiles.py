"""Certificates for the FTPS tests, made at test time with the openssl
CLI: a test CA, server certificates (RSA and ECDSA, for localhost,
127.0.0.1 and ::1) signed by it, a second RSA one (for reload), and a
client certificate.  Made once per run, in a directory every mode's
daemon can read; the keys are readable by the daemon's user only."""
import os
import shutil
import ssl
import subprocess
import tempfile

import harness

_dir = None


def _openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True,
                   capture_output=True, timeout=60)


def _leaf(d, name, keyargs, cn, client=False):
    key, csr, crt = (os.path.join(d, name + ext)
                     for ext in (".key", ".csr", ".crt"))
    _openssl("req", "-new", "-newkey", *keyargs, "-nodes", "-keyout", key,
             "-out", csr, "-subj", "/CN=%s" % cn)
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        if client:
            f.write("extendedKeyUsage = clientAuth\n")
        else:
            f.write("subjectAltName = DNS:localhost, IP:127.0.0.1, "
                    "IP:::1\nextendedKeyUsage = serverAuth\n")
    _openssl("x509", "-req", "-in", csr, "-CA", os.path.join(d, "ca.crt"),
             "-CAkey", os.path.join(d, "ca.key"), "-CAcreateserial",
             "-days", "2", "-out", crt, "-extfile", ext)
    return crt, key


def files():
    """{name: path}: ca, rsa/rsa_key, ec/ec_key, rsa2/rsa2_key (another
    RSA pair), client/client_key, chain (rsa with the CA after it)."""
    global _dir
    if _dir is None:
        d = tempfile.mkdtemp(prefix="sandftpd-tls-")
        os.chmod(d, 0o755)
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-keyout", os.path.join(d, "ca.key"), "-out",
                 os.path.join(d, "ca.crt"), "-subj", "/CN=sandftpd test CA",
                 "-days", "2")
        _leaf(d, "rsa", ["rsa:2048"], "localhost")
        _leaf(d, "rsa2", ["rsa:2048"], "localhost")
        _leaf(d, "ec", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
              "localhost")
        _leaf(d, "client", ["rsa:2048"], "test client", client=True)
        with open(os.path.join(d, "chain.crt"), "wb") as out:
            for part in ("rsa.crt", "ca.crt"):
                with open(os.path.join(d, part), "rb") as f:
                    out.write(f.read())
        for name in os.listdir(d):
            p = os.path.join(d, name)
            os.chmod(p, 0o600 if name.endswith(".key") else 0o644)
        _dir = d
    f = {"ca": "ca.crt", "rsa": "rsa.crt", "rsa_key": "rsa.key",
         "rsa2": "rsa2.crt", "rsa2_key": "rsa2.key", "ec": "ec.crt",
         "ec_key": "ec.key", "client": "client.crt",
         "client_key": "client.key", "chain": "chain.crt"}
    return {k: os.path.join(_dir, v) for k, v in f.items()}


def server_keys(workdir, cert="rsa"):
    """Copies of a certificate and key for one server, the key owned by
    the daemon's user (nobody in unprivileged mode), mode 600."""
    f = files()
    crt = os.path.join(workdir, "tls.crt")
    key = os.path.join(workdir, "tls.key")
    shutil.copy(f[cert], crt)
    shutil.copy(f[cert + "_key"], key)
    os.chmod(crt, 0o644)
    os.chmod(key, 0o600)
    if harness.IS_ROOT and harness.UNPRIV:
        os.chown(key, harness.NOBODY, harness.NOBODY)
    return crt, key


def options(workdir, cert="rsa"):
    crt, key = server_keys(workdir, cert)
    return {"tls_cert": crt, "tls_key": key}


def client_context():
    """Verification on, against the test CA (as a careful client)."""
    ctx = ssl.create_default_context(cafile=files()["ca"])
    return ctx


def starttls(client, ctx=None):
    """AUTH TLS on a RawClient, then TLS on its socket; the 234 reply."""
    code, lines = client.cmd("AUTH TLS")
    assert code == 234, lines
    wrap(client, ctx)
    return code


def wrap(client, ctx=None):
    """TLS on a RawClient's socket; its context stays as client.tls_ctx
    (a data connection resumes the session only within it)."""
    ctx = ctx or client_context()
    client.tls_ctx = ctx
    client.file.close()
    client.sock = (ctx).wrap_socket(client.sock, server_hostname="localhost")
    client.file = client.sock.makefile("rb")
