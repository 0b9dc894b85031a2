/*
 * test_ipc.c - the privsep message validators of common/ipc.c: what the
 * master accepts from a child in each phase, and the child's check.
 */
#include <check.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "../../common/ipc.h"
#include "../../common/util.h"
#include "suites.h"

#define NPHASES (PHASE_RELAY + 1)
#define ALL_PHASES 0x3fu

static struct ipc_msg msg;

/* A message of the given body: header filled in, sizes consistent. */
static void
build(const void *body, size_t size, uint32_t type, int nfds)
{
	int i;

	ck_assert_uint_le(size, sizeof(msg.u.raw));
	memset(&msg, 0, sizeof(msg));
	memcpy(msg.u.raw, body, size);
	msg.u.hdr.type = type;
	msg.u.hdr.len = (uint32_t)size;
	msg.len = size;
	msg.nfds = nfds;
	for (i = 0; i < IPC_MAX_FDS; i++)
		msg.fds[i] = -1;
	msg.truncated = false;
}

/* Claim another length, in the header and as received (zero-filled). */
static void
set_len(size_t len)
{
	ck_assert_uint_le(len, sizeof(msg.u.raw));
	msg.u.hdr.len = (uint32_t)len;
	msg.len = len;
}

static struct ipc_ready ready;
static struct ipc_log logmsg;
static struct ipc_login login;
static struct ipc_pasv_listen pasv;
static struct ipc_data_connect dconn;
static struct ipc_rein rein;
static struct ipc_tls_sign sign;
static struct ipc_xfer xfer;

/* Valid requests of every kind. */
static void
setup(void)
{
	memset(&ready, 0, sizeof(ready));
	ready.applied = 0x1ff;
	ready.landlock_abi = 3;
	ready.uid = ready.gid = 65534;
	memset(&logmsg, 0, sizeof(logmsg));
	logmsg.prio = LOG_INFO;
	str_copy(logmsg.text, sizeof(logmsg.text), "hello");
	memset(&login, 0, sizeof(login));
	str_copy(login.user, sizeof(login.user), "anonymous");
	str_copy(login.pass, sizeof(login.pass), "guest@");
	memset(&pasv, 0, sizeof(pasv));
	memset(&dconn, 0, sizeof(dconn));
	dconn.port = 2000;
	memset(&sign, 0, sizeof(sign));
	sign.op = SIGN_ECDSA;
	sign.len = 32;
	memset(&rein, 0, sizeof(rein));
	memset(&xfer, 0, sizeof(xfer));
	xfer.cmd = XFER_RETR;
	xfer.direction = XFER_OUT;
	xfer.flags = XFER_COMPLETE;
	xfer.reply = 226;
	xfer.bytes = 4096;
	xfer.duration_ms = 3;
	str_copy(xfer.path, sizeof(xfer.path), "/pub/a b");
}

static void
expect_reason(enum ipc_phase ph, const char *want)
{
	const char *got = ipc_check_from_child(&msg, ph);

	if (want == NULL)
		ck_assert_msg(got == NULL, "refused (%s): %s",
		    ipc_phase_name(ph), got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0,
		    "want \"%s\", got \"%s\"", want, got ? got : "(accepted)");
}

static const struct {
	uint32_t type;
	const void *body;
	size_t size;
	unsigned phases;
	int nfds;
} reqs[] = {
	{ IPC_READY, &ready, sizeof(ready), 1u << PHASE_SETUP, 0 },
	{ IPC_LOG, &logmsg, sizeof(logmsg), ALL_PHASES, 0 },
	{ IPC_LOGIN, &login, sizeof(login), 1u << PHASE_PRELOGIN, 1 },
	{ IPC_PASV_LISTEN, &pasv, sizeof(pasv), 1u << PHASE_SESSION, 0 },
	{ IPC_DATA_CONNECT, &dconn, sizeof(dconn), 1u << PHASE_SESSION, 0 },
	{ IPC_REIN, &rein, sizeof(rein), 1u << PHASE_SESSION, 1 },
	{ IPC_TLS_SIGN, &sign, sizeof(sign),
	    (1u << PHASE_PRELOGIN) | (1u << PHASE_SESSION), 0 },
	{ IPC_XFER, &xfer, sizeof(xfer), 1u << PHASE_SESSION, 0 },
};

