#!/bin/bash
# tls.sh - FTPS side by side: TLS logins per second (16 clients, AUTH TLS,
# USER/PASS, QUIT) and PROT P download throughput (one client, the data
# connection resuming the session) of sandftpd and vsftpd, each with an
# RSA-2048 certificate made here, on loopback.  Medians of REPS runs.
#
#   tests/bench/tls.sh [SANDFTPD_BINARY]
# Environment: VSFTPD (default /opt/peers/vsftpd/usr/sbin/vsftpd, from
# ../shared/bench/run.sh install-peers), DURATION (3), REPS (3),
# CLIENTS (16), BIG_SIZE (512M).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SANDFTPD=${1:-$top/build/sandftpd}
VSFTPD=${VSFTPD:-/opt/peers/vsftpd/usr/sbin/vsftpd}
DURATION=${DURATION:-3}
REPS=${REPS:-3}
CLIENTS=${CLIENTS:-16}
BIG_SIZE=${BIG_SIZE:-512M}

work=$(mktemp -d /tmp/sandftpd-tlsbench-XXXXXX)
chmod 755 "$work"
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

cc -O2 -o "$work/tlsload" "$here/tlsload.c" -lssl -lcrypto
mkdir -p "$work/root" "$work/empty"
truncate -s "$BIG_SIZE" "$work/root/big.bin"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" \
	-out "$work/cert.pem" -subj /CN=localhost -days 2 2>/dev/null
chmod 600 "$work/key.pem"
# vsftpd enters the home of the ftp account first: it must exist.
id ftp >/dev/null 2>&1 || useradd --system --home-dir /srv/ftp \
	--shell /usr/sbin/nologin ftp
mkdir -p "$(getent passwd ftp | cut -d: -f6)"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

measure() {	# name port
	logins=$(for i in $(seq "$REPS"); do
		"$work/tlsload" -m login -p "$2" -c "$CLIENTS" -d "$DURATION"
	done | median)
	mbs=$(for i in $(seq "$REPS"); do
		"$work/tlsload" -m get -p "$2" -f big.bin -d "$DURATION"
	done | median)
	printf '| %s | %s | %s |\n' "$1" "$logins" "$mbs"
}

start_sandftpd() {
	"$SANDFTPD" -F -o listen=127.0.0.1:2121 -o anonymous=yes \
		-o anon_root="$work/root" -o pasv_ports=41000-41999 \
		-o max_clients=12000 -o max_per_ip=12000 \
		-o tls_cert="$work/cert.pem" -o tls_key="$work/key.pem" \
		2>"$work/sandftpd.log" &
	pid=$!
}

start_vsftpd() {
	cat > "$work/vsftpd.conf" <<CONF
listen=YES
listen_address=127.0.0.1
listen_port=2122
background=NO
anonymous_enable=YES
anon_root=$work/root
no_anon_password=YES
local_enable=NO
write_enable=NO
pasv_min_port=42000
pasv_max_port=42999
connect_from_port_20=NO
max_clients=12000
max_per_ip=12000
xferlog_enable=NO
secure_chroot_dir=$work/empty
use_sendfile=YES
seccomp_sandbox=NO
ssl_enable=YES
allow_anon_ssl=YES
force_anon_logins_ssl=YES
force_anon_data_ssl=YES
ssl_tlsv1=NO
ssl_sslv2=NO
ssl_sslv3=NO
require_ssl_reuse=YES
rsa_cert_file=$work/cert.pem
rsa_private_key_file=$work/key.pem
CONF
	"$VSFTPD" "$work/vsftpd.conf" 2>"$work/vsftpd.log" &
	pid=$!
}

wait_port() {
	for i in $(seq 100); do
		if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "tls.sh: nothing listens on port $1:" >&2
	cat "$work"/*.log >&2
	exit 1
}

stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; sleep 0.5; }

echo "| server | TLS logins/s ($CLIENTS clients) | PROT P RETR MB/s |"
echo "|---|---:|---:|"
start_sandftpd; wait_port 2121; sleep 1; measure sandftpd 2121; stop
if [ -x "$VSFTPD" ]; then
	start_vsftpd; wait_port 2122; sleep 0.5; measure vsftpd 2122; stop
else
	echo "| vsftpd | (not installed: $VSFTPD) | |"
fi
