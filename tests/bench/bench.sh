#!/bin/bash
# bench.sh - `make bench`: sandftpd side by side with vsftpd, pure-ftpd and
# ProFTPD on this machine, over loopback, and all of them against floors
# of the machine measured with rawfloor (no FTP at all).
#
#   tests/bench/bench.sh          (as root; `make bench` does the same)
#
# The peers come from this system's Debian packages, downloaded with
# apt-get download and unpacked with dpkg -x into $BENCH_DIR/peers: no
# maintainer script runs, no service is installed or started.  Each server
# runs in the foreground with a configuration written here (an anonymous
# read-only mirror of $BENCH_DIR/root on 127.0.0.1) and is stopped before
# the next one starts.
#
# Workloads (ftpbench, one thread per client): login (16 clients), small
# (8 clients, RETR of a 4 KiB file), big (1 client, RETR of a 1 GiB file),
# list and mlsd (one listing of 10,000 entries), idle (IDLE_SESSIONS
# logged-in sessions held, PSS of the server's process tree).  Floors:
# raw-exec (fork and exec a static greeter per connection), raw-small and
# raw-big (sendfile the file, close).
#
# Environment: DURATION (3) measured seconds and WARMUP (1) unmeasured
# seconds per run, REPS (3) runs per figure (the median is kept),
# IDLE_SESSIONS (1000), MODES ("login small big list mlsd idle"),
# SERVERS ("sandftpd vsftpd pure-ftpd proftpd"), SANDFTPD (the binary,
# build/sandftpd), BENCH_DIR (/tmp/sandftpd-bench: peers, fixture, logs;
# kept for the next run, remove it to free its 1 GiB), OUT (build/bench:
# tools and results), QUIET_WAIT (5) seconds to wait before a run for the
# machine to be under BUSY_MAX (20) percent busy (it is only recorded and
# logged if it is not).
#
# Output in $OUT: results.md (the tables), ratios.png (the plot),
# results.tsv (the medians and every run's figure), raw.jsonl (every
# ftpbench result line), busy.txt; the servers' configurations, command
# lines and logs are in $BENCH_DIR/run/NAME/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

SANDFTPD=${SANDFTPD:-$top/build/sandftpd}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
REPS=${REPS:-3}
IDLE_SESSIONS=${IDLE_SESSIONS:-1000}
IDLE_SETTLE=${IDLE_SETTLE:-2}
MODES=${MODES:-login small big list mlsd idle}
SERVERS=${SERVERS:-sandftpd vsftpd pure-ftpd proftpd}
BENCH_DIR=${BENCH_DIR:-/tmp/sandftpd-bench}
OUT=${OUT:-$top/build/bench}
BIG_SIZE=${BIG_SIZE:-1073741824}
SMALL_SIZE=4096
LIST_ENTRIES=10000
LOGIN_CLIENTS=16
SMALL_CLIENTS=8
HOST=127.0.0.1
# The load comes from another loopback address: the client's ephemeral
# ports (32768-60999) then never hold a port a server wants to listen on
# at 127.0.0.1 for a passive data connection.
CLIENT=127.0.0.2
MAXCONN=12000
FLOOR_PORT=2310
QUIET_WAIT=${QUIET_WAIT:-5}
BUSY_MAX=${BUSY_MAX:-20}

ROOT=$BENCH_DIR/root
RUN=$BENCH_DIR/run
PEERS=$BENCH_DIR/peers
TSV=$OUT/results.tsv
RAW=$OUT/raw.jsonl
BUSY_LOG=$OUT/busy.txt

