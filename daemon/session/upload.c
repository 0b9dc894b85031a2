/*
 * upload.c - STOR, STOU, APPE and REST + STOR: receiving a file.
 *
 * What was there is never damaged by an upload that does not finish.
 * With atomic_uploads (the default) a STOR writes to a hidden temporary
 * name in the target's directory, flushes it to the disk (fsync, with
 * upload_fsync, the default; writeback starts every 8 MiB on the way)
 * once the whole stream has arrived, and only then renames it over the
 * target, and flushes the directory (the rename is on the disk only
 * then) before the 226: a
 * client that disconnects, aborts or runs the disk full leaves the old
 * file as it was and no temporary behind.  Two uploads of one name each
 * write their own temporary; the last rename wins, whole.
 *
 * A resume (APPE, REST + STOR) writes into the file itself: that is what
 * it asks for.  When it fails, the bytes written stay, and the reply
 * says how many.  What an upload changes before its first byte (the cut
 * of a REST + STOR or of a STOR in place, the file an APPE of a new name
 * makes) waits for the data connection (with PROT P, for its handshake):
 * a command whose data connection never comes, or is refused, leaves the
 * file as it was.
 *
 * In stream mode the end of the data connection is the end of the file,
 * so a client that dies mid-upload looks like one that finished.  It
 * also closes its control connection, before the data connection (it
 * opened it first): an upload whose control connection is already gone
 * when its data ends is treated as abandoned, not complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "ascii.h"
#include "commands.h"
#include "fsaccess.h"
#include "idlemem.h"
#include "tls.h"
#include "transfer.h"
#include "upload.h"

#define RECV_CHUNK (256u * 1024)
/* With upload_fsync: start writing back every this many bytes, so the
 * flush at the end waits for the tail only. */
#define WRITEBACK_CHUNK (8u * 1024 * 1024)
#define UNIQUE_TRIES 1000
#define CONTROL_GRACE_MS 20	/* see control_gone() */

/* Why a transfer ended short, beyond enum xfer_result. */
enum up_result {
	UP_OK,
	UP_XFER,	/* see the xfer_result */
	UP_DISK,	/* writing failed: errno in err */
	UP_ABANDONED,	/* the client's control connection went first */
	UP_DIR_SYNC,	/* in place, but flushing the directory failed */
};

struct upload {
	enum upload_kind kind;
	int dirfd;		/* the target's directory (O_PATH) */
	const char *name;	/* the target's name in it */
	char base[NAME_MAX + 1];	/* STOU: the name asked for */
	char unique[NAME_MAX + 1];	/* STOU: the name chosen */
	char temp[64];		/* atomic: the temporary name; "" */
	int fd;			/* the file being written */
	uint64_t offset;	/* where the next byte goes */
	uint64_t written;	/* bytes written to the file */
	uint64_t flushed;	/* writeback started up to here */
	bool sync;		/* upload_fsync */
	mode_t mode;
	bool atomic;
	bool cut;		/* truncate at offset once the data comes */
	bool fresh;		/* it did not exist: remove it on failure */
	bool anonymous;		/* new files only */
	int err;
	enum xfer_result xr;
};

/* Write all of buf at u->offset; false with u->err. */
static bool
write_all(struct upload *u, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = u->kind == UPLOAD_RESUME ?
		    sys_pwrite(u->fd, buf, len, (off_t)u->offset) :
		    sys_write(u->fd, buf, len);

		if (n < 0) {
			u->err = errno;
			return false;
		}
		if (n == 0) {
			u->err = ENOSPC;
			return false;
		}
		buf += n;
		len -= (size_t)n;
		u->offset += (uint64_t)n;
		u->written += (uint64_t)n;
	}
	return true;
}

