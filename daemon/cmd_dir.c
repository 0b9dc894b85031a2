/*
 * cmd_dir.c - PWD/XPWD, CWD/XCWD, CDUP/XCUP: the session's working
 * directory, a virtual path that the kernel resolves beneath the root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "../common/sys.h"
#include "commands.h"
#include "fsaccess.h"

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
	char vpath[VPATH_MAX], probe[VPATH_MAX + 2];
	int fd;

	if (fs_prepare(s, FS_CHDIR, arg, vpath) < 0)
		return;
	/* Resolving "dir/." needs search permission on dir, as chdir would. */
	if (strcmp(vpath, "/") == 0)
		str_copy(probe, sizeof(probe), "/.");
	else if (snprintf(probe, sizeof(probe), "%s/.", vpath) >=
	    (int)sizeof(probe)) {
		reply(s, 553, "File name too long.");
		return;
	}
	fd = fs_open(s, probe, O_PATH | O_DIRECTORY);
	if (fd < 0) {
		reply(s, 550, "Failed to change directory: %s",
		    fs_strerror(errno));
		return;
	}
	sys_close(fd);
	str_copy(s->cwd, sizeof(s->cwd), vpath);
	if (ok_code == 200)
		reply(s, 200, "Directory changed to parent.");
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