# Control port and passive range of each server.  pure-ftpd allows at
# most half as many clients as it has passive ports, so it gets a range
# wide enough for IDLE_SESSIONS (servers run one at a time, so sharing
# ports with another's range is harmless).
port_of() {
	case $1 in
	sandftpd) echo 2301 ;; vsftpd) echo 2302 ;;
	pure-ftpd) echo 2303 ;; proftpd) echo 2304 ;;
	esac
}
pasv_of() {
	case $1 in
	sandftpd) echo "50000 50999" ;; vsftpd) echo "51000 51999" ;;
	pure-ftpd) echo "50000 54999" ;; proftpd) echo "52000 52999" ;;
	esac
}

log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ------------------------------------------------------------ setup

need_packages() {	# install the Debian packages of missing commands
	local missing="" cp
	for cp in "$@"; do
		command -v "${cp%%:*}" >/dev/null 2>&1 ||
			missing="$missing ${cp#*:}"
	done
	[ -z "$missing" ] && return 0
	log "installing:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
}

build_tools() {
	local cflags="-std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra"
	mkdir -p "$OUT"
	# shellcheck disable=SC2086
	{
		cc $cflags -pthread -o "$OUT/ftpbench" "$here/ftpbench.c" &&
		cc $cflags -o "$OUT/rawfloor" "$here/rawfloor.c" &&
		cc $cflags -static -o "$OUT/greeter" "$here/greeter.c" &&
		cc $cflags -o "$OUT/treemem" "$here/treemem.c"
	} || die "building the tools failed"
}

# The served tree; kept between runs and remade only where it differs.
fixture() {
	mkdir -p "$ROOT/list10k"
	chmod 755 "$BENCH_DIR" "$ROOT" "$ROOT/list10k"
	if [ "$(stat -c %s "$ROOT/small.bin" 2>/dev/null || echo 0)" != "$SMALL_SIZE" ]; then
		head -c "$SMALL_SIZE" /dev/urandom > "$ROOT/small.bin"
	fi
	if [ "$(stat -c %s "$ROOT/big.bin" 2>/dev/null || echo 0)" != "$BIG_SIZE" ]; then
		log "fixture: big.bin ($BIG_SIZE bytes)"
		# Real bytes (not a sparse file, whose holes some file
		# systems serve without touching the page cache), made fast:
		# 1 MiB of random data repeated, into preallocated space.
		head -c 1048576 /dev/urandom > "$ROOT/chunk.tmp"
		fallocate -l "$BIG_SIZE" "$ROOT/big.tmp" 2>/dev/null || true
		local i
		for i in $(seq 1 $((BIG_SIZE / 1048576))); do
			cat "$ROOT/chunk.tmp"
		done | dd of="$ROOT/big.tmp" bs=1M conv=notrunc status=none
		truncate -s "$BIG_SIZE" "$ROOT/big.tmp"
		mv "$ROOT/big.tmp" "$ROOT/big.bin"
		rm -f "$ROOT/chunk.tmp"
	fi
	if [ "$(find "$ROOT/list10k" -maxdepth 1 -type f | wc -l)" != "$LIST_ENTRIES" ]; then
		log "fixture: list10k/ with $LIST_ENTRIES empty files"
		find "$ROOT/list10k" -maxdepth 1 -type f -delete
		(cd "$ROOT/list10k" &&
			seq -f 'file-%05g.dat' 1 "$LIST_ENTRIES" | xargs touch)
	fi
	chmod 644 "$ROOT/small.bin" "$ROOT/big.bin"
	# In the page cache before the first server, so no server pays
	# for the disk.
	cat "$ROOT/big.bin" > /dev/null
}