START_TEST(test_phases)
{
	size_t i;
	int ph;

	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		for (ph = 0; ph < NPHASES; ph++) {
			build(reqs[i].body, reqs[i].size, reqs[i].type,
			    reqs[i].nfds);
			if (reqs[i].phases & (1u << ph))
				expect_reason((enum ipc_phase)ph, NULL);
			else
				expect_reason((enum ipc_phase)ph,
				    "request not allowed in this phase");
		}
	}
}
END_TEST

/* Find the phase a request is allowed in. */
static enum ipc_phase
allowed_phase(size_t i)
{
	int ph;

	for (ph = 0; ph < NPHASES; ph++)
		if (reqs[i].phases & (1u << ph))
			return (enum ipc_phase)ph;
	ck_abort_msg("no phase");
	return PHASE_SETUP;
}

START_TEST(test_lengths)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		enum ipc_phase ph = allowed_phase(i);

		/* One byte short and one byte long, header consistent. */
		build(reqs[i].body, reqs[i].size, reqs[i].type, reqs[i].nfds);
		set_len(reqs[i].size - 1);
		expect_reason(ph, "wrong length for its type");
		set_len(reqs[i].size + 1);
		expect_reason(ph, "wrong length for its type");
		/* Only a header. */
		set_len(sizeof(struct ipc_hdr));
		expect_reason(ph, "wrong length for its type");

		/* The length field disagrees with what arrived. */
		build(reqs[i].body, reqs[i].size, reqs[i].type, reqs[i].nfds);
		msg.u.hdr.len = (uint32_t)reqs[i].size + 1;
		expect_reason(ph, "length field does not match the message");
		msg.u.hdr.len = (uint32_t)reqs[i].size - 1;
		expect_reason(ph, "length field does not match the message");
		msg.u.hdr.len = 0;
		expect_reason(ph, "length field does not match the message");

		/* Cut by the kernel. */
		build(reqs[i].body, reqs[i].size, reqs[i].type, reqs[i].nfds);
		msg.truncated = true;
		expect_reason(ph, "message or descriptors truncated");
	}
	build(&logmsg, sizeof(logmsg), IPC_LOG, 0);
	msg.len = 0;
	expect_reason(PHASE_SESSION, "shorter than a header");
	msg.len = sizeof(struct ipc_hdr) - 1;
	expect_reason(PHASE_SESSION, "shorter than a header");
}
END_TEST

START_TEST(test_fds)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		enum ipc_phase ph = allowed_phase(i);
		int n;

		for (n = 0; n <= IPC_MAX_FDS; n++) {
			build(reqs[i].body, reqs[i].size, reqs[i].type, n);
			expect_reason(ph, n == reqs[i].nfds ? NULL :
			    "wrong number of descriptors");
		}
	}
}
END_TEST

START_TEST(test_unknown_type)
{
	static const uint32_t types[] = {
		0, IPC_CHILD_INIT, IPC_SESSION_START, IPC_LOGIN_RESULT,
		IPC_PASV_RESULT, IPC_CONNECT_RESULT, IPC_SHUTDOWN, 99,
		IPC_REQUEST_END, 199, 0xffffffffu,
	};
	size_t i;
	int ph;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		for (ph = 0; ph < NPHASES; ph++) {
			build(&logmsg, sizeof(logmsg), types[i], 0);
			expect_reason((enum ipc_phase)ph,
			    "unknown request type");
		}
}
END_TEST

