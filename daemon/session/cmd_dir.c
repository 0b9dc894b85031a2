/*
 * cmd_dir.c - PWD/XPWD, CWD/XCWD, CDUP/XCUP: the session's working
 * directory, a virtual path that the kernel resolves beneath the root.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "../../common/sys.h"
#include "commands.h"
#include "fsaccess.h"

#define DIR_MESSAGE_MAX 4096

/*
 * dir_messages: the directory's .message, if it is a regular file the
 * session may read, as 250- lines (control characters shown as '?').
 * Empty when there is none.
 */
static void
dir_message(struct session *s, const char *dir, char *out, size_t n)
{
	char path[VPATH_MAX], resolved[VPATH_MAX];
	struct stat st;
	ssize_t len = -1;
	int fd;

	out[0] = '\0';
	if (!(s->init_flags & INIT_DIR_MESSAGES) ||
	    path_join(dir, ".message", path, sizeof(path)) < 0 ||
	    fs_resolve(s, FS_READ, path, resolved) != 0)
		return;
	fd = fs_open(s, resolved, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		len = sys_pread(fd, out, n - 1, 0);
	sys_close(fd);
	if (len <= 0) {
		out[0] = '\0';
		return;
	}
	for (ssize_t i = 0; i < len; i++)
		if (out[i] != '\n' && ((unsigned char)out[i] < ' ' ||
		    out[i] == 0x7f))
			out[i] = out[i] == '\r' ? ' ' : '?';
	while (len > 0 && out[len - 1] == '\n')
		len--;
	out[len] = '\0';
}

void
cmd_pwd(struct session *s, char *arg)
{
	char quoted[2 * VPATH_MAX + 1];

	(void)arg;
	quote_path(s->cwd, quoted, sizeof(quoted));
	reply(s, 257, "\"%s\" is the current directory.", quoted);
}

/* Change to arg; the reply code on success differs for CWD and CDUP. */
static void
change_dir(struct session *s, const char *arg, int ok_code)
{
	static char msg[DIR_MESSAGE_MAX];
	char vpath[VPATH_MAX];
	int err;

	if (command_path(s, FS_CHDIR, arg, vpath) < 0)
		return;
	err = fs_dir_searchable(s, vpath);
	if (err) {
		reply(s, 550, "Failed to change directory: %s",
		    fs_strerror(err));
		return;
	}
	str_copy(s->cwd, sizeof(s->cwd), vpath);
	if (ok_code == 200) {
		reply(s, 200, "Directory changed to parent.");
		return;
	}
	dir_message(s, vpath, msg, sizeof(msg));
	if (msg[0])
		reply_text(s, 250, msg, "Directory successfully changed.");
	else
		reply(s, 250, "Directory successfully changed.");
}

void
cmd_cwd(struct session *s, char *arg)
{
	change_dir(s, arg, 250);
}

void
cmd_cdup(struct session *s, char *arg)
{
	(void)arg;
	change_dir(s, "..", 200);	/* RFC 959 §5.4: CDUP answers 200 */
}