# Unpack the peers from their Debian packages (no maintainer scripts).
install_peers() {
	local p deps="" missing
	mkdir -p "$PEERS/debs"
	for p in vsftpd pure-ftpd pure-ftpd-common proftpd-core; do
		[ -d "$PEERS/$p" ] && continue
		if ! ls "$PEERS/debs/${p}_"*.deb >/dev/null 2>&1; then
			log "downloading the Debian package $p"
			(cd "$PEERS/debs" && apt-get download "$p" >/dev/null 2>&1) || {
				apt-get update -qq
				(cd "$PEERS/debs" && apt-get download "$p" >/dev/null)
			} || die "apt-get download $p failed"
		fi
		dpkg-deb -x "$PEERS/debs/${p}_"*.deb "$PEERS/$p"
	done
	# Their shared libraries, where the system lacks them: only the
	# library packages they depend on, never the servers themselves.
	missing=$(for p in vsftpd/usr/sbin/vsftpd pure-ftpd/usr/sbin/pure-ftpd \
			proftpd-core/usr/sbin/proftpd; do
		ldd "$PEERS/$p" 2>/dev/null | grep 'not found' || true
	done)
	if [ -n "$missing" ]; then
		for p in vsftpd pure-ftpd proftpd-core; do
			deps="$deps, $(dpkg-deb -f "$PEERS/debs/${p}_"*.deb Depends)"
		done
		deps=$(printf '%s\n' "$deps" | tr ',|' '\n\n' |
			sed 's/(.*//; s/[[:space:]]//g; s/:any$//' | grep '^lib' | sort -u)
		log "installing the peers' libraries: $(echo $deps)"
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $deps >/dev/null
	fi
}

# vsftpd, pure-ftpd and ProFTPD run anonymous sessions as the system user
# ftp; sandftpd runs its sessions as sandftpd (make user).
system_users() {
	if ! getent passwd ftp >/dev/null; then
		log "creating the system user ftp (home /srv/ftp) for the peers"
		useradd --system --home-dir /srv/ftp --shell /usr/sbin/nologin ftp
	fi
	mkdir -p "$(getent passwd ftp | cut -d: -f6)"
	if ! getent passwd sandftpd >/dev/null; then
		log "creating the session user sandftpd"
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin sandftpd
	fi
}

# ---------------------------------------------------------- servers

SERVER_PID=
SERVER_NAME=

# Write NAME's configuration; print its command line.
server_cmd() {
	local name=$1 dir=$RUN/$1 port pmin pmax
	port=$(port_of "$name")
	read -r pmin pmax <<< "$(pasv_of "$name")"
	mkdir -p "$dir"
	case $name in
	sandftpd)
		echo "$SANDFTPD -F -o listen=$HOST:$port -o pasv_ports=$pmin-$pmax" \
			"-o max_clients=$MAXCONN -o max_per_ip=$MAXCONN" \
			"-o anonymous=yes -o anon_root=$ROOT -o local_users=no" ;;
	vsftpd)
		mkdir -p "$dir/empty"
		# seccomp_sandbox=NO: vsftpd 3.0.3's own filter kills the
		# session (SIGSYS on alarm) at the first PASV/EPSV on
		# current kernels, so no transfer could complete.
		cat > "$dir/vsftpd.conf" <<-EOF
		listen=YES
		listen_ipv6=NO
		listen_address=$HOST
		listen_port=$port
		background=NO
		anonymous_enable=YES
		anon_root=$ROOT
		no_anon_password=YES
		local_enable=NO
		write_enable=NO
		pasv_min_port=$pmin
		pasv_max_port=$pmax
		connect_from_port_20=NO
		max_clients=$MAXCONN
		max_per_ip=$MAXCONN
		xferlog_enable=NO
		dirmessage_enable=NO
		secure_chroot_dir=$dir/empty
		use_sendfile=YES
		seccomp_sandbox=NO
		EOF
		echo "$PEERS/vsftpd/usr/sbin/vsftpd $dir/vsftpd.conf" ;;
	pure-ftpd)
		cat > "$dir/pure-ftpd.conf" <<-EOF
		Bind $HOST,$port
		IPV4Only yes
		Daemonize no
		PIDFile $dir/pure-ftpd.pid
		AnonymousOnly yes
		ChrootEveryone yes
		AnonymousCantUpload yes
		AnonymousCanCreateDirs no
		PassivePortRange $pmin $pmax
		MaxClientsNumber $MAXCONN
		MaxClientsPerIP $MAXCONN
		DontResolve yes
		SyslogFacility none
		EOF
		# pure-ftpd serves anonymous users the ftp account's home:
		# the tree is bind-mounted there in a mount namespace of the
		# server's own, so nothing changes outside it.
		echo "unshare -m --propagation private sh -c" \
			"'mount --bind \"\$1\" \"\$2\" && shift 2 && exec \"\$@\"'" \
			"sh $ROOT $(getent passwd ftp | cut -d: -f6)" \
			"$PEERS/pure-ftpd/usr/sbin/pure-ftpd $dir/pure-ftpd.conf" ;;
	proftpd)
		cat > "$dir/proftpd.conf" <<-EOF
		ServerName "bench"
		ServerType standalone
		DefaultServer on
		Port $port
		DefaultAddress $HOST
		SocketBindTight on
		UseIPv6 off
		User nobody
		Group nogroup
		ModulePath $PEERS/proftpd-core/usr/lib/proftpd
		PassivePorts $pmin $pmax
		MaxInstances $MAXCONN
		PidFile $dir/proftpd.pid
		ScoreboardFile $dir/proftpd.scoreboard
		DelayTable $dir/proftpd.delay
		SystemLog $dir/proftpd-system.log
		TransferLog NONE
		WtmpLog off
		UseLastlog off
		UseReverseDNS off
		<Limit LOGIN>
		  DenyAll
		</Limit>
		<Anonymous $ROOT>
		  User ftp
		  Group ftp
		  UserAlias anonymous ftp
		  RequireValidShell off
		  MaxClients none
		  <Limit LOGIN>
		    AllowAll
		  </Limit>
		  <Limit WRITE SITE_CHMOD>
		    DenyAll
		  </Limit>
		</Anonymous>
		EOF
		echo "$PEERS/proftpd-core/usr/sbin/proftpd -n -c $dir/proftpd.conf" ;;
	*) die "unknown server: $name" ;;
	esac
}