START_TEST(test_login_fields)
{
	struct ipc_login l;

	l = login;
	memset(l.user, 'u', sizeof(l.user));
	build(&l, sizeof(l), IPC_LOGIN, 1);
	expect_reason(PHASE_PRELOGIN, "user name not terminated");
	l.user[sizeof(l.user) - 1] = '\0';
	build(&l, sizeof(l), IPC_LOGIN, 1);
	expect_reason(PHASE_PRELOGIN, NULL);

	l = login;
	memset(l.pass, 'p', sizeof(l.pass));
	build(&l, sizeof(l), IPC_LOGIN, 1);
	expect_reason(PHASE_PRELOGIN, "password not terminated");
	l.pass[sizeof(l.pass) - 1] = '\0';
	build(&l, sizeof(l), IPC_LOGIN, 1);
	expect_reason(PHASE_PRELOGIN, NULL);
}
END_TEST

START_TEST(test_log_fields)
{
	static const int32_t bad_prio[] = {
		LOG_EMERG, LOG_ALERT, LOG_CRIT, LOG_DEBUG + 1, -1, 1000,
	};
	struct ipc_log l;
	size_t i;

	l = logmsg;
	memset(l.text, 't', sizeof(l.text));
	build(&l, sizeof(l), IPC_LOG, 0);
	expect_reason(PHASE_SESSION, "log text not terminated");
	l.text[sizeof(l.text) - 1] = '\0';
	build(&l, sizeof(l), IPC_LOG, 0);
	expect_reason(PHASE_SESSION, NULL);

	l = logmsg;
	for (i = 0; i < ARRAY_SIZE(bad_prio); i++) {
		l.prio = bad_prio[i];
		build(&l, sizeof(l), IPC_LOG, 0);
		expect_reason(PHASE_IDLE, "log priority out of range");
	}
	for (l.prio = LOG_ERR; l.prio <= LOG_DEBUG; l.prio++) {
		build(&l, sizeof(l), IPC_LOG, 0);
		expect_reason(PHASE_IDLE, NULL);
	}
}
END_TEST

START_TEST(test_tls_sign_fields)
{
	struct ipc_tls_sign p = sign;

	p.op = 0;
	build(&p, sizeof(p), IPC_TLS_SIGN, 0);
	expect_reason(PHASE_PRELOGIN, "unknown key operation");
	p.op = SIGN_ECDSA + 1;
	build(&p, sizeof(p), IPC_TLS_SIGN, 0);
	expect_reason(PHASE_PRELOGIN, "unknown key operation");
	p.op = SIGN_RSA_PSS;
	p.len = 0;
	build(&p, sizeof(p), IPC_TLS_SIGN, 0);
	expect_reason(PHASE_SESSION, "key operation input out of range");
	p.len = IPC_SIGN_MAX + 1;
	build(&p, sizeof(p), IPC_TLS_SIGN, 0);
	expect_reason(PHASE_SESSION, "key operation input out of range");
	p.len = IPC_SIGN_MAX;
	build(&p, sizeof(p), IPC_TLS_SIGN, 0);
	expect_reason(PHASE_SESSION, NULL);
	/* A relay has no handshake left to sign for. */
	expect_reason(PHASE_RELAY, "request not allowed in this phase");
}
END_TEST