/*
 * The data connection ended: did the control connection end too?  A
 * client that dies closes both, the control connection first, but the
 * two closes can reach us a moment apart in either order (another CPU
 * may handle one of them): that moment is waited for.  A client that
 * goes on sends nothing until our reply, and is answered
 * CONTROL_GRACE_MS later; one that pipelines its next command is
 * answered at once.  One that said QUIT during the upload asked for its
 * end (RFC 959: QUIT waits for the transfer), whether or not it closed
 * its side after the QUIT: the upload completes, then QUIT is served.
 */
static bool
control_gone(struct session *s)
{
	struct pollfd p = { s->ctrl_fd, POLLIN | POLLRDHUP, 0 };

	if (!s->ctrl_eof) {
		if (sys_poll(&p, 1, CONTROL_GRACE_MS) <= 0)
			return false;
		/* Read what came, to its end if that came too. */
		while (!s->ctrl_eof && lr_room(&s->in) > 0) {
			size_t before = s->in.len;

			if (ctrl_read(s) < 0 || (!s->ctrl_eof &&
			    s->in.len == before))
				break;
		}
	}
	if (lr_next_is_quit(&s->in))
		return false;
	if (s->ctrl_eof)
		return true;
	return (p.revents & (POLLHUP | POLLERR)) != 0;
}

static enum up_result
receive(struct session *s, struct upload *u, int dfd)
{
	/* conv: one more, for a CR held from the last chunk that turns out
	 * not to end a line (ascii_from_crlf gives up to n + 1 bytes). */
	static char buf[RECV_CHUNK], conv[RECV_CHUNK + 1];
	int64_t deadline = sys_now_ms() + (int64_t)s->data_timeout * 1000;
	bool held_cr = false;

	idlemem_scratch(buf, sizeof(buf));
	idlemem_scratch(conv, sizeof(conv));

	for (;;) {
		size_t want = sizeof(buf);
		ssize_t n;

		/* Serve ABOR/STAT even when data never stops coming. */
		if (lr_has_line(&s->in) && s->during_transfer(s)) {
			u->xr = XFER_ABORTED;
			return UP_XFER;
		}
		/* Limited: read only what the bucket holds; the rest waits
		 * in the socket, and TCP slows the client down. */
		if (s->xfer.limited &&
		    (u->xr = xfer_rate_grant(s, &want)) != XFER_OK)
			return UP_XFER;
		/* Over TLS, only close_notify ends an upload: an end without
		 * it may be an attacker's cut, and is not a complete file. */
		n = s->data_tls ? tls_read(s->data_tls, buf, want) :
		    sys_recv(dfd, buf, want, 0);
		if (n > 0) {
			const char *out = buf;
			size_t len = (size_t)n;

			s->xfer.done += (uint64_t)n;
			if (s->xfer.limited)
				ratelimit_spend(&s->rate, (uint64_t)n);
			if (s->ascii) {
				len = ascii_from_crlf(buf, len, conv, &held_cr);
				out = conv;
			}
			if (!write_all(u, out, len))
				return UP_DISK;
			if (u->sync && u->kind != UPLOAD_APPEND &&
			    u->offset - u->flushed >= WRITEBACK_CHUNK) {
				(void)sync_file_range(u->fd, (off_t)u->flushed,
				    (off_t)(u->offset - u->flushed),
				    SYNC_FILE_RANGE_WRITE);
				u->flushed = u->offset;
			}
			deadline = sys_now_ms() +
			    (int64_t)s->data_timeout * 1000;
			continue;
		}
		if (n == 0) {
			if (control_gone(s))
				return UP_ABANDONED;
			if (held_cr && !write_all(u, "\r", 1))
				return UP_DISK;
			return UP_OK;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			u->xr = XFER_CONN_LOST;
			return UP_XFER;
		}
		u->xr = xfer_wait(s, dfd, s->data_tls ? tls_wants() : POLLIN,
		    deadline);
		if (u->xr != XFER_OK)
			return UP_XFER;
	}
}

/* Remove what a failed upload must not leave: its temporary, or a file
 * it created.  Also called when the session ends mid-upload. */
