/*
 * path.c - lexical joining and normalising of virtual paths.
 */
#include <string.h>

#include "path.h"
#include "util.h"

/* Append one component to out (length *len), or pop for "..". */
static int
push_component(char *out, size_t outsz, size_t *len, const char *c,
    size_t clen)
{
	if (clen == 0 || (clen == 1 && c[0] == '.'))
		return 0;
	if (clen == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 0 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 0)
			(*len)--;	/* the slash before the component */
		out[*len] = '\0';
		return 0;
	}
	if (*len + 1 + clen + 1 > outsz)
		return -1;
	out[(*len)++] = '/';
	memcpy(out + *len, c, clen);
	*len += clen;
	out[*len] = '\0';
	return 0;
}

static int
push_path(char *out, size_t outsz, size_t *len, const char *p)
{
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t clen = slash ? (size_t)(slash - p) : strlen(p);

		if (push_component(out, outsz, len, p, clen) < 0)
			return -1;
		p += clen;
		if (*p == '/')
			p++;
	}
	return 0;
}

int
path_join(const char *cwd, const char *arg, char *out, size_t outsz)
{
	size_t len = 0;

	if (outsz < 2)
		return -1;
	out[0] = '\0';
	if (arg[0] == '~' && (arg[1] == '\0' || arg[1] == '/')) {
		arg++;		/* "~" is the session's root */
	} else if (arg[0] != '/') {
		if (push_path(out, outsz, &len, cwd) < 0)
			return -1;
	}
	if (push_path(out, outsz, &len, arg) < 0)
		return -1;
	if (len == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

const char *
path_relative(const char *vpath)
{
	while (*vpath == '/')
		vpath++;
	return *vpath ? vpath : ".";
}

const char *
path_basename(const char *vpath)
{
	const char *slash = strrchr(vpath, '/');

	if (slash == NULL)
		return vpath;
	if (slash[1] == '\0')
		return "/";
	return slash + 1;
}

int
path_dirname(const char *vpath, char *dir, size_t dirsz)
{
	const char *slash = strrchr(vpath, '/');

	if (slash == NULL || slash == vpath)
		return str_copy(dir, dirsz, "/");
	return str_copy_n(dir, dirsz, vpath, (size_t)(slash - vpath));
}