/* A transfer report: its form only, and only after login. */
START_TEST(test_xfer_fields)
{
	static const struct {
		uint32_t cmd, direction;
	} good[] = {
		{ XFER_RETR, XFER_OUT }, { XFER_STOR, XFER_IN },
		{ XFER_STOU, XFER_IN }, { XFER_APPE, XFER_IN },
	};
	struct ipc_xfer p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		p = xfer;
		p.cmd = good[i].cmd;
		p.direction = good[i].direction;
		build(&p, sizeof(p), IPC_XFER, 0);
		expect_reason(PHASE_SESSION, NULL);
		p.direction = !good[i].direction;
		build(&p, sizeof(p), IPC_XFER, 0);
		expect_reason(PHASE_SESSION, "transfer direction does not "
		    "match its command");
		p.direction = 2;
		build(&p, sizeof(p), IPC_XFER, 0);
		expect_reason(PHASE_SESSION, "transfer direction does not "
		    "match its command");
	}
	p = xfer;
	p.cmd = 0;
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "unknown transfer command");
	p.cmd = XFER_APPE + 1;
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "unknown transfer command");

	p = xfer;
	p.flags = XFER_ASCII;		/* incomplete, TYPE A: fine */
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, NULL);
	p.flags = 0x04;
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "unknown transfer flags");
	p.flags = 0x80000000u | XFER_COMPLETE;
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "unknown transfer flags");

	p = xfer;
	p.reply = 99;
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "reply code out of range");
	p.reply = 600;
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "reply code out of range");
	p.reply = 426;
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, NULL);

	p = xfer;
	p.duration_ms = XFER_DURATION_MAX + 1;
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "transfer duration out of range");
	p.duration_ms = XFER_DURATION_MAX;
	p.bytes = UINT64_MAX;		/* any count: only counted */
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, NULL);

	p = xfer;
	memset(p.path, '/', sizeof(p.path));
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "transfer path not terminated");
	p.path[sizeof(p.path) - 1] = '\0';
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, NULL);
	str_copy(p.path, sizeof(p.path), "pub/a");
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "transfer path not absolute");
	p.path[0] = '\0';
	build(&p, sizeof(p), IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "transfer path not absolute");

	/* Before login there is nothing to transfer; a relay moves none. */
	build(&xfer, sizeof(xfer), IPC_XFER, 0);
	expect_reason(PHASE_PRELOGIN, "request not allowed in this phase");
	expect_reason(PHASE_RELAY, "request not allowed in this phase");
	build(&xfer, sizeof(xfer) - 1, IPC_XFER, 0);
	expect_reason(PHASE_SESSION, "wrong length for its type");
}
END_TEST

START_TEST(test_data_connect_fields)
{
	static const uint16_t bad_port[] = { 0, 20, 21, 25, 1023 };
	static const uint16_t good_port[] = { 1024, 2000, 65535 };
	struct ipc_data_connect p;
	size_t i;

	p = dconn;
	for (i = 0; i < ARRAY_SIZE(bad_port); i++) {
		p.port = bad_port[i];
		build(&p, sizeof(p), IPC_DATA_CONNECT, 0);
		expect_reason(PHASE_SESSION,
		    "data connection to a privileged port");
	}
	for (i = 0; i < ARRAY_SIZE(good_port); i++) {
		p.port = good_port[i];
		build(&p, sizeof(p), IPC_DATA_CONNECT, 0);
		expect_reason(PHASE_SESSION, NULL);
	}
	p.port = 2000;
	p.pad = 1;
	build(&p, sizeof(p), IPC_DATA_CONNECT, 0);
	expect_reason(PHASE_SESSION, "padding not zero");
	p.pad = 0x8000;
	build(&p, sizeof(p), IPC_DATA_CONNECT, 0);
	expect_reason(PHASE_SESSION, "padding not zero");
}
END_TEST

/* A passive listener request names nothing: the master picks it all. */
START_TEST(test_pasv_listen_fields)
{
	struct ipc_pasv_listen p = pasv;

	build(&p, sizeof(p), IPC_PASV_LISTEN, 0);
	expect_reason(PHASE_SESSION, NULL);
	p.pad = 0x7f000001;
	build(&p, sizeof(p), IPC_PASV_LISTEN, 0);
	expect_reason(PHASE_SESSION, "padding not zero");
}
END_TEST

START_TEST(test_ready_fields)
{
	struct ipc_ready r;

	r = ready;
	r.landlock_abi = -1;
	build(&r, sizeof(r), IPC_READY, 0);
	expect_reason(PHASE_SETUP, "landlock ABI out of range");
	r.landlock_abi = 65;
	build(&r, sizeof(r), IPC_READY, 0);
	expect_reason(PHASE_SETUP, "landlock ABI out of range");
	r.landlock_abi = 0;
	build(&r, sizeof(r), IPC_READY, 0);
	expect_reason(PHASE_SETUP, NULL);
	r.landlock_abi = 64;
	build(&r, sizeof(r), IPC_READY, 0);
	expect_reason(PHASE_SETUP, NULL);
}
END_TEST

