/*
 * cmd_dir.c - PWD/XPWD, CWD/XCWD, CDUP/XCUP: the session's working
 * directory, a virtual path that the kernel resolves beneath the root.
 */
#include <string.h>

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
