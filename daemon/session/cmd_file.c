/*
 * cmd_file.c - RETR, SIZE, MDTM, MLST: reading files and their facts.
 * (Writing is cmd_write.c and upload.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "ascii.h"
#include "commands.h"
#include "fsaccess.h"
#include "idlemem.h"
#include "listing.h"
#include "transfer.h"

/*
 * SIZE in ASCII mode reads the whole file to count its line ends; files
 * larger than this get 550 and the advice to use TYPE I, so one command
 * costs at most this much reading.
 */
#define ASCII_SIZE_MAX (8ull * 1024 * 1024)

/*
 * Open a regular file for reading; replies and returns -1 on failure.
 * The type is checked first (fs_stat), so a device or FIFO in the tree
 * is never opened (opening one can block or act); the file then opened
 * must be the same one.
 */
static int
open_regular(struct session *s, enum fs_op op, const char *arg,
    char vpath[VPATH_MAX], struct stat *st)
{
	struct stat first;
	int fd;

	if (command_path(s, op, arg, vpath) < 0)
		return -1;
	if (fs_stat(s, vpath, &first) < 0) {
		reply(s, 550, "%s", fs_strerror(errno));
		return -1;
	}
	if (!S_ISREG(first.st_mode)) {
		reply(s, 550, "Not a regular file.");
		return -1;
	}
	fd = fs_open(s, vpath, O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		reply(s, 550, "%s", fs_strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    st->st_dev != first.st_dev || st->st_ino != first.st_ino) {
		sys_close(fd);
		reply(s, 550, "File changed while being opened.");
		return -1;
	}
	return fd;
}

void
cmd_retr(struct session *s, char *arg)
{
	char vpath[VPATH_MAX];
	struct stat st;
	enum xfer_result r;
	uint64_t rest = s->rest;
	int64_t started;
	int fd, dfd;

	s->rest = 0;
	if (!data_configured(s)) {
		reply(s, 425, "Use PORT, PASV, EPRT or EPSV first.");
		return;
	}
	fd = open_regular(s, FS_READ, arg, vpath, &st);
	if (fd < 0) {
		data_reset(s);
		return;
	}
	/* In TYPE A, REST counts bytes as transferred (as SIZE does); a
	 * file grows by at most one CR per byte in the conversion. */
	if (rest > (uint64_t)st.st_size * (s->ascii ? 2 : 1)) {
		sys_close(fd);
		data_reset(s);
		reply(s, 554, "Restart position beyond the end of the file.");
		return;
	}
	r = data_open(s, &dfd);
	if (r != XFER_OK) {
		sys_close(fd);
		xfer_reply(s, r, "");
		return;
	}
	if (s->ascii)
		reply_hold(s, 150, "Opening ASCII mode data connection for %s.",
		    path_basename(vpath));
	else
		reply_hold(s, 150, "Opening BINARY mode data connection for %s "
		    "(%llu bytes).", path_basename(vpath),
		    (unsigned long long)st.st_size);
	started = sys_now_ms();
	/* The converted size is not known up front in TYPE A. */
	xfer_begin(s, "RETR", vpath, s->ascii ? 0 :
	    (uint64_t)st.st_size - rest);
	r = xfer_send_file(s, dfd, fd, rest, (uint64_t)st.st_size, s->ascii);
	xfer_close(s, dfd, &r);
	sys_close(fd);
	xfer_report(s, xfer_reply_code(r), r == XFER_OK);
	/* The master logs the transfer from xfer_report(); this is the
	 * session's own view, for debugging. */
	log_debug("RETR %s: %llu bytes in %lld ms%s", vpath,
	    (unsigned long long)s->xfer.done,
	    (long long)(sys_now_ms() - started),
	    r == XFER_OK ? "" : " (incomplete)");
	xfer_end(s);
	xfer_reply(s, r, "Transfer complete.");
}

static int
ascii_size(int fd, uint64_t *size)
{
	static char buf[64 * 1024];
	bool prev_cr = false;
	uint64_t total = 0, extra = 0;
	off_t off = 0;
	ssize_t n;

	idlemem_scratch(buf, sizeof(buf));

	while ((n = sys_pread(fd, buf, sizeof(buf), off)) > 0) {
		extra += ascii_extra(buf, (size_t)n, &prev_cr);
		total += (uint64_t)n;
		off += n;
	}
	if (n < 0)
		return -1;
	*size = total + extra;
	return 0;
}

void
cmd_size(struct session *s, char *arg)
{
	char vpath[VPATH_MAX];
	struct stat st;
	uint64_t size;
	int fd;

	fd = open_regular(s, FS_INFO, arg, vpath, &st);
	if (fd < 0)
		return;
	size = (uint64_t)st.st_size;
	/* RFC 3659 §4: the size as it would be transferred in this TYPE. */
	if (s->ascii) {
		if (size > ASCII_SIZE_MAX || ascii_size(fd, &size) < 0) {
			sys_close(fd);
			reply(s, 550, "SIZE not available in ASCII mode for "
			    "this file; use TYPE I.");
			return;
		}
	}
	sys_close(fd);
	reply(s, 213, "%llu", (unsigned long long)size);
}

/* "MDTM YYYYMMDDHHMMSS path" sets the time: a write. */
static bool
is_set_time(const char *arg)
{
	size_t i;

	for (i = 0; i < 14; i++)
		if (arg[i] < '0' || arg[i] > '9')
			return false;
	return arg[14] == ' ' && arg[15] != '\0';
}

void
cmd_mdtm(struct session *s, char *arg)
{
	char vpath[VPATH_MAX], when[MDTM_BUF];
	struct stat st;

	if (is_set_time(arg)) {
		cmd_mfmt(s, arg);	/* the older form of MFMT */
		return;
	}
	if (command_path(s, FS_INFO, arg, vpath) < 0)
		return;
	if (fs_stat(s, vpath, &st) < 0) {
		reply(s, 550, "%s", fs_strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {	/* RFC 3659 §3: a file's time */
		reply(s, 550, "Not a regular file.");
		return;
	}
	if (!format_mdtm(st.st_mtime, when)) {
		reply(s, 550, "The file's time has no YYYYMMDDHHMMSS form.");
		return;
	}
	reply(s, 213, "%s", when);
}

void
cmd_mlst(struct session *s, char *arg)
{
	char vpath[VPATH_MAX], dir[VPATH_MAX];
	struct reply_buf rb;
	struct strbuf line;
	struct stat st, parent;
	bool have_parent;

	if (command_path(s, FS_INFO, *arg ? arg : ".", vpath) < 0)
		return;
	if (fs_stat(s, vpath, &st) < 0) {
		reply(s, 550, "%s", fs_strerror(errno));
		return;
	}
	/* The root has no parent in the tree: no "d" or "f" for it. */
	have_parent = strcmp(vpath, "/") != 0 &&
	    path_dirname(vpath, dir, sizeof(dir)) == 0 &&
	    fs_stat(s, dir, &parent) == 0;
	sb_init(&line, VPATH_MAX + 512);
	list_line_mlsx(&line, vpath, &st, have_parent ? &parent : NULL,
	    mlsx_type(&st), s->mlst_facts, &s->perm, false);
	reply_begin(s, &rb, 250, "Listing %s", vpath);
	/* reply_line adds the single leading space RFC 3659 §7.2 wants. */
	reply_line(&rb, "%s", sb_str(&line));
	reply_end(&rb, "End.");
	sb_free(&line);
}