START_TEST(test_from_master)
{
	struct ipc_child_init wi;
	struct ipc_session_start ss;
	struct ipc_login_result lres;
	struct ipc_socket_result pres;
	struct ipc_empty shut;

	memset(&wi, 0, sizeof(wi));
	memset(&ss, 0, sizeof(ss));
	memset(&lres, 0, sizeof(lres));
	memset(&pres, 0, sizeof(pres));
	memset(&shut, 0, sizeof(shut));

	/* CHILD_INIT: the root; for logged-in kinds also the owner names
	 * and the upload directory; then the seccomp program. */
	build(&wi, sizeof(wi), IPC_CHILD_INIT, 4);
	ck_assert_ptr_null(ipc_check_from_master(&msg));
	build(&wi, sizeof(wi), IPC_CHILD_INIT, 2);
	ck_assert_ptr_null(ipc_check_from_master(&msg));
	build(&wi, sizeof(wi), IPC_CHILD_INIT, 1);
	ck_assert_str_eq(ipc_check_from_master(&msg),
	    "wrong number of descriptors");
	build(&wi, sizeof(wi), IPC_CHILD_INIT, 3);
	ck_assert_str_eq(ipc_check_from_master(&msg),
	    "wrong number of descriptors");
	/* With TLS, one more: the certificates. */
	wi.flags = INIT_TLS;
	build(&wi, sizeof(wi), IPC_CHILD_INIT, 5);
	ck_assert_ptr_null(ipc_check_from_master(&msg));
	build(&wi, sizeof(wi), IPC_CHILD_INIT, 4);
	ck_assert_str_eq(ipc_check_from_master(&msg),
	    "wrong number of descriptors");
	build(&wi, sizeof(wi), IPC_CHILD_INIT, 3);
	ck_assert_ptr_null(ipc_check_from_master(&msg));
	wi.flags = 0;
	build(&wi, sizeof(wi), IPC_CHILD_INIT, 3);
	set_len(sizeof(wi) - 1);
	ck_assert_str_eq(ipc_check_from_master(&msg),
	    "wrong length for its type");

	build(&ss, sizeof(ss), IPC_SESSION_START, 1);
	ck_assert_ptr_null(ipc_check_from_master(&msg));
	build(&ss, sizeof(ss), IPC_SESSION_START, 0);
	ck_assert_str_eq(ipc_check_from_master(&msg),
	    "wrong number of descriptors");

	build(&lres, sizeof(lres), IPC_LOGIN_RESULT, 0);
	ck_assert_ptr_null(ipc_check_from_master(&msg));
	build(&lres, sizeof(lres), IPC_LOGIN_RESULT, 1);
	ck_assert_str_eq(ipc_check_from_master(&msg),
	    "wrong number of descriptors");

	/* A socket with a success, none with an error. */
	build(&pres, sizeof(pres), IPC_CONNECT_RESULT, 1);
	ck_assert_ptr_null(ipc_check_from_master(&msg));
	build(&pres, sizeof(pres), IPC_PASV_RESULT, 1);
	ck_assert_ptr_null(ipc_check_from_master(&msg));
	build(&pres, sizeof(pres), IPC_PASV_RESULT, 0);
	ck_assert_str_eq(ipc_check_from_master(&msg),
	    "wrong number of descriptors");
	pres.error = 111;
	build(&pres, sizeof(pres), IPC_CONNECT_RESULT, 0);
	ck_assert_ptr_null(ipc_check_from_master(&msg));
	build(&pres, sizeof(pres), IPC_CONNECT_RESULT, 1);
	ck_assert_str_eq(ipc_check_from_master(&msg),
	    "wrong number of descriptors");
	pres.error = 0;
	build(&pres, sizeof(pres), IPC_PASV_RESULT, 1);
	set_len(sizeof(pres) + 4);
	ck_assert_str_eq(ipc_check_from_master(&msg),
	    "wrong length for its type");

	build(&shut, sizeof(shut), IPC_SHUTDOWN, 0);
	ck_assert_ptr_null(ipc_check_from_master(&msg));
	msg.truncated = true;
	ck_assert_str_eq(ipc_check_from_master(&msg),
	    "message or descriptors truncated");
	build(&shut, sizeof(shut), IPC_SHUTDOWN, 0);
	msg.u.hdr.len = 9;
	ck_assert_str_eq(ipc_check_from_master(&msg), "bad length");
	build(&shut, sizeof(shut), IPC_SHUTDOWN, 0);
	msg.len = 4;
	ck_assert_str_eq(ipc_check_from_master(&msg), "bad length");

	/* A child's request type is nothing the master sends. */
	build(&logmsg, sizeof(logmsg), IPC_LOG, 0);
	ck_assert_str_eq(ipc_check_from_master(&msg), "unknown message type");
}
END_TEST