start_server() {	# start_server NAME; sets SERVER_PID
	local name=$1 cmd i
	cmd=$(server_cmd "$name")
	printf '%s\n' "$cmd" > "$RUN/$name/cmd"
	eval "exec $cmd" > "$RUN/$name/log" 2>&1 < /dev/null &
	SERVER_PID=$! SERVER_NAME=$name
	for i in $(seq 1 100); do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			SERVER_PID=
			log "$name exited at start:"
			tail -n 20 "$RUN/$name/log" >&2
			return 1
		fi
		if "$OUT/ftpbench" -m probe -H "$HOST" -b "$CLIENT" \
			-p "$(port_of "$name")" -T 2 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	log "$name did not let anyone log in within 20 s:"
	tail -n 20 "$RUN/$name/log" >&2
	stop_server
	return 1
}

# Stop the server started last, and any session process it left behind
# (those are signalled only while PID and start time still match).
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	local pid=$SERVER_PID tree i p st
	tree=$("$OUT/treemem" -l "$pid" 2>/dev/null | grep -v "^$pid " || true)
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	local rc=0
	wait "$pid" 2>/dev/null || rc=$?
	# 143: the SIGTERM sent here; anything else is the server's own doing
	# (bash has then already said which signal, naming the start line).
	[ "$rc" = 0 ] || [ "$rc" = 143 ] ||
		log "$SERVER_NAME (pid $pid) ended with status $rc when stopped"
	for sig in TERM KILL; do
		while read -r p st; do
			[ -n "$p" ] || continue
			[ "$(cut -d' ' -f22 "/proc/$p/stat" 2>/dev/null)" = "$st" ] &&
				kill -"$sig" "$p" 2>/dev/null || true
		done <<< "$tree"
		sleep 0.3
	done
	SERVER_PID=
}