void
upload_abandon(struct session *s)
{
	if (s->upload_dirfd < 0)
		return;
	if (s->xfer.active)	/* the session ends in the middle of it */
		log_info("%s %s: %llu bytes (session ended; %s)", s->xfer.verb,
		    s->xfer.path, (unsigned long long)s->xfer.done,
		    s->upload_unlink[0] ? "discarded" : "kept");
	if (s->upload_unlink[0])
		(void)unlinkat(s->upload_dirfd, s->upload_unlink, 0);
	s->upload_unlink[0] = '\0';
	s->upload_dirfd = -1;
}

static void
remember_cleanup(struct session *s, struct upload *u, const char *name)
{
	s->upload_dirfd = u->dirfd;
	str_copy(s->upload_unlink, sizeof(s->upload_unlink), name);
}

static void
forget_cleanup(struct session *s)
{
	s->upload_dirfd = -1;
	s->upload_unlink[0] = '\0';
}

static int
make_temp(struct upload *u)
{
	int tries;

	for (tries = 0; tries < 16; tries++) {
		uint64_t r;
		int fd;

		if (sys_random(&r, sizeof(r)) < 0)
			return -1;
		snprintf(u->temp, sizeof(u->temp), "%s%016llx%s",
		    FS_TEMP_PREFIX, (unsigned long long)r, FS_TEMP_SUFFIX);
		fd = sys_create(u->dirfd, u->temp, O_WRONLY | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, u->mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/* STOU: the first free name of "base", "base.1", "base.2", ... */
static int
pick_unique(struct upload *u)
{
	struct stat st;
	int i;

	for (i = 0; i < UNIQUE_TRIES; i++) {
		int n = i == 0 ? snprintf(u->unique, sizeof(u->unique), "%s",
		    u->base) : snprintf(u->unique, sizeof(u->unique), "%s.%d",
		    u->base, i);

		if (n < 0 || (size_t)n >= sizeof(u->unique)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (fstatat(u->dirfd, u->unique, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT)
			return 0;
	}
	errno = EEXIST;
	return -1;
}

/*
 * Look at the target and decide how it is opened; replies and returns
 * -1 when the upload cannot go ahead.
 */
static int
prepare(struct session *s, struct upload *u, uint64_t rest)
{
	struct stat st;
	bool exists;

	if (u->anonymous && !fs_in_upload_dir(s, u->dirfd)) {
		reply(s, 550, "Anonymous uploads go to the upload directory "
		    "only.");
		return -1;
	}
	exists = fstatat(u->dirfd, u->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!exists && errno != ENOENT) {
		reply(s, 550, "%s", fs_strerror(errno));
		return -1;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		reply(s, 550, "Not a regular file.");
		return -1;
	}
	if (exists && u->anonymous) {
		reply(s, 553, "File exists; anonymous uploads never replace a "
		    "file.");
		return -1;
	}
	if (u->kind == UPLOAD_RESUME) {
		/* In TYPE A a restart marker counts the bytes as sent (CRLF
		 * lines, RFC 3659 §5.4), as SIZE and RETR count them; taken
		 * as an offset in the file (LF lines) it would cut or
		 * corrupt it. */
		if (s->ascii) {
			reply(s, 554, "Resuming an upload needs TYPE I.");
			return -1;
		}
		if (!exists) {
			reply(s, 550, "No such file to resume.");
			return -1;
		}
		if (rest > (uint64_t)st.st_size) {
			reply(s, 554, "Restart position beyond the end of the "
			    "file (%llu bytes).",
			    (unsigned long long)st.st_size);
			return -1;
		}
	}
	if (exists && u->kind == UPLOAD_STORE) {
		/* Replacing needs the right to write the file itself, as
		 * overwriting it in place would: the kernel decides. */
		int fd = sys_openat(u->dirfd, u->name, O_WRONLY | O_NONBLOCK |
		    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

		if (fd < 0) {
			reply(s, 550, "%s", fs_strerror(errno));
			return -1;
		}
		sys_close(fd);
		u->mode = st.st_mode & 0777;	/* the file keeps its mode */
	} else {
		/* Anonymous uploads are write-only: not downloadable until
		 * an administrator moves (and chmods) them. */
		u->mode = u->anonymous ? 0200 : 0666 & ~s->umask;
	}
	u->fresh = !exists;
	return 0;
}

/*
 * Open the target without changing it, or (APPE of a new name) not at
 * all: commit_target() does the rest once the data connection is open.
 * -1 with errno when the upload cannot go ahead.
 */
static int
open_target(struct session *s, struct upload *u, uint64_t rest)
{
	int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

	switch (u->kind) {
	case UPLOAD_UNIQUE:
	case UPLOAD_STORE:
		if (u->atomic) {
			u->fd = make_temp(u);
			if (u->fd >= 0)
				remember_cleanup(s, u, u->temp);
			return u->fd;
		}
		if (u->anonymous || u->kind == UPLOAD_UNIQUE)
			flags |= O_EXCL;
		else
			u->cut = true;	/* not O_TRUNC: see above */
		u->fd = sys_create(u->dirfd, u->name, flags, u->mode);
		if (u->fd >= 0 && u->fresh)
			remember_cleanup(s, u, u->name);
		return u->fd;
	case UPLOAD_APPEND:
		if (u->fresh)
			return 0;	/* made by commit_target() */
		u->fd = sys_openat(u->dirfd, u->name, flags | O_APPEND);
		return u->fd;
	case UPLOAD_RESUME:
		u->fd = sys_openat(u->dirfd, u->name, flags);
		u->offset = u->flushed = rest;
		u->cut = true;
		return u->fd;
	}
	return -1;
}

/*
 * The data connection is open: now the target may change.  A file
 * written in place is cut where the writing starts (0, or the REST
 * offset), an APPE of a new name makes its file.  -1 with errno.
 */
static int
commit_target(struct upload *u)
{
	if (u->fd < 0)
		u->fd = sys_create(u->dirfd, u->name, O_WRONLY | O_APPEND |
		    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, u->mode);
	if (u->fd < 0)
		return -1;
	if (u->cut && ftruncate(u->fd, (off_t)u->offset) < 0)
		return -1;
	return 0;
}

/* An open or a commit_target() failed: the reply. */
static void
open_reply(struct session *s, int err)
{
	reply(s, err == ENOSPC ? 452 : err == EDQUOT ? 552 : 550, "%s",
	    fs_strerror(err));
}

/* The temporary becomes the file; STOU and anonymous uploads never
 * replace one that appeared meanwhile. */
static int
put_in_place(struct upload *u)
{
	bool keep_others = u->anonymous || u->kind == UPLOAD_UNIQUE;

	if (!u->atomic)
		return 0;
	if (!keep_others)
		return renameat(u->dirfd, u->temp, u->dirfd, u->name);
	for (;;) {
		if (renameat2(u->dirfd, u->temp, u->dirfd, u->name,
		    RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST || u->kind != UPLOAD_UNIQUE)
			return -1;
		/* Taken meanwhile: the next free name. */
		if (pick_unique(u) < 0)
			return -1;
	}
}

/*
 * upload_fsync: a new name (the rename, or a file made in place) is on
 * the disk only once its directory is flushed too.  u->dirfd is O_PATH,
 * which fsync refuses (EBADF), so a descriptor that reads the directory
 * is opened for it (O_RDONLY | O_DIRECTORY: what every session's filter
 * and Landlock domain allow already).  A directory the session's user
 * may not read (a drop box of mode 0733) cannot be opened so, and a file
 * system may not flush directories (EINVAL): then only the file was
 * flushed, which the log says once per session.  -1 with errno when the
 * flush itself failed.
 */
static int
sync_dir(struct upload *u)
{
	static bool told;
	int fd, rc, e;

	fd = sys_openat(u->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc = fd < 0 ? -1 : fsync(fd);
	e = errno;
	if (fd >= 0)
		sys_close(fd);
	if (rc == 0)
		return 0;
	if (e != EACCES && e != EINVAL) {
		errno = e;
		return -1;
	}
	if (!told)
		log_warn("upload_fsync: a directory was not flushed (%s); "
		    "its new names may not survive a crash", strerror(e));
	told = true;
	return 0;
}

static void
disk_reply(struct session *s, const struct upload *u, bool kept)
{
	int code = u->err == ENOSPC ? 452 : 552;
	const char *what = u->err == ENOSPC ? "Insufficient storage space" :
	    u->err == EDQUOT || u->err == EFBIG ?
	    "Exceeded storage allocation" : "Writing the file failed";

	if (u->err != ENOSPC && u->err != EDQUOT && u->err != EFBIG)
		code = 451;
	if (kept)
		reply(s, code, "%s (%s); the %llu bytes written were kept.",
		    what, strerror(u->err), (unsigned long long)u->written);
	else
		reply(s, code, "%s (%s); nothing was stored.", what,
		    strerror(u->err));
}

/* The reply finish() gives. */
static int
upload_code(const struct upload *u, enum up_result r, bool resume)
{
	switch (r) {
	case UP_OK:
		return 226;
	case UP_DISK:
		return u->err == EEXIST ? 553 : u->err == ENOSPC ? 452 :
		    u->err == EDQUOT || u->err == EFBIG ? 552 : 451;
	case UP_ABANDONED:
		return 426;
	case UP_DIR_SYNC:
		return 451;
	case UP_XFER:
		break;
	}
	return resume && u->xr != XFER_ABORTED ? 426 : xfer_reply_code(u->xr);
}

static void
finish(struct session *s, struct upload *u, enum up_result r, int dfd,
    const char *vpath)
{
	bool resume = u->kind == UPLOAD_APPEND || u->kind == UPLOAD_RESUME;

	if (r == UP_OK && u->sync && fsync(u->fd) < 0) {
		u->err = errno;
		r = UP_DISK;
	}
	if (sys_close(u->fd) < 0 && r == UP_OK) {
		u->err = errno;
		r = UP_DISK;
	}
	tls_data_end(s, r != UP_OK);
	data_close(dfd, r != UP_OK);
	if (r == UP_OK && put_in_place(u) < 0) {
		u->err = errno;
		r = UP_DISK;
	}
	/* A resume of a file that was there changed no name. */
	if (r == UP_OK && u->sync && (u->atomic || u->fresh) &&
	    sync_dir(u) < 0) {
		u->err = errno;
		r = UP_DIR_SYNC;
	}
	xfer_report(s, upload_code(u, r, resume), r == UP_OK);
	xfer_end(s);
	if (r == UP_OK || r == UP_DIR_SYNC || resume)
		forget_cleanup(s);	/* what is there stays */
	else
		upload_abandon(s);
	log_info("%s %s: %llu bytes%s", s->xfer.verb, vpath,
	    (unsigned long long)u->written, r == UP_OK ? "" :
	    r == UP_DIR_SYNC ? " (in place; directory not flushed)" :
	    r == UP_ABANDONED ? " (client gone; discarded)" :
	    resume ? " (incomplete; kept)" : " (incomplete; discarded)");
	switch (r) {
	case UP_OK:
		if (u->kind == UPLOAD_UNIQUE)
			reply(s, 226, "Transfer complete; stored as %s.",
			    u->name);
		else
			reply(s, 226, "Transfer complete.");
		break;
	case UP_DISK:
		if (u->err == EEXIST)
			reply(s, 553, "File exists; anonymous uploads never "
			    "replace a file.");
		else
			disk_reply(s, u, resume);
		break;
	case UP_DIR_SYNC:
		reply(s, 451, "The file is in place, but flushing its "
		    "directory failed (%s): a crash may lose it.",
		    strerror(u->err));
		break;
	case UP_ABANDONED:
		reply(s, 426, "Connection closed; transfer aborted.");
		session_exit(s, 0);
	case UP_XFER:
		if (resume && u->xr != XFER_ABORTED)
			reply(s, 426, "Transfer ended early; the %llu bytes "
			    "written were kept.",
			    (unsigned long long)u->written);
		else
			xfer_reply(s, u->xr, "Transfer complete.");
		break;
	}
}

static void
reply_150(struct session *s, const struct upload *u)
{
	if (u->kind == UPLOAD_UNIQUE)
		reply(s, 150, "FILE: %s", u->name);	/* RFC 1123 4.1.2.9 */
	else
		reply(s, 150, "Ok to send data.");
}

void
upload_run(struct session *s, enum upload_kind kind, const char *arg)
{
	static const char *const verbs[] = { "STOR", "STOU", "APPE", "STOR" };
	char vpath[VPATH_MAX];
	struct upload u;
	uint64_t rest = s->rest;
	enum xfer_result xr;
	enum up_result r;
	bool tls;
	int dfd;

	s->rest = 0;
	if (kind == UPLOAD_STORE && rest > 0)
		kind = UPLOAD_RESUME;
	if (!data_configured(s)) {
		reply(s, 425, "Use PORT, PASV, EPRT or EPSV first.");
		return;
	}
	memset(&u, 0, sizeof(u));
	u.kind = kind;
	u.fd = -1;
	u.anonymous = (s->perm.rights & RIGHT_WRITE) == 0;
	u.atomic = (s->init_flags & INIT_ATOMIC_UPLOADS) &&
	    (kind == UPLOAD_STORE || kind == UPLOAD_UNIQUE);
	u.sync = (s->init_flags & INIT_UPLOAD_FSYNC) != 0;
	if (command_path(s, kind == UPLOAD_APPEND || kind == UPLOAD_RESUME ?
	    FS_APPEND : FS_STORE, arg, vpath) < 0) {
		data_reset(s);
		return;
	}
	u.dirfd = fs_open_parent(s, vpath, &u.name);
	if (u.dirfd < 0) {
		reply(s, 550, "%s", fs_strerror(errno));
		data_reset(s);
		return;
	}
	if (kind == UPLOAD_UNIQUE) {
		str_copy(u.base, sizeof(u.base), u.name);
		if (pick_unique(&u) < 0) {
			reply(s, 553, "No unique name is free.");
			goto out;
		}
		u.name = u.unique;
	}
	if (prepare(s, &u, rest) < 0)
		goto out;
	if (open_target(s, &u, rest) < 0) {
		open_reply(s, errno);
		goto out;
	}
	xr = data_open(s, &dfd);
	if (xr != XFER_OK) {
		sys_close(u.fd);
		upload_abandon(s);
		xfer_reply(s, xr, "");
		sys_close(u.dirfd);
		return;
	}
	/*
	 * PROT P: the connection is this session's client only once its
	 * handshake is done (it resumed the control connection's session);
	 * one that is refused must not cut or make the file either.  The
	 * client starts the handshake after the 150, so that comes first.
	 */
	tls = s->data_tls_pending;
	if (tls) {
		reply_150(s, &u);
		xr = tls_data_handshake(s, dfd);
	}
	if (xr != XFER_OK || commit_target(&u) < 0) {
		int e = errno;

		tls_data_end(s, true);
		data_close(dfd, true);
		sys_close(u.fd);
		upload_abandon(s);
		if (xr != XFER_OK)
			xfer_reply(s, xr, "");
		else
			open_reply(s, e);
		sys_close(u.dirfd);
		return;
	}
	if (!tls)
		reply_150(s, &u);
	xfer_begin(s, verbs[kind], vpath, 0);
	r = receive(s, &u, dfd);
	finish(s, &u, r, dfd, vpath);
	sys_close(u.dirfd);
	return;
out:
	data_reset(s);
	sys_close(u.dirfd);
}