START_TEST(test_send_recv)
{
	struct ipc_log l = logmsg;
	int sv[2], p[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(pipe(p), 0);
	ipc_hdr_init(&l.hdr, IPC_LOG, sizeof(l));
	ck_assert_int_eq(ipc_send(sv[0], &l, sizeof(l), NULL, 0), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &msg), 1);
	ck_assert_uint_eq(msg.len, sizeof(l));
	ck_assert_int_eq(msg.nfds, 0);
	ck_assert(!msg.truncated);
	ck_assert_ptr_null(ipc_check_from_child(&msg, PHASE_SESSION));
	ck_assert_str_eq(((struct ipc_log *)(void *)msg.u.raw)->text, "hello");

	/* A descriptor where none belongs. */
	ck_assert_int_eq(ipc_send(sv[0], &l, sizeof(l), &p[0], 1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &msg), 1);
	ck_assert_int_eq(msg.nfds, 1);
	ck_assert_int_ge(msg.fds[0], 0);
	ck_assert_str_eq(ipc_check_from_child(&msg, PHASE_SESSION),
	    "wrong number of descriptors");
	ipc_msg_close_fds(&msg);
	ck_assert_int_eq(msg.nfds, 0);

	/* A zero-length message is a message (and an invalid one), not
	 * the end of the channel. */
	ck_assert_int_eq(ipc_send(sv[0], &l, 0, NULL, 0), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &msg), 1);
	ck_assert_uint_eq(msg.len, 0);
	ck_assert_str_eq(ipc_check_from_child(&msg, PHASE_SESSION),
	    "shorter than a header");

	/* Shutting down its end is the end, though it lives on. */
	ck_assert_int_eq(shutdown(sv[0], SHUT_WR), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &msg), 0);

	close(sv[0]);
	ck_assert_int_eq(ipc_recv(sv[1], &msg), 0);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(ipc_type_name(IPC_LOGIN), "LOGIN");
	ck_assert_str_eq(ipc_type_name(IPC_DATA_CONNECT), "DATA_CONNECT");
	ck_assert_str_eq(ipc_type_name(IPC_PASV_LISTEN), "PASV_LISTEN");
	ck_assert_str_eq(ipc_type_name(IPC_CHILD_INIT), "CHILD_INIT");
	ck_assert_str_eq(ipc_type_name(IPC_XFER), "XFER");
	ck_assert_str_eq(ipc_type_name(12345), "unknown");
	ck_assert_str_eq(ipc_phase_name(PHASE_PRELOGIN), "pre-login");
	ck_assert_str_eq(ipc_phase_name(PHASE_LEAVING), "leaving");
}
END_TEST

Suite *
ipc_suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("from_child");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_phases);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_fds);
	tcase_add_test(tc, test_unknown_type);
	tcase_add_test(tc, test_login_fields);
	tcase_add_test(tc, test_log_fields);
	tcase_add_test(tc, test_data_connect_fields);
	tcase_add_test(tc, test_xfer_fields);
	tcase_add_test(tc, test_tls_sign_fields);
	tcase_add_test(tc, test_pasv_listen_fields);
	tcase_add_test(tc, test_ready_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("from_master");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_from_master);
	tcase_add_test(tc, test_send_recv);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}