FLOOR_PID=
LOAD_PID=
cleanup() {
	[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
	[ -n "$FLOOR_PID" ] && kill "$FLOOR_PID" 2>/dev/null
	stop_server
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------- measuring

jfield() {	# jfield KEY < JSON line
	sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p" | head -n 1
}

median() {	# median of the numeric arguments; NA when there are none
	printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "NA";
			else if (NR % 2) print v[(NR + 1) / 2];
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

record() {	# record SERVER WORKLOAD UNIT MEDIAN RUNS ERRORS NOTE
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$TSV"
}

# The machine's CPU use (percent of all CPUs) over half a second.  Taken
# before each run while the server under test is idle, it shows what else
# the machine is doing: it is shared, and another job halves any figure.
cpu_busy() {
	local a b i d busy=0 total=0
	read -r -a a < /proc/stat
	sleep 0.5
	read -r -a b < /proc/stat
	for i in 1 2 3 4 5 6 7 8; do
		d=$((b[i] - a[i]))
		total=$((total + d))
		[ "$i" != 4 ] && [ "$i" != 5 ] && busy=$((busy + d))
	done
	echo $((total > 0 ? 100 * busy / total : 0))
}

# Wait (up to QUIET_WAIT seconds) for the machine to be below BUSY_MAX
# percent busy; record the last sample in $BUSY_LOG.
wait_quiet() {
	local b i
	for i in $(seq 1 $((QUIET_WAIT * 2))); do
		b=$(cpu_busy)
		[ "$b" -le "$BUSY_MAX" ] && break
	done
	echo "$b" >> "$BUSY_LOG"
	[ "$b" -le "$BUSY_MAX" ] || log "note: the machine was $b% busy before this run"
}

# measure SERVER WORKLOAD FIELD UNIT ftpbench-args...: REPS runs, median.
measure() {
	local server=$1 workload=$2 field=$3 unit=$4 r out vals=() errs=0 note=""
	shift 4
	for r in $(seq 1 "$REPS"); do
		wait_quiet
		out=$(timeout -k 5 $((DURATION + WARMUP + 40)) "$OUT/ftpbench" \
			-H "$HOST" -b "$CLIENT" -t "$DURATION" -W "$WARMUP" "$@" \
			2>> "$RUN/ftpbench.log" || true)
		printf '{"server":"%s","workload":"%s","rep":%s,"result":%s}\n' \
			"$server" "$workload" "$r" "${out:-null}" >> "$RAW"
		if [ -z "$out" ] || [ "$(jfield ops <<< "$out")" = 0 ]; then
			vals+=(NA)
		else
			vals+=("$(jfield "$field" <<< "$out")")
		fi
		errs=$((errs + $(jfield errors <<< "$out" | grep . || echo 0)))
		[ -z "$note" ] && note=$(jfield first_error <<< "$out")
		# A command the server does not implement: once is enough.
		case $out in *'"unsupported":'*) break ;; esac
	done
	local med
	med=$(median "${vals[@]}")
	record "$server" "$workload" "$unit" "$med" "$(IFS=,; echo "${vals[*]}")" \
		"$errs" "$note"
	log "$server $workload: $med $unit (runs ${vals[*]}; errors $errs${note:+; $note})"
}

# idle SERVER: REPS times, a freshly started server holds IDLE_SESSIONS
# sessions; the growth of its tree's PSS and process count per session.
idle() {
	local server=$1 r pss=() procs=() total=() opened=() errs=0 note=""
	local m0 m1 res o
	for r in $(seq 1 "$REPS"); do
		stop_server
		start_server "$server" || { opened+=(0); continue; }
		wait_quiet
		m0=$("$OUT/treemem" "$SERVER_PID")
		: > "$RUN/idle.err"
		# (no timeout(1) here: $! must be ftpbench for the SIGUSR1;
		# ftpbench bounds itself: 120 s to open, 200 s to hold)
		"$OUT/ftpbench" -m idle -H "$HOST" -b "$CLIENT" \
			-p "$(port_of "$server")" -c "$IDLE_SESSIONS" -k 16 -t 200 \
			> "$RUN/idle.out" 2> "$RUN/idle.err" &
		LOAD_PID=$!
		for _ in $(seq 1 1500); do
			grep -q '^READY' "$RUN/idle.err" && break
			kill -0 "$LOAD_PID" 2>/dev/null || break
			sleep 0.1
		done
		sleep "$IDLE_SETTLE"
		m1=$("$OUT/treemem" "$SERVER_PID")
		kill -USR1 "$LOAD_PID" 2>/dev/null || true
		wait "$LOAD_PID" || true
		LOAD_PID=
		res=$(cat "$RUN/idle.out")
		printf '{"server":"%s","workload":"idle","rep":%s,"result":%s,"before":%s,"during":%s}\n' \
			"$server" "$r" "${res:-null}" "$m0" "$m1" >> "$RAW"
		o=$(jfield alive <<< "$res")
		o=${o:-0}
		opened+=("$o")
		errs=$((errs + $(jfield errors <<< "$res" | grep . || echo 0)))
		[ -z "$note" ] && note=$(jfield first_error <<< "$res")
		if [ "$o" -gt 0 ]; then
			pss+=("$(awk -v a="$(jfield pss_kb <<< "$m0")" \
				-v b="$(jfield pss_kb <<< "$m1")" -v n="$o" \
				'BEGIN { printf "%.1f", (b - a) / n }')")
			procs+=("$(awk -v a="$(jfield procs <<< "$m0")" \
				-v b="$(jfield procs <<< "$m1")" -v n="$o" \
				'BEGIN { printf "%.3f", (b - a) / n }')")
			total+=("$(awk -v b="$(jfield pss_kb <<< "$m1")" \
				'BEGIN { printf "%.1f", b / 1024 }')")
		fi
	done
	local on="sessions alive ${opened[*]} of $IDLE_SESSIONS${note:+; $note}"
	record "$server" idle-pss kB/session "$(median "${pss[@]}")" \
		"$(IFS=,; echo "${pss[*]}")" "$errs" "$on"
	record "$server" idle-procs procs/session "$(median "${procs[@]}")" \
		"$(IFS=,; echo "${procs[*]}")" "$errs" "$on"
	record "$server" idle-total MB "$(median "${total[@]}")" \
		"$(IFS=,; echo "${total[*]}")" "$errs" "$on"
	log "$server idle: PSS/session ${pss[*]} kB, processes/session ${procs[*]}; $on"
}

has_mode() { case " $MODES " in *" $1 "*) return 0 ;; esac; return 1; }

run_server() {
	local name=$1 port
	port=$(port_of "$name")
	log "$name: $(server_cmd "$name")"
	if ! start_server "$name"; then
		record "$name" start - NA - 0 "did not start"
		return 0
	fi
	local c=(-p "$port")
	has_mode login && measure "$name" login rate sessions/s -m login \
		-c "$LOGIN_CLIENTS" "${c[@]}"
	has_mode small && measure "$name" small rate files/s -m small \
		-c "$SMALL_CLIENTS" -f small.bin "${c[@]}"
	has_mode big && measure "$name" big mb_s MB/s -m big -c 1 \
		-f big.bin "${c[@]}"
	has_mode list && measure "$name" list p50_ms ms -m list -x LIST \
		-d list10k -c 1 "${c[@]}"
	has_mode mlsd && measure "$name" mlsd p50_ms ms -m list -x MLSD \
		-d list10k -c 1 "${c[@]}"
	has_mode idle && idle "$name"
	stop_server
}

floor() {	# floor NAME rawfloor-args... -- ftpbench-args...
	local name=$1 args=()
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	"$OUT/rawfloor" -a "$HOST" -p "$FLOOR_PORT" -t 600 "${args[@]}" \
		2>> "$RUN/ftpbench.log" &
	FLOOR_PID=$!
	sleep 0.3
	measure floor "$name" "$@" -p "$FLOOR_PORT"
	kill "$FLOOR_PID" 2>/dev/null || true
	wait "$FLOOR_PID" 2>/dev/null || true
	FLOOR_PID=
	sleep 0.5
}

run_floors() {
	has_mode login && floor login -m exec -x "$OUT/greeter" -- \
		rate conns/s -m rawconn -c "$LOGIN_CLIENTS"
	has_mode small && floor small -m sendfile -f "$ROOT/small.bin" -- \
		rate files/s -m rawget -c "$SMALL_CLIENTS"
	has_mode big && floor big -m sendfile -f "$ROOT/big.bin" -- \
		mb_s MB/s -m rawget -c 1
	return 0
}

# ------------------------------------------------------------ report

machine() {
	local cpu mem
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	printf '%s CPUs (%s), %s RAM, Linux %s, %s' "$(nproc)" "${cpu:-unknown}" \
		"$mem" "$(uname -r)" "$(. /etc/os-release && echo "$PRETTY_NAME")"
}

peer_versions() {
	local p v out=""
	for p in vsftpd pure-ftpd proftpd-core; do
		v=$(ls "$PEERS/debs/${p}_"*.deb 2>/dev/null | head -n 1)
		[ -n "$v" ] && out="$out${out:+, }$p $(dpkg-deb -f "$v" Version)"
	done
	echo "$out"
}

report() {
	local md=$OUT/results.md
	{
		echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(machine)."
		echo "Load average at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)." \
			"CPU busy in the half second before each run (other jobs on the machine): median $(median $(cat "$BUSY_LOG"))%, highest $(sort -n "$BUSY_LOG" | tail -n 1)%."
		echo "Peers from Debian: $(peer_versions). Medians of $REPS runs of ${DURATION} s (after ${WARMUP} s of warm-up); idle: $IDLE_SESSIONS sessions."
		echo
		awk -F'\t' -v servers="$SERVERS" -f "$here/report.awk" "$TSV"
	} > "$md"
	awk -F'\t' -v servers="$SERVERS" -v mode=plot -f "$here/report.awk" \
		"$TSV" > "$OUT/ratios.dat"
	local heading
	heading="sandftpd, vsftpd, pure-ftpd, ProFTPD on loopback, $(date -u +%Y-%m-%d): $(nproc) CPUs, $(uname -r); medians of $REPS x ${DURATION} s"
	if gnuplot -e "datafile='$OUT/ratios.dat'; outfile='$OUT/ratios.png'; heading='$heading'" \
		"$here/ratios.gp" 2>> "$RUN/gnuplot.log"; then
		echo >> "$md"
		echo "![ratios](ratios.png)" >> "$md"
	else
		log "gnuplot failed; see $RUN/gnuplot.log"
	fi
}

# -------------------------------------------------------------- main

[ "$(id -u)" = 0 ] || die "run as root: the servers switch users and chroot"
case $BENCH_DIR in /|"") die "BENCH_DIR must be a folder of its own" ;; esac
[ -x "$SANDFTPD" ] || die "no $SANDFTPD (make first)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
t_start=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

need_packages cc:gcc gnuplot:gnuplot-nox unshare:util-linux \
	timeout:coreutils fallocate:util-linux
build_tools
mkdir -p "$BENCH_DIR" "$RUN"
fixture
install_peers
system_users

printf 'server\tworkload\tunit\tmedian\truns\terrors\tnote\n' > "$TSV"
: > "$RAW"
: > "$BUSY_LOG"
log "floors of this machine (rawfloor)"
run_floors
for s in $SERVERS; do
	run_server "$s"
done
report
log "done in $(( $(date +%s) - t_start )) s: $OUT/results.md, $OUT/ratios.png, $TSV"
cat "$OUT/results.md"
